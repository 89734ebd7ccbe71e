/**
 * `CascadeClient` on a real Temporal server with the simulated providers: validation before
 * anything starts, id = workflow id (idempotent, also concurrently), describe, cancel, list, count.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CascadeClient, validateRequest } from '../client/cascade-client';
import { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from '../client/errors';
import { RequestValidationError } from '../core/request';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import { eventually, startSimulatedCascade, workflowCount, type SimulatedCascade } from './helpers/simulated-cascade';

const SLOW = 'SLOW-REQUEST';
const SCRIPT = {
  models: {
    'claude-haiku-4-5': {
      rules: [
        {
          name: 'slow',
          when: { promptContains: SLOW },
          answer: { type: 'text' as const, text: 'late answer' },
          latency: { type: 'fixed' as const, ms: 300_000 },
        },
      ],
      defaultAnswer: { type: 'text' as const, text: 'Simulated answer from {{model}}.' },
      latency: { type: 'fixed' as const, ms: 300 },
    },
  },
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof RequestValidationError) return error.problems;
    throw error;
  }
  assert.fail('expected a RequestValidationError');
}

describe('CascadeClient', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let stack: SimulatedCascade;
  let client: CascadeClient;

  before(async () => {
    temporal = await connectTestTemporal();
    stack = await startSimulatedCascade(temporal, 'client', { script: SCRIPT });
    client = new CascadeClient({ client: temporal.client, taskQueue: stack.config.taskQueue, config: stack.config });
  });
  after(async () => {
    await stack?.stop();
    await temporal?.close();
  });

  const callsFor = (marker: string) =>
    stack.simulator.callLog.list().filter((call) => JSON.stringify(call.requestBody).includes(marker));

  it('validates before anything starts, naming each field', async () => {
    assert.deepEqual(
      problemsOf(() => validateRequest({ prompt: '', maxCostUsd: -1 })),
      ['prompt: must not be empty', 'maxCostUsd: must be greater than 0'],
    );
    assert.match(
      problemsOf(() => validateRequest({ prompt: 'x', taskType: 'poetry' }, stack.config))[0]!,
      /^taskType: unknown route "poetry" \(routes: extraction, /,
    );
    assert.match(
      problemsOf(() => client.validate({ prompt: 'x', schema: { type: 'nope' } }))[0]!,
      /^schema: invalid JSON Schema/,
    );
    const before = await workflowCount(temporal, stack.config.taskQueue);
    await assert.rejects(
      client.submit({ prompt: 'x', colour: 'red' }),
      (error: unknown) => error instanceof RequestValidationError && error.problems[0] === 'unknown field "colour"',
    );
    await assert.rejects(client.run({ messages: [] }), RequestValidationError);
    assert.equal(await workflowCount(temporal, stack.config.taskQueue), before, 'no workflow started');
  });

  it('submits and returns the id at once; result and run wait for the answer', async () => {
    const submission = await client.submit({ prompt: 'What is the capital of Spain?' });
    assert.equal(submission.created, true);
    assert.match(submission.id, /^req-/);
    const result = await client.result(submission.id);
    assert.equal(result.id, submission.id);
    assert.equal(result.outcome, 'accepted');
    assert.equal(result.output.text, 'Simulated answer from claude-haiku-4-5.');

    const ran = await client.run({ id: `client-run-${randomUUID()}`, prompt: 'Name a river in Germany.' });
    assert.equal(ran.outcome, 'accepted');
  });

  it('runs one workflow and one set of model calls for the same id submitted concurrently', async () => {
    const id = `client-idem-${randomUUID()}`;
    const request = { id, prompt: `What is the capital of Portugal? (${id})` };
    const submissions = await Promise.all([client.submit(request), client.submit(request), client.submit(request)]);
    assert.deepEqual(
      submissions.map((s) => s.id),
      [id, id, id],
    );
    assert.equal(submissions.filter((s) => s.created).length, 1);
    const results = await Promise.all([client.result(id), client.run(request), client.result(id)]);
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
    assert.equal(callsFor(id).length, results[0].steps.length);
    const visible = await eventually(async () => {
      const { count } = await temporal.client.workflow.count(`WorkflowId = '${id}'`);
      return count >= 1 ? count : undefined;
    }, 'the workflow to be visible');
    assert.equal(visible, 1);

    await assert.rejects(
      client.submit({ id, prompt: 'a different request' }),
      (error: unknown) => error instanceof IdempotencyConflictError && error.id === id,
    );
  });

  it('describes a running cascade live and a finished one with its result; cancels a running one', async () => {
    const id = `client-slow-${randomUUID()}`;
    const started = Date.now();
    // Pinned to the small tier, whose model the script slows down, whatever the classifier says.
    await client.submit({ id, prompt: `What is the capital of Peru? ${SLOW}`, taskType: 'question_answering' });
    assert.ok(Date.now() - started < 60_000, 'submit does not wait for the model');

    const running = await client.describe(id);
    assert.equal(running.status, 'RUNNING');
    assert.equal(running.result, undefined);
    await eventually(
      async () => ((await client.describe(id)).route === 'question_answering' ? true : undefined),
      'the route to be recorded',
    );

    assert.equal(await client.cancel(id), true);
    await assert.rejects(
      client.result(id),
      (error: unknown) => error instanceof CascadeFailedError && error.status === 'CANCELLED',
    );
    assert.equal(await client.cancel(id), false, 'cancelling an ended cascade does nothing');
    assert.equal((await client.describe(id)).status, 'CANCELLED');

    const done = await client.run({ id: `client-done-${randomUUID()}`, prompt: 'Name a planet.' });
    const described = await client.describe(done.id);
    assert.equal(described.status, 'COMPLETED');
    assert.deepEqual(described.result, done);
    assert.deepEqual(described.steps, done.steps);
    assert.equal(described.costUsd, done.costUsd);
  });

  it('lists and counts by search attributes', async () => {
    const batchId = `client-batch-${randomUUID()}`;
    const ids = [`${batchId}-a`, `${batchId}-b`];
    // Not the random id in the prompt: its digits are a cue the classifier may read as arithmetic.
    for (const [n, id] of ids.entries())
      await client.submit({ id, prompt: `What is the tallest mountain? (copy ${'ab'[n]})` }, { batchId });
    await Promise.all(ids.map((id) => client.result(id)));

    const listed = await eventually(async () => {
      const rows = await client.list({ batchId, outcome: 'accepted' });
      return rows.length === ids.length ? rows : undefined;
    }, 'both cascades to be listed as accepted');
    assert.deepEqual(listed.map((r) => r.id).sort(), ids);
    for (const row of listed) {
      assert.equal(row.status, 'COMPLETED');
      assert.equal(row.taskType, 'question_answering');
      assert.equal(row.finalModel, 'claude-haiku-4-5');
      assert.equal(row.escalations, 0);
    }
    assert.equal(await client.count({ batchId }), 2);
    assert.equal((await client.list({ batchId, limit: 1 })).length, 1);
    assert.deepEqual(await client.list({ batchId, escalated: true }), []);
    assert.equal(await client.count({ batchId, outcome: 'exhausted' }), 0);
  });

  it('throws CascadeNotFoundError for an unknown id', async () => {
    const id = `never-${randomUUID()}`;
    await assert.rejects(
      client.describe(id),
      (error: unknown) => error instanceof CascadeNotFoundError && error.id === id,
    );
    await assert.rejects(client.result(id), CascadeNotFoundError);
    await assert.rejects(client.cancel(id), CascadeNotFoundError);
  });
});
