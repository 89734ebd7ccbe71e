/**
 * `Idempotency-Key` over HTTP: the same key, even sent concurrently, is one workflow, one set of
 * model calls and one result; the same key for a different request is a 409.
 */
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { type CascadeResult } from '../core/result';
import { eventually, useApiStack } from './helpers/simulated-cascade';

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
  statusUrl: string;
  result?: CascadeResult;
}

describe('HTTP API: Idempotency-Key', { timeout: 300_000 }, () => {
  const suite = useApiStack('idem-http', { script: SCRIPT });

  const submit = (key: string, body: unknown, query = '?wait=true') =>
    fetch(`${suite.api.url}/v1/cascades${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });

  /** Model calls whose prompt holds `marker`. */
  const callsFor = (marker: string) =>
    suite.stack.simulator.callLog.list().filter((call) => JSON.stringify(call.requestBody).includes(marker));

  async function workflowsWithId(id: string): Promise<number> {
    return eventually(async () => {
      const { count } = await suite.temporal.client.workflow.count(
        `TaskQueue = '${suite.stack.config.taskQueue}' AND WorkflowId = '${id}'`,
      );
      return count >= 1 ? count : undefined;
    }, `workflow ${id} to be visible`);
  }

  it('runs one cascade for a key sent three times at once, and returns the same result to each', async () => {
    const key = `idem-http-${randomUUID()}`;
    const body = { prompt: `What is the capital of France? (${key})` };
    const responses = await Promise.all([submit(key, body), submit(key, body), submit(key, body)]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as SubmitBody[];

    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200],
      JSON.stringify(bodies),
    );
    assert.deepEqual(
      bodies.map((b) => b.id),
      [key, key, key],
    );
    assert.equal(bodies.filter((b) => b.created).length, 1, 'exactly one submission created the cascade');
    assert.ok(bodies[0]!.result);
    assert.deepEqual(bodies[1]!.result, bodies[0]!.result);
    assert.deepEqual(bodies[2]!.result, bodies[0]!.result);
    assert.equal(await workflowsWithId(key), 1);
    assert.equal(callsFor(key).length, bodies[0]!.result.steps.length, 'one set of model calls');

    // Later repeats attach to the finished cascade: no new run, no new call.
    const again = await submit(key, body, '');
    assert.equal(again.status, 202);
    assert.deepEqual(await again.json(), {
      id: key,
      created: false,
      statusUrl: `/v1/cascades/${key}`,
      status: 'completed',
    });
    const waited = (await (await submit(key, body)).json()) as SubmitBody;
    assert.deepEqual(waited.result, bodies[0]!.result);
    assert.equal(callsFor(key).length, bodies[0]!.result.steps.length);
  });

  it('accepts a body id equal to the key', async () => {
    const key = `idem-same-${randomUUID()}`;
    const response = await submit(key, { id: key, prompt: `Name a colour. (${key})` }, '');
    assert.equal(response.status, 202);
    assert.equal(((await response.json()) as SubmitBody).id, key);
  });

  it('refuses the same key for a different request with a 409 naming the id', async () => {
    const key = `idem-conflict-${randomUUID()}`;
    const first = await submit(key, { prompt: `What is 2 + 2? (${key})` }, '');
    assert.equal(first.status, 202);
    const second = await submit(key, { prompt: `What is 3 + 3? (${key})` });
    assert.equal(second.status, 409);
    assert.equal(second.headers.get('x-should-retry'), 'false');
    const { error } = (await second.json()) as {
      error: { type: string; code: string; message: string; param: string };
    };
    assert.equal(error.type, 'conflict');
    assert.equal(error.code, 'idempotency_conflict');
    assert.match(error.message, new RegExp(`id "${key}" was already used for a different request`));
    assert.equal(await workflowsWithId(key), 1);
  });

  it('chat completions: the same key at once is one cascade; a different request under it is a 409', async () => {
    const openai = new OpenAI({ baseURL: `${suite.api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const key = `idem-chat-${randomUUID()}`;
    const request = {
      model: 'cascade',
      messages: [{ role: 'user' as const, content: `Which city is the capital of Italy? (${key})` }],
    };
    const [a, b] = await Promise.all([
      openai.chat.completions.create(request, { headers: { 'Idempotency-Key': key } }),
      openai.chat.completions.create(request, { headers: { 'Idempotency-Key': key } }),
    ]);
    assert.equal(a.id, key);
    assert.equal(b.id, key);
    assert.deepEqual(b.choices, a.choices);
    assert.deepEqual(b.usage, a.usage);
    assert.equal(await workflowsWithId(key), 1);
    const steps = (a as unknown as { cascade: { steps: unknown[] } }).cascade.steps.length;
    assert.equal(callsFor(key).length, steps, 'one set of model calls');

    await assert.rejects(
      openai.chat.completions.create(
        { ...request, messages: [{ role: 'user', content: `Something else (${key})` }] },
        { headers: { 'Idempotency-Key': key } },
      ),
      (error: unknown) =>
        error instanceof OpenAI.ConflictError && error.code === 'idempotency_conflict' && error.message.includes(key),
    );
  });
});
