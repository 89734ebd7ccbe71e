/**
 * A batch over the simulated providers with its worker SIGKILLed mid-way and a new one started:
 * shared by `test/durability/batch-worker-kill.test.ts` (CI-sized) and `scripts/batch-durability.ts` (10,000
 * lines and more). Like the durability scenarios it never asserts: it returns figures and a list of
 * violations, which must be empty.
 *
 * Just before the kill every new model call is held (the simulator answers it only after 10 min), and
 * the kill waits until every running line is inside such a call, so no answer can reach the dying
 * worker in the instant before it dies. Every call the kill cuts off is then made again, and every
 * other call must have been made exactly once: one answered call per line, proven by the call log.
 */
import path from 'node:path';
import { runWhatIf } from '../../analytics/what-if';
import { type BatchProgress } from '../../core/batch';
import { CascadeSearchAttributes } from '../../core/search-attributes';
import { BatchClient } from '../../client/batch-client';
import { batchResults } from '../../batch/batch-results';
import { simulatorEnv } from '../../simulator/demo-mode';
import { createProviderRegistry } from '../../providers/provider-registry';
import { type SimulatorScriptInput } from '../../simulator';
import { callsCutByKill, openScenarioRig, type DurabilityContext } from './harness';
import { answeredCallsByPrompt, promptOf, writeJsonl } from '../helpers/batch-engine';
import { eventually } from '../helpers/simulated-cascade';

export interface BatchKillOptions {
  lines: number;
  concurrency: number;
  pageSize?: number;
  /** Kill the worker once this share of the lines is done. */
  killAt?: number;
  /** Simulated model latency in ms. */
  latencyMs?: number;
  timeoutMs?: number;
  /** Afterwards, run the what-if over the batch with the same config: it must reproduce every cost and call no model. */
  whatIf?: boolean;
  log?: (line: string) => void;
}

export interface BatchKillReport {
  batchId: string;
  lines: number;
  durationMs: number;
  /** Lines done when the worker was killed. */
  doneAtKill: number;
  callsCutByKill: number;
  modelCalls: number;
  runs: number;
  linesPerSecond: number;
  progress: BatchProgress;
  whatIf?: {
    durationMs: number;
    compared: number;
    oldCostUsd: number;
    newCostUsd: number;
    reusedAnswers: number;
    liveCalls: number;
    modelCallsMade: number;
  };
  violations: string[];
}

const HELD_MS = 600_000;

function script(latencyMs: number): SimulatorScriptInput {
  return {
    models: {
      'sim-small': {
        defaultAnswer: { type: 'text', text: 'Done: {{promptExcerpt}}' },
        latency: { type: 'fixed', ms: latencyMs },
      },
    },
  };
}

export async function runBatchKill(context: DurabilityContext, options: BatchKillOptions): Promise<BatchKillReport> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const latencyMs = options.latencyMs ?? 20;
  // The default 10 s heartbeat timeout is long enough that a heartbeat delayed by a loaded machine is
  // not taken for a dead worker (which would make the call again); the killed worker's calls are
  // retried this long after the kill.
  const rig = await openScenarioRig(context, { label: 'batch-kill', script: script(latencyMs) });
  const started = Date.now();
  try {
    const batchId = `batch-kill-${Date.now().toString(36)}`;
    const prompts = Array.from({ length: options.lines }, (_, i) => `Summarise item ${batchId}-${i + 1} in one line.`);
    const file = await writeJsonl(
      path.join(context.workDir, `${batchId}.jsonl`),
      prompts.map((prompt) => ({ prompt, taskType: 'default' })),
    );
    const batches = new BatchClient(context.client, rig.config.taskQueue);
    let worker = await rig.startWorker();
    await batches.start({
      batchId,
      source: { kind: 'file', path: file },
      options: { concurrency: options.concurrency, pageSize: options.pageSize ?? 200 },
    });
    log(`batch ${batchId}: ${options.lines} lines, concurrency ${options.concurrency}, started`);

    const killAt = Math.floor(options.lines * (options.killAt ?? 0.5));
    await eventually(
      async () => {
        const view = await batches.status(batchId);
        return view.totals.done + view.totals.failed >= killAt ? true : undefined;
      },
      `${killAt} lines done`,
      timeoutMs,
      500,
    );
    rig.simulator.setScript(script(HELD_MS));
    const heldFrom = Date.now();
    // Every running line inside a held call: nothing is being answered when the worker dies.
    const inFlight = (
      await rig.simulator.callLog.waitFor(
        { state: 'in_flight' },
        (calls) => calls.length >= options.concurrency && calls.every((c) => c.startedAt >= heldFrom),
        120_000,
      )
    ).map((c) => c.id);
    const doneAtKill = (await batches.status(batchId)).totals.done;
    await worker.kill();
    log(
      `batch ${batchId}: worker SIGKILLed with ${doneAtKill} lines done and ${inFlight.length} model calls in flight`,
    );
    const cutByKill = await callsCutByKill(rig.simulator, inFlight);
    rig.simulator.setScript(script(latencyMs));
    worker = await rig.startWorker();
    log(`batch ${batchId}: a new worker polls`);

    await eventually(
      async () => ((await batches.status(batchId)).workflowStatus !== 'RUNNING' ? true : undefined),
      'the batch to finish',
      timeoutMs,
      1000,
    );
    const progress = await batches.status(batchId);
    const durationMs = Date.now() - started;
    log(`batch ${batchId}: ${progress.status} in ${Math.round(durationMs / 1000)} s over ${progress.run} runs`);

    const violations: string[] = [];
    if (progress.status !== 'completed')
      violations.push(`the batch ended ${progress.status} (${progress.workflowStatus})`);
    if (progress.totals.done !== options.lines)
      violations.push(`${progress.totals.done} of ${options.lines} lines done`);
    if (progress.totals.failed !== 0)
      violations.push(`${progress.totals.failed} lines failed: ${JSON.stringify(progress.recentFailures.slice(0, 3))}`);

    // Every line exactly one result, in order.
    let expected = 1;
    for await (const result of batchResults(
      context.client,
      batchId,
      { kind: 'file', path: file },
      { concurrency: 32 },
    )) {
      if (result.line !== expected)
        violations.push(`result for line ${result.line} where line ${expected} was expected`);
      else if (result.status !== 'ok')
        violations.push(`line ${result.line}: ${result.status}${result.error ? ` (${result.error})` : ''}`);
      else if (result.result?.steps.length !== 1)
        violations.push(`line ${result.line}: ${result.result?.steps.length} steps`);
      expected = result.line + 1;
      if (violations.length > 20) break;
    }
    if (expected !== options.lines + 1 && violations.length <= 20)
      violations.push(`results end at line ${expected - 1} of ${options.lines}`);

    // One cascade execution per line: none started twice.
    const executions = (await context.client.workflow.count(`${CascadeSearchAttributes.batchId.name} = '${batchId}'`))
      .count;
    if (executions !== options.lines) violations.push(`${executions} cascade executions for ${options.lines} lines`);

    // One answered model call per line; only the calls the kill cut off were made again.
    const calls = rig.simulator.callLog.list();
    const answered = answeredCallsByPrompt(rig.simulator);
    const cut = new Set(inFlight);
    const otherAborted = calls.filter((c) => c.state === 'aborted' && !cut.has(c.id)).length;
    if (otherAborted > 0) violations.push(`${otherAborted} calls were cut off besides the ones the kill cut`);
    let missing = 0;
    const twice: string[] = [];
    for (const prompt of prompts) {
      const count = answered.get(prompt) ?? 0;
      if (count === 0) missing++;
      if (count > 1) twice.push(prompt);
    }
    if (missing > 0) violations.push(`${missing} lines never got a model answer`);
    if (twice.length > 0) {
      const example = calls
        .filter((c) => promptOf(c) === twice[0])
        .map((c) => `${c.id} ${c.state} ${c.status} +${c.startedAt - heldFrom}ms..${(c.endedAt ?? 0) - heldFrom}ms`);
      violations.push(
        `${twice.length} lines got more than one model answer, e.g. ${example.join(', ')} (relative to holding calls before the kill)`,
      );
    }
    if (calls.length !== options.lines + cutByKill)
      violations.push(`${calls.length} model calls for ${options.lines} lines and ${cutByKill} calls cut by the kill`);

    let whatIf: BatchKillReport['whatIf'];
    if (options.whatIf) {
      const callsBefore = rig.simulator.callLog.size;
      const whatIfStarted = Date.now();
      const report = await runWhatIf({
        client: context.client,
        query: `${CascadeSearchAttributes.batchId.name} = '${batchId}'`,
        config: rig.config,
        providers: createProviderRegistry(rig.config, simulatorEnv()),
        concurrency: 16,
      });
      const t = report.totals;
      whatIf = {
        durationMs: Date.now() - whatIfStarted,
        compared: t.compared,
        oldCostUsd: t.oldCostUsd,
        newCostUsd: t.newCostUsd,
        reusedAnswers: t.reusedExact + t.reusedSimilar,
        liveCalls: t.liveCalls,
        modelCallsMade: rig.simulator.callLog.size - callsBefore,
      };
      log(`batch ${batchId}: what-if over ${t.requests} cascades in ${Math.round(whatIf.durationMs / 1000)} s`);
      if (t.compared !== options.lines) violations.push(`what-if compared ${t.compared} of ${options.lines} cascades`);
      if (t.oldCostUsd !== progress.totals.costUsd)
        violations.push(`what-if old cost ${t.oldCostUsd} differs from the batch's ${progress.totals.costUsd}`);
      if (t.newCostUsd !== t.oldCostUsd || t.pathChanges !== 0)
        violations.push(
          `what-if under the same config changed costs or paths (${t.newCostUsd} vs ${t.oldCostUsd}, ${t.pathChanges} paths)`,
        );
      if (t.liveCalls !== 0 || whatIf.modelCallsMade !== 0)
        violations.push(`what-if called models: ${t.liveCalls} reported, ${whatIf.modelCallsMade} logged`);
    }

    return {
      batchId,
      lines: options.lines,
      durationMs,
      doneAtKill,
      callsCutByKill: cutByKill,
      modelCalls: calls.length,
      runs: progress.run,
      linesPerSecond: Math.round((options.lines / durationMs) * 1000 * 10) / 10,
      progress,
      ...(whatIf ? { whatIf } : {}),
      violations,
    };
  } finally {
    await rig.close();
  }
}
