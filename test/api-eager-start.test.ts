/**
 * The API as `npm start` runs it: on its in-process worker's NativeConnection, starting cascades
 * eagerly. An eagerly started cascade completes like any other, and submitting by id stays
 * idempotent (one workflow, one set of model calls, a 409 for a different request under the id).
 * The server then hands each model call straight back to the worker (eager activity dispatch).
 */
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import OpenAI from 'openai';
import pino from 'pino';
import { buildApi } from '../api/build-api';
import { type CascadeResult } from '../core/result';
import { eventually, useApiStack } from './helpers/simulated-cascade';
import { scrapeCounterTotal } from './helpers/prometheus-counter';
import { TEST_ENV } from './helpers/test-env';

/** Calls take a moment, so concurrent submissions overlap a running cascade rather than a finished one. */
const SCRIPT = {
  models: {
    'claude-haiku-4-5': {
      defaultAnswer: { type: 'text' as const, text: 'Paris, said {{model}}.' },
      latency: { type: 'fixed' as const, ms: 400 },
    },
  },
};

interface SubmitBody {
  id: string;
  status: string;
  created: boolean;
  result?: CascadeResult;
}

describe('HTTP API: eager workflow start (npm start topology)', { timeout: 300_000 }, () => {
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const suite = useApiStack('eager-http', { script: SCRIPT, api: { eagerStart: true, logger } });

  const submit = (key: string, body: unknown, query = '?wait=true') =>
    fetch(`${suite.api.url}/v1/cascades${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
  /** What the API logged of the starts of `workflowId`: whether each was eager. */
  const submitsOf = (workflowId: string) =>
    logLines
      .map((line) => JSON.parse(line) as { msg?: string; workflowId?: string; eagerlyStarted?: boolean })
      .filter((entry) => entry.msg === 'started' && entry.workflowId === workflowId);
  const callsFor = (marker: string) =>
    suite.stack.simulator.callLog.list().filter((call) => JSON.stringify(call.requestBody).includes(marker));

  it('completes an eagerly started cascade, and the same key is one cascade with one result', async () => {
    const key = `eager-${randomUUID()}`;
    const body = { prompt: `What is the capital of France? (${key})` };
    const responses = await Promise.all([submit(key, body), submit(key, body), submit(key, body)]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as SubmitBody[];
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200],
      JSON.stringify(bodies),
    );
    assert.equal(bodies.filter((b) => b.created).length, 1, 'exactly one submission created the cascade');
    const result = bodies[0]!.result;
    assert.ok(result);
    assert.equal(result.outcome, 'accepted');
    assert.deepEqual(bodies[1]!.result, result);
    assert.deepEqual(bodies[2]!.result, result);
    assert.equal(callsFor(key).length, result.steps.length, 'one set of model calls');
    // The start that created it was eager: its first workflow task came back with the start call.
    assert.deepEqual(
      submitsOf(key).map((entry) => entry.eagerlyStarted),
      [true],
      'one created submission, started eagerly',
    );
    const count = await eventually(async () => {
      const { count } = await suite.temporal.client.workflow.count(
        `TaskQueue = '${suite.stack.config.taskQueue}' AND WorkflowId = '${key}'`,
      );
      return count >= 1 ? count : undefined;
    }, `workflow ${key} to be visible`);
    assert.equal(count, 1);

    // A different request under the same id is refused, eager or not.
    const conflict = await submit(key, { prompt: `What is 3 + 3? (${key})` });
    assert.equal(conflict.status, 409);
    assert.equal(callsFor(key).length, result.steps.length);
  });

  it('answers a non-streaming chat completion through an eagerly started cascade', async () => {
    const openai = new OpenAI({ baseURL: `${suite.api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const key = `eager-chat-${randomUUID()}`;
    const completion = await openai.chat.completions.create(
      { model: 'cascade', messages: [{ role: 'user', content: `Which city is the capital of Italy? (${key})` }] },
      { headers: { 'Idempotency-Key': key } },
    );
    assert.match(completion.choices[0]!.message.content ?? '', /Paris, said/);
    assert.deepEqual(
      submitsOf(key).map((entry) => entry.eagerlyStarted),
      [true],
    );
  });

  it('has its model calls dispatched eagerly by the server (lib/server-dynamic-config.ts)', async () => {
    // The server's own counter of activities it started and handed back in a workflow task
    // completion's answer; it stays at 0 while the server has eager activity execution off (its
    // default). Other test files add to it too, so the check is that it grew by at least this cascade's calls.
    const metricsUrl = process.env[TEST_ENV.temporalMetricsUrl];
    assert.ok(metricsUrl, `${TEST_ENV.temporalMetricsUrl} is set by test/run.ts`);
    const eagerActivities = () => scrapeCounterTotal(metricsUrl, 'activity_eager_execution');
    const before = await eagerActivities();
    const key = `eager-activity-${randomUUID()}`;
    const response = await submit(key, { prompt: `What is the capital of France? (${key})` });
    const body = (await response.json()) as SubmitBody;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.ok(body.result!.steps.length >= 1);
    const after = await eagerActivities();
    assert.ok(
      after - before >= body.result!.steps.length,
      `activity_eager_execution grew by ${after - before}, fewer than the cascade's ${body.result!.steps.length} model call(s)`,
    );
  });

  it('refuses eager start at startup on a client connection, which the SDK cannot start eagerly over', async () => {
    const connection = await Connection.connect({ address: suite.temporal.address });
    try {
      assert.throws(
        () =>
          buildApi({
            connection,
            eagerStart: true,
            namespace: 'default',
            config: suite.stack.config,
            logger: pino({ level: 'silent' }),
          }),
        /eagerStart needs the NativeConnection of a worker running in this process/,
      );
    } finally {
      await connection.close();
    }
  });
});
