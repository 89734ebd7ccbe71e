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
  workflowSlots: Count(2, 1_000).optional(),
  cachedWorkflows: Count(0, 100_000).optional(),
  workflowPollers: Count(2, 100).optional(),
  activityPollers: Count(1, 100).optional(),
  workflowThreads: Count(1, 64).optional(),
  shutdownGraceMs: Count(0, 3_600_000).optional(),
});

/**
 * Reads and validates the worker tuning from the environment against the config. Every problem is
 * reported at once, naming the variable; combinations the SDK would silently change (a cache of 1,
 * more workflow slots than cached workflows) and a shutdown grace shorter than the longest model
 * timeout are refused rather than adjusted.
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
  const values = { ...DEFAULT_WORKER_TUNING, ...parsed.data };
  const problems: string[] = [];
  if (values.cachedWorkflows === 1)
    problems.push(`${WORKER_TUNING_ENV.cachedWorkflows}: must be 0 (no cache) or at least 2, got 1`);
  else if (values.cachedWorkflows > 0 && values.workflowSlots > values.cachedWorkflows)
    problems.push(
      `${WORKER_TUNING_ENV.workflowSlots}: ${values.workflowSlots} workflow slots exceed the ${values.cachedWorkflows} cached workflows (${WORKER_TUNING_ENV.cachedWorkflows}); lower the slots or raise the cache`,
    );
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
