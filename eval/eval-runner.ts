import { performance } from 'node:perf_hooks';
import { type Client } from '@temporalio/client';
import { type NativeConnection } from '@temporalio/worker';
import { CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { mapWithConcurrency } from '../lib/map-with-concurrency';
import { createProviderRegistry } from '../providers/provider-registry';
import { startSimulator, type RouterbenchRow, type SimulatorHandle } from '../simulator';
import { createCascadeWorker } from '../worker/create-worker';
import { attributeCalls } from './call-attribution';
import { type EvalDataset } from './eval-dataset';
import { datasetMetrics, type DatasetMetrics, type RowOutcome, type RowStep } from './eval-metrics';
import { modelsCalledBy } from './reference-configs';

/** What a policy is in the report: the config under test, or a reference point run through the same workflows. */
export type PolicyKind = 'config' | 'always-frontier' | 'cheapest-only';

/** A config to run every row through. */
export interface EvalPolicy {
  /** Unique name in reports, e.g. the config file's base name. */
  name: string;
  kind: PolicyKind;
  /** As written: its providers are pointed at the simulator for the run. */
  config: CascadeConfig;
  /** The config file it came from. */
  source?: string;
  /** For one-shot references: the dataset model it always calls. */
  model?: string;
}

/** Where the cascades run: a connected client and a worker connection on the same namespace. */
export interface EvalTemporal {
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
}

/** Reported after every finished row. */
export interface EvalProgress {
  policy: string;
  dataset: string;
  /** Rows finished over the whole run, and how many the run has. */
  done: number;
  total: number;
  errors: number;
}

export interface RunEvalOptions {
  datasets: readonly EvalDataset[];
  policies: readonly EvalPolicy[];
  temporal: EvalTemporal;
  /** The workflow bundle (made once: bundling per worker would cost seconds each). */
  workflowBundleCode: string;
  /** Cascades in flight at once. */
  concurrency: number;
  /** Skips the classifier: every request carries this task type. */
  taskType?: string;
  /** Makes workflow ids unique on a shared server; a timestamp by default. */
  runId?: string;
  onProgress?: (progress: EvalProgress) => void;
}

/** One policy on one dataset: every row's fate and the aggregates. */
export interface PolicyDatasetRun {
  metrics: DatasetMetrics;
  rows: RowOutcome[];
}

export interface PolicyRun {
  policy: EvalPolicy;
  /** By dataset name. */
  datasets: Record<string, PolicyDatasetRun>;
}

export interface EvalRun {
  policies: PolicyRun[];
  /** Problems that make numbers doubtful (unpriced or unattributed calls, failed rows). */
  warnings: string[];
  durationMs: number;
}

/** A config whose models the data cannot answer for: replay knows only the recorded models. */
export class EvalConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalConfigError';
  }
}

/**
 * Checks that every model a policy may call is a model the datasets recorded (by its provider
 * model name), so that no call falls through to a made-up answer.
 */
export function checkPoliciesAgainstData(policies: readonly EvalPolicy[], datasets: readonly EvalDataset[]): void {
  const problems: string[] = [];
  for (const policy of policies) {
    for (const id of modelsCalledBy(policy.config)) {
      const name = policy.config.models[id]!.model;
      const missing = datasets.filter((d) => !d.models.includes(name)).map((d) => d.name);
      if (missing.length > 0)
        problems.push(`${policy.name}: model "${id}" is "${name}", which ${missing.join(', ')} has no answers for`);
    }
  }
  if (problems.length > 0) {
    const known = [...new Set(datasets.flatMap((d) => d.models))].join(', ');
    throw new EvalConfigError(
      `the eval replays recorded answers, so every model must be a dataset model (models: ${known}):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

function rowOutcome(
  row: RouterbenchRow,
  index: number,
  config: CascadeConfig,
  result: CascadeResult | undefined,
  error: string | undefined,
  latencyMs: number,
): RowOutcome {
  const datasetModel = (id: string) => config.models[id]?.model ?? id;
  if (!result)
    return {
      index,
      sampleId: row.sampleId,
      error: error ?? 'no result',
      correct: false,
      correctnessKnown: false,
      escalations: 0,
      steps: [],
      costUsd: 0,
      calls: 0,
      latencyMs,
    };
  const steps: RowStep[] = result.steps.map((step) => ({
    kind: step.kind,
    tier: step.tier,
    model: datasetModel(step.model),
    failedChecks: step.checks.filter((c) => c.status === 'fail').map((c) => c.check),
    ...(step.error ? { error: `${step.error.type}: ${step.error.message}` } : {}),
  }));
  const finalModel = result.finalModel === null ? undefined : datasetModel(result.finalModel);
  const recorded = finalModel === undefined ? undefined : row.answers.get(finalModel);
  const outcome: RowOutcome = {
    index,
    sampleId: row.sampleId,
    outcome: result.outcome,
    taskType: result.classification.taskType,
    route: result.classification.route,
    correct: recorded?.correct === true,
    correctnessKnown: recorded !== undefined && recorded.correct !== null,
    escalations: result.escalations,
    steps,
    costUsd: 0,
    calls: 0,
    latencyMs,
  };
  if (finalModel !== undefined) outcome.finalModel = finalModel;
  if (result.finalTier !== null) outcome.finalTier = result.finalTier;
  // A cascade that ends without any answer gave the user nothing: an error for the eval.
  if (finalModel === undefined)
    outcome.error = result.error ? `${result.error.type}: ${result.error.message}` : `no answer (${result.outcome})`;
  return outcome;
}

/**
 * Runs every row of every dataset through the real `cascade` workflow under every policy, against
 * the simulated providers replaying the datasets' recorded answers. Policies run one after the
 * other, each on its own worker and task queue; within a dataset, `concurrency` cascades are in
 * flight. Each dataset run starts on an empty call log, so the cost of a dataset is the recorded
 * cost of exactly the calls its cascades made, attributed to rows by prompt.
 */
export async function runEval(options: RunEvalOptions): Promise<EvalRun> {
  checkPoliciesAgainstData(options.policies, options.datasets);
  const started = performance.now();
  const runId = options.runId ?? `${Date.now().toString(36)}`;
  const total = options.policies.length * options.datasets.reduce((sum, d) => sum + d.rows.length, 0);
  const warnings: string[] = [];
  let done = 0;
  let errors = 0;

  const simulator: SimulatorHandle = await startSimulator({
    // Only recorded models answer: any other model name is a 404, never a made-up answer.
    script: { strictModels: true, replayDatasetModels: true },
    replayFiles: [...new Set(options.datasets.map((d) => d.file))],
    preloadReplay: true,
  });
  // Calls are attributed to rows by prompt; the lookup is the same under every policy.
  const rowByPrompt = options.datasets.map((dataset) => new Map(dataset.rows.map((row, i) => [row.prompt, i])));
  const runs: PolicyRun[] = [];
  try {
    for (const [policyIndex, policy] of options.policies.entries()) {
      const taskQueue = `eval-${runId}-${policyIndex}`;
      const config = pointConfigAtSimulator({ ...policy.config, taskQueue }, simulator);
      const worker = await createCascadeWorker({
        connection: options.temporal.nativeConnection,
        namespace: options.temporal.namespace,
        config,
        providers: createProviderRegistry(config, simulatorEnv()),
        workflows: { workflowBundle: { code: options.workflowBundleCode } },
      });
      const client = new CascadeClient({ client: options.temporal.client, taskQueue, config });
      const tierOrder = config.tiers.map((t) => t.name);
      const run: PolicyRun = { policy, datasets: {} };
      await worker.runUntil(async () => {
        for (const [datasetIndex, dataset] of options.datasets.entries()) {
          simulator.callLog.clear();
          const unitStarted = performance.now();
          const rows = await mapWithConcurrency(dataset.rows, options.concurrency, async (row, index) => {
            // One-shot references have a single route: the task type means nothing to them.
            const taskType = policy.kind === 'config' ? options.taskType : undefined;
            const request = {
              id: `eval-${runId}-${policyIndex}-${datasetIndex}-${index}`,
              prompt: row.prompt,
              ...(taskType ? { taskType } : {}),
            };
            const rowStarted = performance.now();
            let result: CascadeResult | undefined;
            let error: string | undefined;
            try {
              result = await client.run(request);
            } catch (caught) {
              error = (caught as Error).message;
            }
            const outcome = rowOutcome(row, index, config, result, error, performance.now() - rowStarted);
            done++;
            if (outcome.error !== undefined) errors++;
            options.onProgress?.({ policy: policy.name, dataset: dataset.name, done, total, errors });
            return outcome;
          });
          const wallMs = performance.now() - unitStarted;
          const attribution = attributeCalls(simulator.callLog.list(), rowByPrompt[datasetIndex]!);
          for (const [index, attributed] of attribution.byRow) {
            rows[index]!.costUsd = attributed.costUsd;
            rows[index]!.calls = attributed.calls;
          }
          const metrics = datasetMetrics(rows, tierOrder, {
            calls: attribution.calls,
            costUsd: attribution.costUsd,
            costByModel: attribution.byModel,
            unpricedCalls: attribution.unpriced,
            unattributedCalls: attribution.unattributed,
            failedCalls: attribution.failed,
            wallMs,
          });
          const where = `${policy.name} on ${dataset.name}`;
          if (metrics.errors > 0)
            warnings.push(
              `${where}: ${metrics.errors} row(s) ended without an answer (counted as wrong), e.g. ${rows.find((r) => r.error !== undefined)?.error}`,
            );
          if (attribution.unpriced > 0)
            warnings.push(`${where}: ${attribution.unpriced} call(s) had no recorded cost, so the cost is too low`);
          if (attribution.unattributed > 0)
            warnings.push(`${where}: ${attribution.unattributed} call(s) matched no row's prompt`);
          if (attribution.failed > 0)
            warnings.push(`${where}: ${attribution.failed} call(s) did not complete with HTTP 200`);
          const mismatched = rows.filter((r) => r.error === undefined && r.calls !== r.steps.length).length;
          if (mismatched > 0)
            warnings.push(
              `${where}: ${mismatched} row(s) made a different number of calls than their cascade recorded steps (retries?)`,
            );
          run.datasets[dataset.name] = { metrics, rows };
        }
      });
      runs.push(run);
    }
  } finally {
    await simulator.stop();
  }
  return { policies: runs, warnings, durationMs: performance.now() - started };
}
