/**
 * Which config decided: every cascade records a short hash of the config it ran under, the
 * worker's or the one its input carried (a reprocess), as search attribute `CascadeConfigHash`
 * and memo `configHash`, whatever the submitter's own config. Histories of this shape are kept in
 * test/histories/ (with LLM_CASCADE_RECORD_HISTORIES=1) for the replay suite; histories recorded
 * before it still replay (the `record-config-hash` patch).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { configHash } from '../core/config-hash';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { recordingHistories, saveHistory } from './helpers/histories';
import { startSimulatedCascade, type SimulatedCascade } from './helpers/simulated-cascade';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

let temporal: TestTemporal;
let stack: SimulatedCascade;
let client: CascadeClient;

before(async () => {
  temporal = await connectTestTemporal();
  stack = await startSimulatedCascade(temporal, 'config-hash');
  client = new CascadeClient({ client: temporal.client, taskQueue: stack.config.taskQueue, config: stack.config });
});
after(async () => {
  await stack?.stop();
  await temporal?.close();
});

/** The hash a finished cascade recorded, from visibility, the memo and `describe`; all three must agree. */
async function recordedHash(id: string): Promise<string | undefined> {
  const handle = temporal.client.workflow.getHandle(id);
  const description = await handle.describe();
  const attribute = description.typedSearchAttributes.get(CascadeSearchAttributes.configHash);
  assert.equal(description.memo?.configHash, attribute, 'memo and search attribute agree');
  assert.equal((await client.describe(id)).configHash, attribute);
  return attribute;
}

/** Polls visibility (eventually consistent) until the query finds exactly the expected ids. */
async function idsMatching(query: string, expected: number): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of temporal.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length >= expected || Date.now() > deadline) return ids.sort();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('CascadeConfigHash', { timeout: 300_000 }, () => {
  it("records the worker's config when the input carries none, and the input's when it does", async () => {
    const workerHash = configHash(stack.config);
    const other: CascadeConfig = {
      ...stack.config,
      resilience: { ...stack.config.resilience, maxAttemptsPerModel: 1 },
    };
    const otherHash = configHash(other);
    assert.notEqual(workerHash, otherHash);

    const byWorker = `config-hash-worker-${randomUUID()}`;
    const byInput = `config-hash-input-${randomUUID()}`;
    await client.run({ id: byWorker, prompt: 'What is the capital of France?' });
    await client.run({ id: byInput, prompt: 'What is the capital of France?' }, { config: other });

    assert.equal(await recordedHash(byWorker), workerHash);
    assert.equal(await recordedHash(byInput), otherHash);

    const taskQueue = `TaskQueue = '${stack.config.taskQueue}'`;
    assert.deepEqual(await idsMatching(`CascadeConfigHash = '${workerHash}' AND ${taskQueue}`, 1), [byWorker]);
    assert.deepEqual(await idsMatching(`CascadeConfigHash = '${otherHash}' AND ${taskQueue}`, 1), [byInput]);

    if (recordingHistories()) {
      for (const [label, id] of [
        ['config-hash-worker-config', byWorker],
        ['config-hash-input-config', byInput],
      ] as const) {
        await saveHistory(label, await temporal.client.workflow.getHandle(id).fetchHistory());
      }
    }
  });
});
