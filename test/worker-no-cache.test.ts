/**
 * A worker without a workflow cache (`maxCachedWorkflows: 0`, as `LLM_CASCADE_WORKER_CACHED_WORKFLOWS=0`
 * sets it) runs cascades side by side without losing a workflow task. Every cascade starts with a
 * local activity (`prepareCascade`) inside its first workflow task; with several task slots, the
 * SDK's core (whose zero cache holds one run) evicted a cascade whose local activity was running
 * when another cascade's task arrived: the task was dropped, the core logged "There should not be
 * any outgoing commands or messages when preparing a completion response if the activation was only
 * an eviction. This is an SDK bug.", and the server retried the task after its 10 s timeout. The
 * worker now runs one workflow task at a time without a cache (worker/worker-tuning.ts,
 * NO_CACHE_WORKFLOW_SLOTS). The core's own log lines are forwarded here and read.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DefaultLogger, type LogEntry, type Worker } from '@temporalio/worker';
import { CascadeClient } from '../client/cascade-client';
import { ConfigError, parseConfig, type CascadeConfig } from '../core/config';
import { createProviderRegistry } from '../providers/provider-registry';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { createCascadeWorker, type CascadeWorkerOptions } from '../worker/create-worker';
import { threeTierConfig } from './helpers/engine';
import { connectTestTemporal, uniqueTaskQueue, workflowBundleCode, type TestTemporal } from './helpers/temporal';

const SCHEMA = {
  type: 'object',
  properties: { invoice_number: { type: 'string' }, total: { type: 'number' } },
  required: ['invoice_number', 'total'],
};

/** Enough cascades at once that their first workflow tasks overlap (3 already lost tasks before the fix). */
const CASCADES = 8;

let temporal: TestTemporal;
let simulator: SimulatorHandle;
let config: CascadeConfig;
/** Every log line of the SDK (the core's included), warnings and up. */
const logs: LogEntry[] = [];

before(async () => {
  temporal = await connectTestTemporal({
    logger: new DefaultLogger('WARN', (entry) => logs.push(entry)),
    coreLogLevel: 'WARN',
  });
  simulator = await startSimulator({
    script: {
      models: {
        // Half the cascades escalate once: a second model call, a second workflow task after it.
        'sim-small': {
          rules: [{ when: { promptContains: 'ESCALATE' }, answer: { type: 'schema_violation' } }],
          defaultAnswer: { type: 'schema_json', facts: 'use' },
        },
        'sim-mid': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
        'sim-frontier': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
      },
    },
  });
  config = pointConfigAtSimulator(parseConfig(threeTierConfig({ taskQueue: uniqueTaskQueue('no-cache') })), simulator);
});

after(async () => {
  await simulator?.stop();
  await temporal?.close();
});

/** A worker for the test's config on the test server, with `tuning`. */
async function noCacheWorker(tuning: CascadeWorkerOptions['tuning']) {
  return createCascadeWorker({
    connection: temporal.nativeConnection,
    config,
    providers: createProviderRegistry(config, simulatorEnv()),
    workflows: { workflowBundle: { code: await workflowBundleCode() } },
    ...(tuning ? { tuning } : {}),
  });
}

describe('a worker without a workflow cache', { timeout: 300_000 }, () => {
  it('runs cascades side by side with no workflow task lost to an eviction', async () => {
    const worker = await noCacheWorker({ maxCachedWorkflows: 0 });
    const client = new CascadeClient({ client: temporal.client, taskQueue: config.taskQueue, config });
    const ids = Array.from({ length: CASCADES }, (_, i) => `no-cache-${i}-${randomUUID().slice(0, 8)}`);
    const results = await worker.runUntil(
      Promise.all(
        ids.map((id, i) =>
          client.run({
            id,
            prompt: `Extract the invoice fields as JSON. ${i % 2 === 0 ? 'ESCALATE' : 'PLAIN'}\ninvoice_number: INV-9\ntotal: 42.5`,
            taskType: 'extraction',
            schema: SCHEMA,
            groundTruth: { invoice_number: 'INV-9', total: 42.5 },
          }),
        ),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.outcome),
      ids.map(() => 'accepted'),
    );
    assert.deepEqual(
      results.map((r) => r.escalations),
      ids.map((_, i) => (i % 2 === 0 ? 1 : 0)),
    );

    // A dropped task shows in the history as a timed-out (or failed) workflow task before its retry.
    for (const id of ids) {
      const { events } = await temporal.client.workflow.getHandle(id).fetchHistory();
      const lost = (events ?? []).filter(
        (e) => e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes,
      );
      assert.equal(lost.length, 0, `${id}: ${lost.length} workflow task(s) timed out or failed`);
    }
    const core = logs.filter((entry) => entry.meta?.sdkComponent === 'core');
    const evictionBugs = core.filter((entry) => entry.message.includes('the activation was only an eviction'));
    assert.equal(evictionBugs.length, 0, `the core logged ${evictionBugs.length} eviction errors`);
    const droppedLocalActivities = core.filter((entry) =>
      entry.message.includes('Eviction requested while local activities are still in flight'),
    );
    assert.equal(droppedLocalActivities.length, 0, droppedLocalActivities[0]?.message);
  });

  it('refuses more than one workflow task at a time, naming the options', async () => {
    const created = await noCacheWorker({ maxCachedWorkflows: 0, maxConcurrentWorkflowTaskExecutions: 4 }).catch(
      (error: unknown) => error,
    );
    if (!(created instanceof Error)) {
      // A worker made anyway holds the native connection: run it to a stop so the file can end.
      await (created as Worker).runUntil(Promise.resolve());
      assert.fail('a worker without a cache was created with 4 workflow-task slots');
    }
    assert.ok(created instanceof ConfigError, String(created));
    assert.match(
      created.message,
      /maxConcurrentWorkflowTaskExecutions: must be 1 without a workflow cache \(maxCachedWorkflows 0\), got 4/,
    );
  });
});
