/** The worker's metrics endpoint: its address from the environment, and what happens when the port is taken. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ConfigError } from '../../core/config';
import { CascadeMetrics } from '../../telemetry/cascade-metrics';
import { metricsAddressFromEnv, startMetricsServer } from '../../telemetry/metrics-server';

async function takenPort(): Promise<{ port: number; release(): void }> {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  return { port: (blocker.address() as net.AddressInfo).port, release: () => blocker.close() };
}

describe('worker metrics endpoint', () => {
  it('reads its address from the environment and refuses a bad port, naming the variable', () => {
    assert.deepEqual(metricsAddressFromEnv({}), { host: '127.0.0.1', port: 9464, explicit: false });
    assert.deepEqual(metricsAddressFromEnv({ LLM_CASCADE_METRICS_PORT: '0', LLM_CASCADE_METRICS_HOST: '0.0.0.0' }), {
      host: '0.0.0.0',
      port: 0,
      explicit: true,
    });
    assert.throws(
      () => metricsAddressFromEnv({ LLM_CASCADE_METRICS_PORT: 'ninety' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems[0] === 'LLM_CASCADE_METRICS_PORT: must be a port number (0 picks a free one), got "ninety"',
    );
  });

  it('serves /metrics; a taken default port gives way to a free one, a taken explicit port is an error', async () => {
    const metrics = new CascadeMetrics();
    const taken = await takenPort();
    try {
      const moved = await startMetricsServer({ metrics, host: '127.0.0.1', port: taken.port, explicit: false });
      try {
        assert.equal(moved.movedFrom, taken.port);
        const response = await fetch(moved.url);
        assert.equal(response.status, 200);
        assert.match(await response.text(), /^# TYPE llm_cascade_requests_total counter$/m);
        assert.equal((await fetch(moved.url.replace('/metrics', '/other'))).status, 404);
      } finally {
        await moved.close();
      }
      await assert.rejects(
        startMetricsServer({ metrics, host: '127.0.0.1', port: taken.port, explicit: true }),
        (error: unknown) => error instanceof ConfigError && /is in use; set another/.test(error.problems[0]!),
      );
    } finally {
      taken.release();
    }
  });
});
