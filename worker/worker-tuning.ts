import { z } from 'zod';
import { ConfigError, type CascadeConfig } from '../core/config';
import { defaultShutdownGraceMs, SHUTDOWN_GRACE_ENV, shutdownGraceProblem } from '../config/shutdown-grace';

export { defaultShutdownGraceMs, longestModelTimeoutMs, shutdownGraceMsFromEnv } from '../config/shutdown-grace';

/**
 * The worker's capacity settings, from the environment: they describe the machine a worker runs on,
 * not the cascade policy, so they stay out of the config file (which every cascade records in its
 * history). Every variable is optional; the defaults are the tuned ones measured in the README.
 */
export const WORKER_TUNING_ENV = {
  activitySlots: 'LLM_CASCADE_WORKER_ACTIVITY_SLOTS',
  localActivitySlots: 'LLM_CASCADE_WORKER_LOCAL_ACTIVITY_SLOTS',
  workflowSlots: 'LLM_CASCADE_WORKER_WORKFLOW_SLOTS',
  cachedWorkflows: 'LLM_CASCADE_WORKER_CACHED_WORKFLOWS',
  workflowPollers: 'LLM_CASCADE_WORKER_WORKFLOW_POLLERS',
  activityPollers: 'LLM_CASCADE_WORKER_ACTIVITY_POLLERS',
  workflowThreads: 'LLM_CASCADE_WORKER_WORKFLOW_THREADS',
  shutdownGraceMs: SHUTDOWN_GRACE_ENV,
} as const;

/** What the worker runs with when nothing is set: model calls wait on the network, so many at once. */
export const DEFAULT_WORKER_TUNING = {
  activitySlots: 200,
  localActivitySlots: 200,
  workflowSlots: 40,
  cachedWorkflows: 1000,
  // The SDK's own default; its `maxConcurrent*TaskPolls` options are ignored in 1.24, so pollers are
  // set through the poller behaviours.
  workflowPollers: 10,
  activityPollers: 10,
  // The SDK's default with the reused V8 context is one thread: every workflow task of the worker
  // then waits behind the one running, and a costly one (a schema check at its step budget, a
  // fresh 500-property schema compiling) holds up everyone's. With two, a plain request's task
  // runs beside it (README, "Hostile schemas and answers").
  workflowThreads: 2,
} as const;

/**
 * Workflow-task slots of a worker without a workflow cache (`maxCachedWorkflows: 0`): one.
 *
 * The SDK's core still keeps one run in memory while its task is in progress ("0" means room for
 * one run, evicted once its task is done) but, unlike with a cache, does not cap the slots at the
 * cache size. With more slots, a second cascade's task arriving while the first one's waits on a
 * local activity (`prepareCascade`, `classifyRequest`: they run inside the workflow task) finds the
 * cache full, and the core evicts the first run mid-task: its local-activity result and the commands
 * waiting for it are dropped, its task is never answered, and the server retries it after the
 * 10 s workflow-task timeout, where the same can happen again. The core logs "There should not be any
 * outgoing commands or messages when preparing a completion response if the activation was only an
 * eviction. This is an SDK bug." each time (`managed_run.rs`, `prepare_complete_resp`), and warns
 * since sdk-core#1304 that local activities with `max_cached_workflows = 0` "are likely to be
 * dropped or retried". A single slot never needs a second cache entry, so no run is evicted before
 * its task is answered.
 */
export const NO_CACHE_WORKFLOW_SLOTS = 1;

/** Why `workflowSlots` cannot go with `cachedWorkflows`, if it cannot (the names say which variable or option is which). */
export function workflowSlotsProblem(
  values: { cachedWorkflows: number; workflowSlots: number },
  names: { cachedWorkflows: string; workflowSlots: string },
): string | undefined {
  const { cachedWorkflows, workflowSlots } = values;
  if (cachedWorkflows === 0) {
    return workflowSlots > NO_CACHE_WORKFLOW_SLOTS
      ? `${names.workflowSlots}: must be ${NO_CACHE_WORKFLOW_SLOTS} without a workflow cache (${names.cachedWorkflows} 0), got ${workflowSlots}: with more, a cascade's task waiting on a local activity is evicted and retried after the 10 s workflow-task timeout`
      : undefined;
  }
  if (workflowSlots < 2)
    return `${names.workflowSlots}: must be at least 2 with a workflow cache (${names.cachedWorkflows} ${cachedWorkflows}), got ${workflowSlots}`;
  if (workflowSlots > cachedWorkflows)
    return `${names.workflowSlots}: ${workflowSlots} workflow slots exceed the ${cachedWorkflows} cached workflows (${names.cachedWorkflows}); lower the slots or raise the cache`;
  return undefined;
}

/** The workflow-task slots when none are set: one without a cache (see `NO_CACHE_WORKFLOW_SLOTS`), else the tuned default. */
export function defaultWorkflowSlots(cachedWorkflows: number): number {
  return cachedWorkflows === 0 ? NO_CACHE_WORKFLOW_SLOTS : DEFAULT_WORKER_TUNING.workflowSlots;
}

/** The tuning a worker is created with. */
export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows: number;
  workflowTaskPollerBehavior: { type: 'simple-maximum'; maximum: number };
  activityTaskPollerBehavior: { type: 'simple-maximum'; maximum: number };
  /** Threads running workflow tasks; each holds its own V8 isolate with the workflow bundle (about 100 MiB RSS). */
  workflowThreadPoolSize: number;
  /** How long a stopping worker lets in-flight model calls finish before cancelling them, in ms. */
  shutdownGraceTime: number;
}

const Count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const TuningEnv = z.object({
  activitySlots: Count(1, 10_000).optional(),
  localActivitySlots: Count(1, 10_000).optional(),
  workflowSlots: Count(1, 1_000).optional(),
  cachedWorkflows: Count(0, 100_000).optional(),
  workflowPollers: Count(2, 100).optional(),
  activityPollers: Count(1, 100).optional(),
  workflowThreads: Count(1, 64).optional(),
  shutdownGraceMs: Count(0, 3_600_000).optional(),
});

/**
 * Reads and validates the worker tuning from the environment against the config. Every problem is
 * reported at once, naming the variable; combinations the SDK would silently change (a cache of 1,
 * more workflow slots than cached workflows), more than one workflow slot without a cache (see
 * `NO_CACHE_WORKFLOW_SLOTS`) and a shutdown grace shorter than the longest model timeout are refused
 * rather than adjusted. Without a cache, the slots default to one.
 */
export function workerTuningFromEnv(config: CascadeConfig, env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  const raw = Object.fromEntries(
    Object.entries(WORKER_TUNING_ENV).flatMap(([key, name]) =>
      env[name] !== undefined && env[name] !== '' ? [[key, env[name]!.trim()]] : [],
    ),
  );
  const parsed = TuningEnv.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path[0] as keyof typeof WORKER_TUNING_ENV;
        return `${WORKER_TUNING_ENV[key]}: ${issue.message}, got "${raw[key]}"`;
      }),
      'environment',
    );
  }
  const cachedWorkflows = parsed.data.cachedWorkflows ?? DEFAULT_WORKER_TUNING.cachedWorkflows;
  const values = {
    ...DEFAULT_WORKER_TUNING,
    workflowSlots: defaultWorkflowSlots(cachedWorkflows),
    ...parsed.data,
  };
  const problems: string[] = [];
  if (values.cachedWorkflows === 1)
    problems.push(`${WORKER_TUNING_ENV.cachedWorkflows}: must be 0 (no cache) or at least 2, got 1`);
  else {
    const slotsProblem = workflowSlotsProblem(values, WORKER_TUNING_ENV);
    if (slotsProblem) problems.push(slotsProblem);
  }
  const shutdownGraceMs = values.shutdownGraceMs ?? defaultShutdownGraceMs(config);
  const graceProblem = shutdownGraceProblem(config, shutdownGraceMs);
  if (graceProblem) problems.push(graceProblem);
  if (problems.length > 0) throw new ConfigError(problems, 'environment');
  return {
    maxConcurrentActivityTaskExecutions: values.activitySlots,
    maxConcurrentLocalActivityExecutions: values.localActivitySlots,
    maxConcurrentWorkflowTaskExecutions: values.workflowSlots,
    maxCachedWorkflows: values.cachedWorkflows,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: values.workflowPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: values.activityPollers },
    workflowThreadPoolSize: values.workflowThreads,
    shutdownGraceTime: shutdownGraceMs,
  };
}
