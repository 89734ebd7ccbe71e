/**
 * Determinism: every history in `test/histories/` (recorded from the durability scenarios and the
 * engine tests: kills, restarts, outages, rate limits, bad output, escalations) is replayed against
 * the current workflow code. A change that would break cascades already running fails here.
 * Re-record with `LLM_CASCADE_RECORD_HISTORIES=1 npx tsx test/run.ts durability cascade-workflow`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker } from '@temporalio/worker';
import { loadHistories } from './helpers/histories';
import { workflowBundleCode } from './helpers/temporal';
import { replayTelemetryOptions } from '../telemetry/worker-telemetry';

// A failing replay is reported by the assertion below, once; the SDK's own lines would repeat it.
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});

describe('history replay', () => {
  it('replays every history in test/histories/ without a determinism error', async () => {
    const histories = await loadHistories();
    assert.ok(
      histories.length >= 15,
      `only ${histories.length} histories stored: re-record them (see this file's header)`,
    );
    const failures: string[] = [];
    let replayed = 0;
    for await (const outcome of Worker.runReplayHistories(
      { workflowBundle: { code: await workflowBundleCode() }, ...replayTelemetryOptions() },
      histories,
    )) {
      replayed += 1;
      if (outcome.error) failures.push(`${outcome.workflowId}: ${outcome.error.name}: ${outcome.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${histories.length} histories no longer replay:\n${failures.join('\n')}`,
    );
  });
});
