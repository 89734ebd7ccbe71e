import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { type CascadeConfig } from '../core/config';
import { createProviderRegistry, type ProviderRegistry } from '../providers/provider-registry';

/** Where the worker gets its workflow code: a bundle made once (tests, benchmarks) or the source path. */
export type WorkflowSource = { workflowBundle: { code: string } | { codePath: string } } | { workflowsPath: string };

export interface CascadeWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  config: CascadeConfig;
  /** Built from the config and the environment when not given. */
  providers?: ProviderRegistry;
  workflows?: WorkflowSource;
  /** Overrides of the tuned defaults below (concurrency, cache size, ...). */
  tuning?: Partial<Pick<WorkerOptions,
    'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'maxConcurrentLocalActivityExecutions' | 'identity' | 'shutdownGraceTime'>>;
}

/** The workflows folder, for workers that bundle at startup. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Creates the worker for the config's task queue. Model calls are network-bound and mostly
 * waiting, so many run at once; workflow tasks are short CPU bursts, so few. The cache keeps
 * recent cascades in memory so an escalation does not replay the history from scratch.
 */
export async function createCascadeWorker(options: CascadeWorkerOptions): Promise<Worker> {
  const providers = options.providers ?? createProviderRegistry(options.config);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.config.taskQueue,
    activities: createActivities({ providers, config: options.config }),
    ...(options.workflows ?? { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 40,
    maxCachedWorkflows: 1000,
    shutdownGraceTime: '10 seconds',
    ...options.tuning,
  });
}
