/**
 * A complete cascade for the entry-point tests: the simulated providers, a config pointing every
 * provider at them on a task queue of the test's own, a worker on the shared Temporal server, and
 * optionally the HTTP API listening on a free loopback port.
 */
import { after, before } from 'node:test';
import { type ApiAccessConfig } from '../../core/api-access-config';
import { Connection, type ConnectionLike } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { type Worker } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { type ApiLimits } from '../../api/api-context';
import { buildApi, type ApiOptions } from '../../api/build-api';
import { type CascadeConfig } from '../../core/config';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config/load-config';
import { createProviderRegistry } from '../../providers/provider-registry';
import { pointConfigAtSimulator, simulatorEnv } from '../../simulator/demo-mode';
import { startSimulator, type SimulatorHandle, type SimulatorScriptInput } from '../../simulator';
import { connectTestTemporal, createTestWorker, uniqueTaskQueue, type TestTemporal } from './temporal';

/** Shown in every result of a simulated cascade, so tests can check that outputs say "simulated". */
export const SIMULATED_NOTICE = 'answers come from simulated providers (test)';

/** The shipped example config, pointed at a simulator, on a fresh task queue. */
export async function simulatedConfig(simulator: SimulatorHandle, label: string): Promise<CascadeConfig> {
  const example = await loadConfig(DEFAULT_CONFIG_PATH);
  return pointConfigAtSimulator(
    {
      ...example,
      // Long model timeouts: a deliberately slow simulated call stays in flight until the test cancels it.
      models: Object.fromEntries(
        Object.entries(example.models).map(([id, model]) => [id, { ...model, timeoutMs: 600_000 }]),
      ),
      taskQueue: uniqueTaskQueue(label),
      // Tests that exercise failures should not wait minutes for a tier to come back.
      resilience: {
        ...example.resilience,
        maxAttemptsPerModel: 2,
        initialRetryMs: 100,
        maxRetryMs: 500,
        outageWaitMs: 1000,
      },
    },
    simulator,
    SIMULATED_NOTICE,
  );
}

export interface SimulatedCascade {
  config: CascadeConfig;
  simulator: SimulatorHandle;
  /** Runs a worker for the config until `stopWorker` (or `stop`). */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the simulator and (unless `worker: false`) a worker polling the config's task queue. */
export interface SimulatedCascadeOptions {
  script?: SimulatorScriptInput;
  worker?: boolean;
  dataConverter?: DataConverter;
}

export async function startSimulatedCascade(
  temporal: TestTemporal,
  label: string,
  options: SimulatedCascadeOptions = {},
): Promise<SimulatedCascade> {
  const simulator = await startSimulator(options.script ? { script: options.script } : {});
  const config = await simulatedConfig(simulator, label);
  const providers = createProviderRegistry(config, simulatorEnv());
  let running: { worker: Worker; done: Promise<void> } | undefined;
  const cascade: SimulatedCascade = {
    config,
    simulator,
    async startWorker() {
      if (running) return;
      const worker = await createTestWorker(temporal, config, providers, {
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      });
      running = { worker, done: worker.run() };
    },
    async stopWorker() {
      if (!running) return;
      const { worker, done } = running;
      running = undefined;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
    async stop() {
      // Simulator first: a slow simulated call still in flight then ends at once instead of holding up the worker's shutdown.
      await simulator.stop();
      await cascade.stopWorker();
    },
  };
  if (options.worker !== false) await cascade.startWorker();
  return cascade;
}

export interface TestApi {
  url: string;
  connection: ConnectionLike;
  close(): Promise<void>;
}

export type TestApiOptions = Pick<ApiOptions, 'apiKeys' | 'codecKeys' | 'operatorKeys' | 'codecCorsOrigins'> & {
  access?: ApiAccessConfig;
  env?: NodeJS.ProcessEnv;
  limits?: Partial<ApiLimits>;
  logger?: Logger;
  /** As npm start: the API on the test worker's NativeConnection, starting cascades eagerly. */
  eagerStart?: boolean;
};

/** The HTTP API for `config` on a free loopback port, with its own client connection. */
export async function startTestApi(
  temporal: TestTemporal,
  config: CascadeConfig,
  options: TestApiOptions = {},
): Promise<TestApi> {
  // The shared NativeConnection belongs to the test's Temporal handle: the API must not close it.
  const own = options.eagerStart ? undefined : await Connection.connect({ address: temporal.address });
  const connection: ConnectionLike = own ?? temporal.nativeConnection;
  const app = buildApi({
    connection,
    ...(options.eagerStart ? { eagerStart: true } : {}),
    namespace: 'default',
    config,
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}),
    ...(options.access ? { access: options.access } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.codecKeys ? { codecKeys: options.codecKeys } : {}),
    ...(options.operatorKeys ? { operatorKeys: options.operatorKeys } : {}),
    ...(options.codecCorsOrigins ? { codecCorsOrigins: options.codecCorsOrigins } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    connection,
    async close() {
      await app.close();
      await own?.close();
    },
  };
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or fails naming `what` after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** How many workflows were ever started on a task queue (visibility; poll with `eventually` when one is expected). */
export async function workflowCount(temporal: TestTemporal, taskQueue: string): Promise<number> {
  return (await temporal.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
}

/** What `useApiStack` starts for a suite; read its fields inside tests, once `before` has run. */
export interface ApiStack {
  temporal: TestTemporal;
  stack: SimulatedCascade;
  api: TestApi;
}

/**
 * The usual API suite's set-up: a connection to the run's Temporal server, a simulated cascade
 * (simulator, config, worker) and the HTTP API over it, started in the suite's `before` and stopped
 * in its `after`, last started first stopped.
 */
export function useApiStack(label: string, options: SimulatedCascadeOptions & { api?: TestApiOptions } = {}): ApiStack {
  const { api: apiOptions, ...stackOptions } = options;
  const started: Partial<ApiStack> = {};
  before(async () => {
    started.temporal = await connectTestTemporal();
    started.stack = await startSimulatedCascade(started.temporal, label, stackOptions);
    started.api = await startTestApi(started.temporal, started.stack.config, apiOptions);
  });
  after(async () => {
    await started.api?.close();
    await started.stack?.stop();
    await started.temporal?.close();
  });
  return started as ApiStack;
}
