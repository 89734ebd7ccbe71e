import { type DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { batchSourcePolicyFromEnv, type BatchSourcePolicy } from '../batch/batch-source-policy';
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { ConfigError, type CascadeConfig } from '../core/config';
import { createProviderRegistry, type ProviderRegistry } from '../providers/provider-registry';
import { WORKFLOW_TRACING_MODULE, workerTelemetryOptions, type WorkerTelemetry } from '../telemetry/worker-telemetry';
import { defaultShutdownGraceMs } from '../config/shutdown-grace';
import { DEFAULT_WORKER_TUNING, defaultWorkflowSlots, workflowSlotsProblem } from './worker-tuning';

/** Where the worker gets its workflow code: a bundle made once (tests, benchmarks) or the source path. */
export type WorkflowSource = { workflowBundle: { code: string } | { codePath: string } } | { workflowsPath: string };

export interface CascadeWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  config: CascadeConfig;
  /** Built from the config and the environment when not given. */
  providers?: ProviderRegistry;
  workflows?: WorkflowSource;
  /** Where the worker reports finished cascades and model calls (metrics); nothing is recorded without it. */
  telemetry?: WorkerTelemetry;
  /**
   * Activities registered beside the cascade's (the benchmark's no-op activity, for its bare twin
   * workflow on a worker of its own); the cascade's own win on a name clash.
   */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /**
   * Payload encryption (`cascadeDataConverter`); when absent, from `LLM_CASCADE_CODEC_KEYS` (none: plain).
   * The worker's own client (batch activities) uses the same.
   */
  dataConverter?: DataConverter;
  /** What `batch` workflows may read; when absent, from `LLM_CASCADE_BATCH_DIRS` and `LLM_CASCADE_BATCH_URL_PREFIXES`. */
  batchSources?: BatchSourcePolicy;
  /** Overrides of the tuned defaults below (concurrency, cache size, ...); `workerTuningFromEnv` reads them from the environment. */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxCachedWorkflows'
      | 'maxConcurrentLocalActivityExecutions'
      | 'identity'
      | 'shutdownGraceTime'
      | 'maxConcurrentWorkflowTaskPolls'
      | 'maxConcurrentActivityTaskPolls'
      | 'workflowTaskPollerBehavior'
      | 'activityTaskPollerBehavior'
      | 'maxEagerActivityReservationsPerWorkflowTask'
      | 'workflowThreadPoolSize'
    >
  >;
}

/** The workflows folder, for workers that bundle at startup. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Webpack's report of every module it bundled is noise at startup; only its warnings are kept. */
const bundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string, meta?: Record<string, unknown>) {
    console.warn(message, meta ?? '');
  },
  error(message: string, meta?: Record<string, unknown>) {
    console.error(message, meta ?? '');
  },
};

/**
 * Modules the workflow sandbox initialises once per worker instead of once per workflow: with the
 * reused V8 context every new workflow otherwise re-runs their set-up. Preloading the libraries cut
 * the median first workflow task from ~100 to ~65 ms; preloading the cascade's own decision code
 * (`workflows/shared-modules.ts`: all of `core/` the workflows import) took most of what a cascade
 * cost the worker beyond a bare workflow (README, "Overhead of durability").
 *
 * The SDK deep-freezes preloaded modules and everything they export. zod caches lazily on its
 * schema objects, which fails on a frozen schema ("Cannot define property ..., object is not
 * extensible"): `shared-modules.ts` settles those caches before the freeze, and may only gain
 * modules whose state is the same for every workflow.
 */
export const PRELOADED_WORKFLOW_MODULES: readonly string[] = [
  'zod',
  'ajv',
  'ajv/dist/2019',
  'ajv/dist/2020',
  'ajv-formats',
  // The linear-time engine of schema patterns (core/linear-regexp.ts): pure and deterministic.
  // Loading it took 27 ms, and ajv's 2020-12 build about 150 ms, in a fresh process under load.
  're2js',
  require.resolve('../workflows/shared-modules'),
];

/**
 * Bundles the workflow code once (a few seconds); workers share the result. `preloadModules` is
 * for comparing variants (the benchmark); workers use the default.
 */
export async function bundleWorkflows(
  preloadModules: readonly string[] = PRELOADED_WORKFLOW_MODULES,
): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: [...preloadModules],
    // Traces only workflows started with trace context; the same bundle serves tracing on and off.
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    logger: bundlerLogger,
  });
}

/**
 * Creates the worker for the config's task queue. Model calls are network-bound and mostly
 * waiting, so many run at once; workflow tasks are short CPU bursts, so few. The cache keeps
 * recent cascades in memory so an escalation does not replay the history from scratch.
 */
export async function createCascadeWorker(options: CascadeWorkerOptions): Promise<Worker> {
  const providers = options.providers ?? createProviderRegistry(options.config);
  const telemetry = workerTelemetryOptions(options.telemetry, options.config);
  const workflows = options.workflows ?? { workflowBundle: await bundleWorkflows() };
  // Without a cache the slots default to one and more are refused: see NO_CACHE_WORKFLOW_SLOTS.
  const maxCachedWorkflows = options.tuning?.maxCachedWorkflows ?? DEFAULT_WORKER_TUNING.cachedWorkflows;
  const maxConcurrentWorkflowTaskExecutions =
    options.tuning?.maxConcurrentWorkflowTaskExecutions ?? defaultWorkflowSlots(maxCachedWorkflows);
  const slotsProblem = workflowSlotsProblem(
    { cachedWorkflows: maxCachedWorkflows, workflowSlots: maxConcurrentWorkflowTaskExecutions },
    { cachedWorkflows: 'maxCachedWorkflows', workflowSlots: 'maxConcurrentWorkflowTaskExecutions' },
  );
  if (slotsProblem) throw new ConfigError([slotsProblem], 'worker tuning');
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.config.taskQueue,
    activities: {
      ...options.extraActivities,
      ...createActivities({
        providers,
        config: options.config,
        batchSources: options.batchSources ?? batchSourcePolicyFromEnv(),
      }),
    },
    dataConverter: options.dataConverter ?? cascadeDataConverter(),
    ...telemetry,
    ...workflows,
    // A bundle carries its interceptor modules (bundleWorkflows); a source path needs them named.
    ...('workflowsPath' in workflows
      ? { interceptors: { ...telemetry.interceptors, workflowModules: [WORKFLOW_TRACING_MODULE] } }
      : {}),
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
    workflowThreadPoolSize: DEFAULT_WORKER_TUNING.workflowThreads,
    // A stopping worker lets every model call in flight finish (the longest model timeout plus the
    // activity's margin) rather than cancel it and have another worker pay for it again.
    shutdownGraceTime: defaultShutdownGraceMs(options.config),
    // The SDK otherwise throttles heartbeats to one per 0.8 x the heartbeat timeout, undoing the
    // model call's one per third: a worker busy for a moment then looks dead, and an answered call
    // is made (and paid for) again.
    maxHeartbeatThrottleInterval: Math.max(100, Math.floor(options.config.resilience.heartbeatTimeoutMs / 3)),
    ...options.tuning,
    maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows,
  });
}
