/**
 * `npm start`: the whole service in one command. Embeds a Temporal dev server (SQLite in the
 * project's `.data/`, Web UI on) unless `TEMPORAL_ADDRESS` names one, registers the search
 * attributes, runs a worker and the HTTP API, and with no provider key set runs the demo against
 * the simulated providers. Ctrl-C stops everything in order: API, worker, then the server.
 *
 * Nothing outlives this process: the dev server is tied to it (killed by the kernel if this process
 * dies, SIGKILL included) and recorded in the data dir, so the next start can clean up after a crash
 * (lib/server-record.ts); the simulated providers of demo mode run inside this process. If a wrapper
 * that launched it (npm, sh, tsx) is killed, it notices and stops cleanly.
 */
import path from 'node:path';
import { type Connection } from '@temporalio/client';
import { type NativeConnection, type Worker } from '@temporalio/worker';
import { batchSourcePolicyFromEnv } from '../batch/batch-source-policy';
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { codecKeysFromEnv } from '../client/codec-keys';
import { ConfigError, type CascadeConfig } from '../core/config';
import { configHash } from '../core/config-hash';
import { apiKeysFromEnv, resolveApiKeys } from '../api/bearer-auth';
import { startApiServer, type ApiServer } from '../api/start-api-server';
import { isDemoMode, startDemoProviders, type DemoProviders } from '../simulator/demo-mode';
import { DevServerError, startDevServer, type DevServer } from '../lib/dev-server';
import { watchLaunchers } from '../lib/launcher-watch';
import { chooseConfig, loadServiceConfig, PROJECT_ROOT } from '../config/load-config';
import { createLogger } from '../lib/logger';
import { registerSearchAttributes } from '../lib/register-search-attributes';
import { recoverServerRecord, removeServerRecord, serverRecordFor, writeServerRecord } from '../lib/server-record';
import { connectClient, TemporalUnreachableError } from '../lib/temporal-connection';
import { connectWorker } from '../worker/connect-worker';
import { ensureTemporalCli, TemporalCliError } from '../lib/temporal-cli';
import { createProviderRegistry, MissingApiKeyError } from '../providers/provider-registry';
import { createCascadeWorker } from '../worker/create-worker';
import { workerTuningFromEnv } from '../worker/worker-tuning';
import { CascadeMetrics } from '../telemetry/cascade-metrics';
import { sdkMetricsSource } from '../telemetry/sdk-metrics';
import { tracingFromEnv, type Tracing } from '../telemetry/tracing';
import { installTemporalLogging } from '../worker/install-temporal-logging';

const env = process.env;
const logger = createLogger('llm-cascade');
const dataDir = path.resolve(env.LLM_CASCADE_DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));

/** What has been started so far, stopped in reverse order. */
const running: {
  api?: ApiServer;
  worker?: Worker;
  workerRun?: Promise<void>;
  nativeConnection?: NativeConnection;
  connection?: Connection;
  devServer?: DevServer;
  demo?: DemoProviders;
  tracing?: Tracing;
} = {};

function portFrom(name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError([`${name}: must be a port number, got "${value}"`], 'environment');
  return port;
}

async function start(): Promise<void> {
  // One /metrics on the API shows the API's, the worker's and the Temporal SDK's series.
  const sdkMetrics = await sdkMetricsSource();
  installTemporalLogging(logger, { handleSignals: false, sdkMetricsBindAddress: sdkMetrics.bindAddress });
  const metrics = new CascadeMetrics();
  running.tracing = tracingFromEnv('llm-cascade');
  await watchLaunchers({
    onGone: (launcher) => {
      logger.warn(`the process that launched npm start (pid ${launcher.pid}) is gone: stopping`);
      void stop(1);
    },
  });
  const configChoice = chooseConfig(undefined, env);
  const configPath = configChoice.path;
  const loaded = await loadServiceConfig(configPath, env);
  // An unset key variable or a key given twice stops npm start now, naming the field, not after the server is up.
  resolveApiKeys({ envKeys: apiKeysFromEnv(env), access: loaded.api, env });
  let config: CascadeConfig = loaded.config;
  const apiPort = portFrom('PORT', 8080);
  // Validated before anything starts; the worker and the API encrypt with the same keys.
  const codecKeys = codecKeysFromEnv(env);
  const batchSources = batchSourcePolicyFromEnv(env);

  if (isDemoMode(config, env)) {
    running.demo = await startDemoProviders(config);
    config = running.demo.config;
  }
  const providers = createProviderRegistry(config, running.demo?.env ?? env);

  let address = env.TEMPORAL_ADDRESS;
  const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
  if (!address) {
    const cli = await ensureTemporalCli({ log: (line) => logger.info(line) });
    const dbFile = path.join(dataDir, 'temporal.db');
    await recoverServerRecord({ dataDir, dbFile, log: (line) => logger.warn(line) });
    running.devServer = await startDevServer({
      cliPath: cli.path,
      dbFile,
      port: portFrom('TEMPORAL_PORT', 7233),
      uiPort: portFrom('TEMPORAL_UI_PORT', 8233),
      // With encryption on, the UI shows payloads through the API's codec server (operators only).
      ...(codecKeys.length > 0 ? { uiCodecEndpoint: `http://127.0.0.1:${apiPort}/codec` } : {}),
      namespace,
      onLog: (line) => logger.debug({ source: 'temporal-server' }, line),
      onSpawn: async (spawned) => {
        const record = await serverRecordFor({ ...spawned, dataDir, dbFile });
        if (record) writeServerRecord(record);
      },
    });
    address = running.devServer.address;
  }

  const hint = env.TEMPORAL_ADDRESS
    ? 'Is the server running? Check TEMPORAL_ADDRESS, or unset it to use the embedded dev server.'
    : undefined;
  running.connection = await connectClient(address, { hint });
  const added = await registerSearchAttributes(running.connection, namespace);
  if (added.length > 0) logger.info({ added }, 'registered search attributes');

  running.nativeConnection = await connectWorker(address, hint);
  // A bundle built ahead of time (e.g. in a container image) saves the few seconds of bundling at startup.
  const bundlePath = env.LLM_CASCADE_WORKFLOW_BUNDLE;
  running.worker = await createCascadeWorker({
    connection: running.nativeConnection,
    namespace,
    config,
    providers,
    tuning: workerTuningFromEnv(config),
    dataConverter: cascadeDataConverter(codecKeys),
    batchSources,
    telemetry: { metrics, logger, ...(running.tracing ? { tracing: running.tracing } : {}) },
    ...(bundlePath ? { workflows: { workflowBundle: { codePath: bundlePath } } } : {}),
  });
  running.workerRun = running.worker.run();
  running.workerRun.catch((error: unknown) => {
    logger.error({ err: error }, 'worker stopped unexpectedly');
    void stop(1);
  });

  running.api = await startApiServer({
    // The worker's connection, so cascades start eagerly: the server hands the first workflow task
    // straight back to this process's worker (same namespace and task queue) in the start call's
    // answer. Measured by `npm run bench:http` (README, "Overhead of durability").
    connection: running.nativeConnection,
    eagerStart: true,
    namespace,
    config,
    port: apiPort,
    host: env.HOST,
    codecKeys,
    logger,
    access: loaded.api,
    env,
    metrics: { metrics, sdk: sdkMetrics },
    ...(running.tracing ? { tracing: running.tracing } : {}),
  });

  const lines = [
    '',
    'llm-cascade is running',
    `  HTTP API       ${running.api.url}   (OpenAI-compatible: ${running.api.url}/v1/chat/completions and /v1/responses)`,
    `  Temporal UI    ${running.devServer?.uiUrl ?? '(external server: see its own UI)'}`,
    `  Temporal gRPC  ${address}   namespace ${namespace}, task queue ${config.taskQueue}`,
    `  Config         ${path.relative(process.cwd(), configPath) || configPath} (${configChoice.reason})`,
    `  Config hash    ${configHash(config)}   (every cascade records it: CascadeConfigHash = "${configHash(config)}")`,
    running.devServer ? `  Data           ${dataDir} (workflows survive restarts)` : '',
    running.demo
      ? `  DEMO MODE      no provider API key is set: answers come from simulated providers (${running.demo.describe()})`
      : '',
    running.api.authNotice ? `  Auth           ${running.api.authNotice}` : '',
    '',
    'Try: npx cascade run "Is this review positive or negative? Great battery."',
    '     npx cascade run --request examples/invoice-extraction.json   (a request the cheap tiers get wrong)',
    'Ctrl-C stops everything.',
    '',
  ].filter((line, i, all) => line !== '' || i === 0 || i === all.length - 1 || all[i - 1] !== '');
  process.stdout.write(`${lines.join('\n')}\n`);
}

let stopping = false;

async function stop(exitCode: number, signal?: NodeJS.Signals): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  if (signal) logger.info({ signal }, 'stopping');
  // Close the front door first, let in-flight model calls finish, then take the server down.
  await running.api?.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the API failed'));
  if (running.worker && running.worker.getState() === 'RUNNING') running.worker.shutdown();
  await running.workerRun?.catch(() => {});
  await running.nativeConnection?.close().catch(() => {});
  await running.connection?.close().catch(() => {});
  if (running.devServer) {
    await running.devServer.stop();
    await removeServerRecord(dataDir).catch((error: unknown) =>
      logger.warn({ err: error }, 'removing the server record failed'),
    );
  }
  await running.demo?.stop();
  await running.tracing?.shutdown().catch(() => {});
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0, signal));

start().catch(async (error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof MissingApiKeyError ||
    error instanceof TemporalUnreachableError ||
    error instanceof TemporalCliError ||
    error instanceof DevServerError;
  if (known) {
    process.stderr.write(`error: ${error.message}\n`);
  } else {
    logger.error({ err: error }, 'startup failed');
  }
  await stop(1);
});
