/**
 * The real processes a durability scenario drives: a Temporal server (the test run's, or one of
 * its own on a SQLite file), the worker as a child process that can be SIGKILLed, and the simulated
 * providers in this process, so their call log sees every HTTP call the worker makes.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { cascadeDataConverter } from '../../client/cascade-data-converter';
import { CascadeClient } from '../../client/cascade-client';
import { parseConfig, type CascadeConfig, type CascadeConfigInput } from '../../core/config';
import { spawnTied } from '../../lib/child-lifeline';
import { pointConfigAtSimulator, simulatorEnv } from '../../simulator/demo-mode';
import { freePort, startDevServer, type DevServer } from '../../lib/dev-server';
import { PROJECT_ROOT } from '../../config/load-config';
import { registerSearchAttributes } from '../../lib/register-search-attributes';
import { ensureTemporalCli } from '../../lib/temporal-cli';
import { startSimulator, type SimulatorHandle } from '../../simulator';
import { type SimulatorScriptInput } from '../../simulator/simulator-script';
import { bundleWorkflows } from '../../worker/create-worker';
import { threeTierConfig } from '../helpers/engine';
import { TEST_ENV } from '../helpers/test-env';

/** Where scenarios run: a Temporal server to use, the prebuilt workflow bundle, a scratch folder. */
export interface DurabilityContext {
  address: string;
  cliPath: string;
  bundlePath: string;
  workDir: string;
  client: Client;
  /** Stops what the context started itself (never the test run's shared server). */
  close(): Promise<void>;
}

/** Fixed options of `openDurabilityContext`; anything missing is made here. */
export interface DurabilityContextOptions {
  address?: string;
  cliPath?: string;
  bundlePath?: string;
}

/**
 * The test run's server and bundle when `test/run.ts` provides them; otherwise (a file run alone,
 * the soak) a dev server and a bundle of our own.
 */
export async function openDurabilityContext(
  options: DurabilityContextOptions = fromTestEnv(),
): Promise<DurabilityContext> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-durability-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(workDir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const cliPath = options.cliPath ?? (await ensureTemporalCli()).path;
    let address = options.address;
    if (!address) {
      const server = await startDevServer({ cliPath, uiPort: false });
      cleanups.push(() => server.stop());
      address = server.address;
    }
    let bundlePath = options.bundlePath;
    if (!bundlePath) {
      bundlePath = path.join(workDir, 'workflow-bundle.js');
      await writeFile(bundlePath, (await bundleWorkflows()).code);
    }
    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    await registerSearchAttributes(connection, 'default');
    return {
      address,
      cliPath,
      bundlePath,
      workDir,
      client: new Client({ connection, dataConverter: cascadeDataConverter() }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function fromTestEnv(): DurabilityContextOptions {
  const env = process.env;
  return {
    ...(env[TEST_ENV.temporalAddress] ? { address: env[TEST_ENV.temporalAddress] } : {}),
    ...(env[TEST_ENV.temporalCli] ? { cliPath: env[TEST_ENV.temporalCli] } : {}),
    ...(env[TEST_ENV.workflowBundle] ? { bundlePath: env[TEST_ENV.workflowBundle] } : {}),
  };
}

/** A worker running as its own OS process, as in production. */
export interface WorkerProcess {
  /** SIGKILL: no shutdown hook runs, in-flight activities are simply gone. Resolves once it exited. */
  kill(): Promise<void>;
}

/**
 * Starts `worker/main.ts` as a child process and resolves once it polls; it dies with this process
 * however that ends (`spawnTied`). Its config names the simulator's key variable, which it gets on
 * top of this environment; its logs go to `logFile`.
 */
async function startWorkerProcess(options: {
  configPath: string;
  address: string;
  bundlePath: string;
  logFile: string;
}): Promise<WorkerProcess> {
  const args = [
    '--import',
    'tsx',
    path.join(PROJECT_ROOT, 'worker', 'main.ts'),
    '--config',
    options.configPath,
    '--address',
    options.address,
    '--bundle',
    options.bundlePath,
  ];
  const tied = spawnTied(process.execPath, args, {
    cwd: PROJECT_ROOT,
    // A metrics port of its own (0: a free one): test files run side by side, each with its workers.
    env: { ...process.env, ...simulatorEnv(), LOG_LEVEL: 'info', LOG_FORMAT: 'json', LLM_CASCADE_METRICS_PORT: '0' },
  });
  const child = tied.process;
  const log = createWriteStream(options.logFile, { flags: 'a' });
  let tail = '';
  let polling = false;
  let onPolling: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    log.write(text);
    tail = (tail + text).slice(-6000);
    if (!polling && tail.includes('"worker polling"')) {
      polling = true;
      onPolling?.();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end();
      resolve({ code, signal });
    });
  });

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) tied.kill('SIGKILL');
    await exited;
  };
  const ready = new Promise<void>((resolve) => {
    onPolling = resolve;
    if (polling) resolve();
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'polling' as const),
    exited.then(({ code, signal }) => `exited (code ${code}, signal ${signal})`),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('did not poll within 90 s'), 90_000);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'polling') {
    await kill();
    throw new Error(`worker process ${outcome}:\n${tail.trim().split('\n').slice(-20).join('\n')}`);
  }
  return { kill };
}

/** The scenarios' models, two per provider; `maxOutputTokens` makes room for huge answers. */
export function durabilityModels(maxOutputTokens = 1024): CascadeConfigInput['models'] {
  const model = (provider: string, name: string, inputPerMTok: number, outputPerMTok: number) => ({
    provider,
    model: name,
    pricing: { inputPerMTok, outputPerMTok },
    // Generous: held calls are ended by a kill or a restart, never by this timeout.
    timeoutMs: 120_000,
    maxOutputTokens,
  });
  return {
    small: model('anthropic', 'sim-small', 1, 5),
    'small-backup': model('openai', 'sim-small-backup', 0.5, 2),
    mid: model('openai', 'sim-mid', 3, 15),
    frontier: model('anthropic', 'sim-frontier', 15, 75),
  };
}

/** The production default; scenarios that change a field spread it, since an override replaces `resilience` whole. */
export const DURABILITY_RESILIENCE = {
  maxAttemptsPerModel: 3,
  initialRetryMs: 500,
  maxRetryMs: 4000,
  outageWaitMs: 120_000,
  heartbeatTimeoutMs: 10_000,
};

/** The engine tests' three-tier ladder (a fallback on the small tier) over the scenarios' models. */
function durabilityConfigInput(taskQueue: string, overrides: Partial<CascadeConfigInput> = {}): CascadeConfigInput {
  return threeTierConfig({ taskQueue, models: durabilityModels(), resilience: DURABILITY_RESILIENCE, ...overrides });
}

/** One scenario's moving parts: its simulator, its config (on a task queue of its own), its workers. */
export interface ScenarioRig {
  simulator: SimulatorHandle;
  config: CascadeConfig;
  cascades: CascadeClient;
  /** Starts a worker process against `address` (default: the context's server). */
  startWorker(address?: string): Promise<WorkerProcess>;
  /** Kills every worker still running and stops the simulator. */
  close(): Promise<void>;
}

let rigCounter = 0;

/**
 * Starts the simulator, writes the config pointing at it (JSON, which the YAML loader reads) and
 * prepares worker processes. `close` must run in a `finally`: it is what leaves no process behind.
 */
export async function openScenarioRig(
  context: DurabilityContext,
  options: { label: string; script: SimulatorScriptInput; config?: Partial<CascadeConfigInput>; client?: Client },
): Promise<ScenarioRig> {
  const simulator = await startSimulator({ script: options.script });
  const workers: WorkerProcess[] = [];
  try {
    const id = `${options.label}-${process.pid}-${++rigCounter}-${Date.now().toString(36)}`;
    const config = pointConfigAtSimulator(
      parseConfig(durabilityConfigInput(`durability-${id}`, options.config)),
      simulator,
    );
    const configPath = path.join(context.workDir, `config-${id}.json`);
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const cascades = new CascadeClient({
      client: options.client ?? context.client,
      taskQueue: config.taskQueue,
      config,
    });
    let workerCount = 0;
    return {
      simulator,
      config,
      cascades,
      async startWorker(address = context.address) {
        const worker = await startWorkerProcess({
          configPath,
          address,
          bundlePath: context.bundlePath,
          logFile: path.join(context.workDir, `worker-${id}-${++workerCount}.log`),
        });
        workers.push(worker);
        return worker;
      },
      async close() {
        await Promise.all(workers.map((worker) => worker.kill()));
        await simulator.stop();
      },
    };
  } catch (error) {
    await simulator.stop();
    throw error;
  }
}

/** A dev server of the scenario's own on a SQLite file, restartable on the same file and ports. */
export interface OwnServer {
  address: string;
  dbFile: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnServer(context: DurabilityContext, label: string): Promise<OwnServer> {
  const dbFile = path.join(context.workDir, `${label}-${Date.now().toString(36)}.sqlite`);
  const port = await freePort();
  let server: DevServer | undefined;
  const own: OwnServer = {
    address: `127.0.0.1:${port}`,
    dbFile,
    async start() {
      if (server) return;
      server = await startDevServer({ cliPath: context.cliPath, dbFile, port, uiPort: false, startTimeoutMs: 90_000 });
    },
    async stop() {
      const running = server;
      server = undefined;
      await running?.stop();
    },
  };
  await own.start();
  return own;
}

/**
 * Waits until none of the calls in flight at a kill is in flight any more (the kernel closes the dead
 * worker's sockets), then counts those the kill cut off: the only calls that may be made again.
 */
export async function callsCutByKill(simulator: SimulatorHandle, inFlight: readonly string[]): Promise<number> {
  await simulator.callLog.waitFor(
    { state: 'in_flight' },
    (calls) => !calls.some((call) => inFlight.includes(call.id)),
    30_000,
  );
  return inFlight.filter((id) => simulator.callLog.get(id)?.state === 'aborted').length;
}
