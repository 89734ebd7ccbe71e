import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { type WorkflowHandle } from '@temporalio/client';
import { BUILT_IN_MODEL_PATH, readModelFile } from '../classifier/model-file';
import { sumCosts } from '../core/cost';
import { type CascadeResult } from '../core/result';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { decisionsQuery } from '../workflows/definitions';
import { type SimulatorScriptInput } from '../simulator/simulator-script';
import { threeTierConfig, withEngine, type TestEngine } from './helpers/engine';
import { HISTORIES_DIR, recordingHistories, saveHistory, type History } from './helpers/histories';
import { connectTestTemporal, workflowBundleCode, type TestTemporal } from './helpers/temporal';
import { replayTelemetryOptions } from '../telemetry/worker-telemetry';

const INVOICE_SCHEMA = {
  type: 'object',
  properties: { invoice_number: { type: 'string' }, total: { type: 'number' }, customer: { type: 'string' } },
  required: ['invoice_number', 'total', 'customer'],
};
const INVOICE_PROMPT = 'Extract the invoice fields as JSON.\ninvoice_number: INV-7\ntotal: 120.5\ncustomer: Acme GmbH';
const INVOICE_TRUTH = { invoice_number: 'INV-7', total: 120.5 };

/** Small breaks JSON, mid contradicts the facts, frontier gets it right: the canonical two-escalation path. */
const CANONICAL_SCRIPT: SimulatorScriptInput = {
  models: {
    'sim-small': { defaultAnswer: { type: 'invalid_json', style: 'truncated' } },
    'sim-mid': { defaultAnswer: { type: 'schema_json', facts: 'contradict' } },
    'sim-frontier': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
  },
};

let temporal: TestTemporal;
/** Workflows these tests ran, replayed at the end to prove the workflow code is deterministic. */
const handles: WorkflowHandle[] = [];

before(async () => {
  temporal = await connectTestTemporal();
});
after(async () => {
  await temporal?.close();
});

function modelCalls(engine: TestEngine, model: string) {
  return engine.simulator.callLog.list({ model });
}

async function runAndKeep(engine: TestEngine, request: unknown): Promise<CascadeResult> {
  const { id } = await engine.client.submit(request);
  handles.push(temporal.client.workflow.getHandle(id));
  return engine.client.result(id);
}

describe('cascade workflow', () => {
  it('escalates small -> mid -> frontier on invalid JSON then a ground-truth contradiction, recording each reason', async () => {
    await withEngine(
      temporal,
      { config: threeTierConfig(), script: CANONICAL_SCRIPT, label: 'canonical' },
      async (engine) => {
        const result = await runAndKeep(engine, {
          id: `canonical-${Date.now()}`,
          prompt: INVOICE_PROMPT,
          taskType: 'extraction',
          schema: INVOICE_SCHEMA,
          groundTruth: INVOICE_TRUTH,
        });

        assert.equal(result.outcome, 'accepted');
        assert.equal(result.escalations, 2);
        assert.deepEqual(
          result.steps.map((s) => [s.kind, s.tier, s.model]),
          [
            ['answer', 'small', 'small'],
            ['answer', 'mid', 'mid'],
            ['answer', 'frontier', 'frontier'],
          ],
        );
        const [small, mid, frontier] = result.steps;
        assert.equal(small!.checks.find((c) => c.check === 'json_schema')?.status, 'fail');
        assert.match(small!.checks.find((c) => c.check === 'json_schema')!.reason, /not valid JSON/);
        assert.equal(mid!.checks.find((c) => c.check === 'json_schema')?.status, 'pass');
        assert.equal(mid!.checks.find((c) => c.check === 'ground_truth')?.status, 'fail');
        assert.match(mid!.reason, /^escalated: json_schema: /);
        assert.match(frontier!.reason, /^escalated: ground_truth: contradicts the ground truth/);
        assert.ok(frontier!.checks.every((c) => c.status !== 'fail'));
        assert.equal(result.finalModel, 'frontier');
        assert.equal(result.finalTier, 'frontier');
        assert.deepEqual(result.output.json && (result.output.json as Record<string, unknown>).invoice_number, 'INV-7');

        for (const step of result.steps) {
          assert.ok(step.usage.inputTokens > 0 && step.usage.outputTokens > 0, 'tokens come from the provider');
          assert.ok(step.costUsd > 0);
        }
        assert.equal(result.costUsd, sumCosts(result.steps.map((s) => s.costUsd)));
        assert.equal(result.baseline.model, 'frontier');
        assert.equal(result.savedUsd, Math.round((result.baseline.costUsd - result.costUsd) * 1e12) / 1e12);

        // The audit trail: search attributes, memo and the live query.
        const description = await temporal.client.workflow.getHandle(result.id).describe();
        const attributes = description.typedSearchAttributes;
        assert.equal(attributes.get(CascadeSearchAttributes.escalations), 2);
        assert.equal(attributes.get(CascadeSearchAttributes.outcome), 'accepted');
        assert.equal(attributes.get(CascadeSearchAttributes.finalModel), 'frontier');
        assert.equal(attributes.get(CascadeSearchAttributes.finalTier), 2);
        assert.equal(attributes.get(CascadeSearchAttributes.taskType), 'extraction');
        assert.equal(attributes.get(CascadeSearchAttributes.costUsd), result.costUsd);
        const summary = (description.memo?.summary ?? {}) as Record<string, unknown>;
        assert.equal(summary.outcome, 'accepted');
        assert.equal((summary.path as string[]).length, 3);
        const record = await temporal.client.workflow.getHandle(result.id).query(decisionsQuery);
        assert.equal(record.status, 'done');
        assert.equal(record.steps.length, 3);

        // Every model-call activity carries a summary naming model, tier and why.
        const history = await temporal.client.workflow.getHandle(result.id).fetchHistory();
        const scheduled = (history.events ?? []).filter(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel',
        );
        assert.equal(scheduled.length, 3);
        for (const event of scheduled) assert.ok(event.userMetadata?.summary, 'activity has a summary');
      },
    );
  });

  it('calls exactly one model on a one-shot route, even when its answer fails a check', async () => {
    const config = threeTierConfig({
      routes: {
        creative: { startTier: 'mid', cascade: false, checks: [{ type: 'not_empty' }, { type: 'not_refusal' }] },
        default: { startTier: 'small' },
      },
    });
    const script: SimulatorScriptInput = { models: { 'sim-mid': { defaultAnswer: { type: 'refusal' } } } };
    await withEngine(temporal, { config, script, label: 'oneshot' }, async (engine) => {
      const result = await runAndKeep(engine, { prompt: 'Write a haiku about autumn rain.', taskType: 'creative' });
      assert.equal(result.outcome, 'exhausted');
      assert.match(result.outcomeReason, /one-shot route/);
      assert.equal(engine.simulator.callLog.size, 1);
      assert.equal(result.steps.length, 1);
      assert.equal(result.steps[0]!.model, 'mid');
      assert.equal(result.escalations, 0);
    });
  });

  it('skips the classifier when the request gives a task type', async () => {
    const config = threeTierConfig({
      classifier: { model: { model: 'small', whenMarginBelow: 1000, whenLearnedMarginBelow: 1 } },
    });
    const script: SimulatorScriptInput = {
      models: { 'sim-small': { defaultAnswer: { type: 'text', text: 'extraction' } } },
    };
    await withEngine(temporal, { config, script, label: 'given' }, async (engine) => {
      const given = await runAndKeep(engine, { prompt: 'Hello there, what can you do?', taskType: 'default' });
      assert.equal(given.classification.source, 'given');
      assert.equal(given.classification.route, 'default');
      assert.equal(given.steps.filter((s) => s.kind === 'classify').length, 0);
      assert.equal(modelCalls(engine, 'sim-small').length, 1, 'only the answer call, no classifier call');

      // Without a task type, an unsure classifier asks the small classifier model (never a frontier one).
      const asked = await runAndKeep(engine, { prompt: 'Hello there, what can you do?' });
      assert.equal(asked.classification.source, 'model');
      assert.equal(asked.classification.taskType, 'extraction');
      assert.equal(asked.steps[0]!.kind, 'classify');
      assert.equal(asked.steps[0]!.model, 'small');
      assert.equal(modelCalls(engine, 'sim-frontier').length, 0);
    });
  });

  it('classifies on the worker with the learned model, records the verdict in history, and replays it without the model', async () => {
    const config = threeTierConfig({
      routes: {
        summarization: { startTier: 'mid', cascade: false },
        extraction: { startTier: 'small' },
        default: { startTier: 'small' },
      },
    });
    const script: SimulatorScriptInput = {
      models: { 'sim-mid': { defaultAnswer: { type: 'text', text: 'A short summary.' } } },
    };
    const builtIn = await readModelFile(BUILT_IN_MODEL_PATH);
    await withEngine(temporal, { config, script, label: 'learned' }, async (engine) => {
      const { id } = await engine.client.submit({
        prompt: 'Give me a short summary of this article about the new bike lanes.',
      });
      const result = await engine.client.result(id);
      assert.equal(result.classification.source, 'learned');
      assert.equal(result.classification.taskType, 'summarization');
      assert.equal(result.classification.learnedModel, builtIn.id);
      assert.ok(result.classification.margin! > 0 && result.classification.margin! <= 1);
      assert.equal(result.steps[0]!.tier, 'mid', "the learned route's start tier");

      const handle = temporal.client.workflow.getHandle(id);
      const history = await handle.fetchHistory();
      const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes);
      const names = markers.map((e) => e.markerRecordedEventAttributes!.markerName);
      // A compact cascade's input, not a patch marker, says which shape it runs (COMPACT_CASCADE).
      assert.deepEqual(names, ['core_local_activity'], 'the local activity classification is recorded, and no patch');
      // The replayer runs no activity: the recorded classification alone decides the route.
      for await (const outcome of Worker.runReplayHistories(
        { workflowBundle: { code: await workflowBundleCode() }, ...replayTelemetryOptions() },
        [{ workflowId: id, history }],
      ))
        assert.equal(outcome.error, undefined, outcome.error?.message);
      if (recordingHistories()) await saveHistory('learned-classifier-summarization', history);
    });
  });

  it('escalates when two cheap models disagree and accepts without a higher tier when they agree', async () => {
    const config = threeTierConfig({
      routes: {
        quiz: {
          startTier: 'small',
          tiers: ['small', 'frontier'],
          checks: [{ type: 'not_empty' }, { type: 'agreement', models: ['partner'], normalize: 'choice' }],
        },
        default: { startTier: 'small' },
      },
    });
    const script: SimulatorScriptInput = {
      models: {
        'sim-small': { defaultAnswer: { type: 'text', text: 'B' } },
        'sim-partner': {
          rules: [{ when: { promptContains: 'capital' }, answer: { type: 'text', text: '(B) Paris' } }],
          defaultAnswer: { type: 'text', text: 'C' },
        },
        'sim-frontier': { defaultAnswer: { type: 'text', text: 'D' } },
      },
    };
    await withEngine(temporal, { config, script, label: 'agreement' }, async (engine) => {
      const agreed = await runAndKeep(engine, {
        prompt: 'Which city is the capital of France?\nA) Lyon\nB) Paris',
        taskType: 'quiz',
      });
      assert.equal(agreed.outcome, 'accepted');
      assert.equal(agreed.finalModel, 'small');
      assert.deepEqual(
        agreed.steps.map((s) => s.kind),
        ['answer', 'agreement'],
      );
      assert.equal(agreed.steps[0]!.checks.find((c) => c.check === 'agreement')?.status, 'pass');
      assert.equal(agreed.costUsd, sumCosts(agreed.steps.map((s) => s.costUsd)));
      assert.equal(modelCalls(engine, 'sim-frontier').length, 0);

      const disagreed = await runAndKeep(engine, {
        prompt: 'Which gas do plants take in?\nA) O2\nB) N2\nC) CO2',
        taskType: 'quiz',
      });
      assert.equal(disagreed.outcome, 'accepted');
      assert.equal(disagreed.escalations, 1);
      assert.equal(disagreed.finalModel, 'frontier', 'skipped mid: the route lists only small and frontier');
      assert.match(disagreed.steps[2]!.reason, /agreement: the answer is "B" but partner says "C"/);
    });
  });

  it('retries a 429 no sooner than its retry-after allows', async () => {
    await withEngine(temporal, { config: threeTierConfig(), script: {}, label: 'ratelimit' }, async (engine) => {
      engine.simulator.faults.add({
        model: 'sim-small',
        times: 1,
        effect: { type: 'http_error', status: 429, retryAfterSeconds: 2 },
      });
      const result = await runAndKeep(engine, { prompt: 'Say hello.', taskType: 'default' });
      assert.equal(result.outcome, 'accepted');
      const calls = modelCalls(engine, 'sim-small');
      assert.equal(calls.length, 2);
      assert.equal(calls[0]!.status, 429);
      const gap = calls[1]!.startedAt - calls[0]!.endedAt!;
      assert.ok(gap >= 2000, `retried after ${gap} ms, before the 2 s retry-after`);
      assert.equal(result.steps[0]!.attempts, 2);
    });
  });

  it('fails at once on a 401, after one attempt, with the status and kind but not the provider message', async () => {
    await withEngine(temporal, { config: threeTierConfig(), script: {}, label: 'auth' }, async (engine) => {
      engine.simulator.faults.add({
        model: 'sim-small',
        effect: { type: 'http_error', status: 401, message: 'invalid x-api-key' },
      });
      const started = Date.now();
      const result = await runAndKeep(engine, { prompt: 'Say hello.', taskType: 'default' });
      assert.equal(result.outcome, 'failed');
      assert.equal(result.error?.type, 'auth');
      assert.match(result.error!.message, /HTTP 401 \(auth\)/);
      assert.doesNotMatch(result.error!.message, /x-api-key/);
      assert.equal(engine.simulator.callLog.size, 1, 'one attempt, no retry, no fallback');
      assert.ok(Date.now() - started < 5000);
    });
  });

  it('survives the small tier provider answering 503 for 10 s by falling back to the other provider', async () => {
    await withEngine(temporal, { config: threeTierConfig(), script: {}, label: 'fallback' }, async (engine) => {
      engine.simulator.faults.add({
        provider: 'anthropic',
        durationMs: 10_000,
        effect: { type: 'http_error', status: 503 },
      });
      const result = await runAndKeep(engine, { prompt: 'Say hello.', taskType: 'default' });
      assert.equal(result.outcome, 'accepted');
      assert.equal(result.finalModel, 'small-backup');
      assert.equal(result.steps[0]!.error?.type, 'overloaded');
      assert.match(result.steps[1]!.reason, /^fallback: small overloaded/);
      assert.equal(modelCalls(engine, 'sim-small').length, 3, 'the model used its retry budget first');
    });
  });

  it('waits out an outage of every provider instead of losing the request', async () => {
    await withEngine(temporal, { config: threeTierConfig(), script: {}, label: 'outage' }, async (engine) => {
      engine.simulator.faults.add({ durationMs: 6_000, effect: { type: 'http_error', status: 503 } });
      const started = Date.now();
      const result = await runAndKeep(engine, { prompt: 'Say hello.', taskType: 'default' });
      assert.equal(result.outcome, 'accepted');
      assert.ok(Date.now() - started >= 5_000, 'completed only after the outage');
      assert.ok(result.steps.filter((s) => s.error).length >= 2);
      assert.equal(result.finalTier, 'small');
    });
  });

  it('ends over_budget without calling a tier the budget cannot cover', async () => {
    const script: SimulatorScriptInput = { models: { 'sim-small': { defaultAnswer: { type: 'invalid_json' } } } };
    await withEngine(temporal, { config: threeTierConfig(), script, label: 'budget' }, async (engine) => {
      // Small's worst case here is about $0.0027; mid's is about $0.016.
      const result = await runAndKeep(engine, {
        prompt: INVOICE_PROMPT,
        taskType: 'extraction',
        schema: INVOICE_SCHEMA,
        maxCostUsd: 0.005,
      });
      assert.equal(result.outcome, 'over_budget');
      assert.match(result.outcomeReason, /tier mid could cost up to \$/);
      assert.match(result.outcomeReason, /spent \$0\.0/);
      assert.equal(modelCalls(engine, 'sim-mid').length, 0);
      assert.equal(result.steps.length, 1);
      assert.equal(result.output.text, result.steps[0]!.text, 'the last answer is returned, flagged by the outcome');
    });
  });

  it('lets an operator find exactly the requests that escalated twice', async () => {
    const script: SimulatorScriptInput = {
      models: {
        'sim-small': {
          rules: [{ when: { promptContains: 'twice' }, answer: { type: 'invalid_json' } }],
          defaultAnswer: { type: 'schema_json', facts: 'use' },
        },
        'sim-mid': { defaultAnswer: { type: 'schema_json', facts: 'contradict' } },
        'sim-frontier': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
      },
    };
    await withEngine(temporal, { config: threeTierConfig(), script, label: 'visibility' }, async (engine) => {
      const prompts = ['twice A', 'once B', 'twice C', 'once D'].map((p) => `${p}\n${INVOICE_PROMPT}`);
      const results = await Promise.all(
        prompts.map((prompt) =>
          runAndKeep(engine, { prompt, taskType: 'extraction', schema: INVOICE_SCHEMA, groundTruth: INVOICE_TRUTH }),
        ),
      );
      const twice = results
        .filter((r) => r.escalations === 2)
        .map((r) => r.id)
        .sort();
      assert.equal(twice.length, 2);
      const query = `CascadeEscalations >= 2 AND TaskQueue = '${engine.config.taskQueue}'`;
      const found = await eventually(
        async () => {
          const ids: string[] = [];
          for await (const execution of temporal.client.workflow.list({ query })) ids.push(execution.workflowId);
          return ids.sort();
        },
        (ids) => ids.length === twice.length,
      );
      assert.deepEqual(found, twice);
    });
  });

  it('replays every history these tests recorded without a determinism error', async () => {
    assert.ok(handles.length >= 10);
    const histories = await Promise.all(
      handles.map(async (handle) => ({ workflowId: handle.workflowId, history: await handle.fetchHistory() })),
    );
    if (recordingHistories()) await storeHistories(histories);
    const code = await workflowBundleCode();
    let replayed = 0;
    for await (const outcome of Worker.runReplayHistories(
      { workflowBundle: { code }, ...replayTelemetryOptions() },
      histories,
    )) {
      assert.equal(outcome.error, undefined, `${outcome.workflowId}: ${outcome.error?.message}`);
      replayed += 1;
    }
    assert.equal(replayed, handles.length);
  });
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

/**
 * With LLM_CASCADE_RECORD_HISTORIES=1, keeps the histories in test/histories/ for the replay suite,
 * named by the order the tests ran them in, so re-recording replaces them.
 */
async function storeHistories(histories: Array<{ workflowId: string; history: History }>): Promise<void> {
  for (const name of await readdir(HISTORIES_DIR).catch(() => [])) {
    if (name.startsWith('engine-')) await rm(path.join(HISTORIES_DIR, name));
  }
  for (const [i, { history }] of histories.entries())
    await saveHistory(`engine-${String(i + 1).padStart(2, '0')}`, history);
}
