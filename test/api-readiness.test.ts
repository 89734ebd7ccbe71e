/**
 * `/healthz` and `/readyz` on a real Temporal server: not ready while no worker polls the task
 * queue, ready once one does; and what the API answers when Temporal is not there at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { type ReadinessResponse } from '../api/cascade-schemas';
import { buildApi } from '../api/build-api';
import { freePort } from '../lib/dev-server';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config';
import { uniqueTaskQueue } from './helpers/temporal';
import { eventually, useApiStack } from './helpers/simulated-cascade';

describe('HTTP API: /healthz and /readyz', { timeout: 300_000 }, () => {
  // A fresh task queue that no worker has ever polled: the server remembers pollers for a while.
  const suite = useApiStack('readyz', { worker: false });

  it('is 503 while no worker polls the task queue, and 200 once one does', async () => {
    const health = await fetch(`${suite.api.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });

    const notReady = await fetch(`${suite.api.url}/readyz`);
    assert.equal(notReady.status, 503);
    const body = (await notReady.json()) as ReadinessResponse;
    assert.equal(body.ready, false);
    assert.equal(body.temporal, 'reachable');
    assert.equal(body.workflowPollers, 0);
    assert.equal(
      body.reason,
      `no worker is polling task queue "${suite.stack.config.taskQueue}" for workflow and activity tasks`,
    );

    await suite.stack.startWorker();
    const ready = await eventually(async () => {
      const response = await fetch(`${suite.api.url}/readyz`);
      return response.status === 200 ? ((await response.json()) as ReadinessResponse) : undefined;
    }, '/readyz to turn 200');
    assert.equal(ready.ready, true);
    assert.ok(ready.workflowPollers >= 1 && ready.activityPollers >= 1);
    assert.equal(ready.reason, undefined);
  });
});

describe('HTTP API without a reachable Temporal', { timeout: 300_000 }, () => {
  it('stays up, reports not ready, and answers 503 in each dialect without internals', async () => {
    // Nothing listens on a just-freed port.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const config = { ...(await loadConfig(DEFAULT_CONFIG_PATH)), taskQueue: uniqueTaskQueue('unreachable') };
    const app = buildApi({
      connection,
      namespace: 'default',
      config,
      logger: pino({ level: 'silent' }),
      limits: { temporalTimeoutMs: 1500 },
    });
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);

      const readyz = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(readyz.statusCode, 503);
      const readiness = readyz.json<ReadinessResponse>();
      assert.equal(readiness.temporal, 'unreachable');
      assert.match(readiness.reason ?? '', /Temporal did not answer/);

      const submit = await app.inject({ method: 'POST', url: '/v1/cascades', payload: { prompt: 'hello' } });
      assert.equal(submit.statusCode, 503);
      const error = submit.json<{ error: { type: string; code: string; message: string } }>().error;
      assert.equal(error.type, 'unavailable');
      assert.equal(error.code, 'temporal_unavailable');
      assert.match(error.message, /not reachable right now/);
      assert.doesNotMatch(submit.body, /127\.0\.0\.1|ServiceError|DEADLINE|\n\s+at /);

      const chat = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: { model: 'cascade', messages: [{ role: 'user', content: 'hi' }] },
      });
      assert.equal(chat.statusCode, 503);
      assert.deepEqual(Object.keys(chat.json<{ error: object }>().error).sort(), ['code', 'message', 'param', 'type']);

      // Validation needs no Temporal: a bad request is still a 400, not a 503.
      const invalid = await app.inject({ method: 'POST', url: '/v1/cascades', payload: { prompt: '' } });
      assert.equal(invalid.statusCode, 400);
    } finally {
      await app.close();
      await connection.close();
    }
  });
});
