/**
 * The HTTP API alone: `npm run api [-- --config file]`, against `TEMPORAL_ADDRESS` (default
 * 127.0.0.1:7233). It runs no worker: start workers with `npm run worker`, as many as the load
 * needs. `npm start` runs both (and a dev server) in one process instead.
 */
import { Command } from 'commander';
import { type Connection } from '@temporalio/client';
import { ConfigError } from '../core/config';
import { configPathFrom, loadServiceConfig } from '../config/load-config';
import { createLogger } from '../lib/logger';
import {
  NamespaceNotFoundError,
  requireSearchAttributes,
  SearchAttributesMissingError,
} from '../lib/register-search-attributes';
import { connectClient, TemporalUnreachableError } from '../lib/temporal-connection';
import { CascadeMetrics } from '../telemetry/cascade-metrics';
import { tracingFromEnv, type Tracing } from '../telemetry/tracing';
import { apiKeysFromEnv, resolveApiKeys } from './bearer-auth';
import { startApiServer, type ApiServer } from './start-api-server';

const logger = createLogger('api');
const running: { api?: ApiServer; connection?: Connection; tracing?: Tracing } = {};

async function main(): Promise<void> {
  const options = new Command('api')
    .description('Run the llm-cascade HTTP API against a Temporal server (no worker)')
    .option('-c, --config <file>', 'config file (default: LLM_CASCADE_CONFIG or configs/example.yaml)')
    .option('--address <host:port>', 'Temporal address', process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233')
    .option('--namespace <name>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE || 'default')
    .parse()
    .opts<{ config?: string; address: string; namespace: string }>();

  const { config, api: access } = await loadServiceConfig(configPathFrom(options.config));
  // An unset key variable or a key given twice stops the API now, naming the field, before it connects.
  resolveApiKeys({ envKeys: apiKeysFromEnv(), access });
  running.tracing = tracingFromEnv('llm-cascade-api');
  running.connection = await connectClient(options.address, {
    hint: 'Is the server running? Check TEMPORAL_ADDRESS or --address.',
  });
  // The API lists and reports by these attributes, and the workflows it starts record them: without
  // them every list would fail and every cascade would stall, so the API refuses to start.
  await requireSearchAttributes(running.connection, options.namespace);
  running.api = await startApiServer({
    connection: running.connection,
    namespace: options.namespace,
    config,
    port: portFrom(process.env.PORT),
    host: process.env.HOST,
    logger,
    access,
    // The API's own series (HTTP requests, the process); the cascade's are counted by the workers.
    metrics: { metrics: new CascadeMetrics() },
    ...(running.tracing ? { tracing: running.tracing } : {}),
  });
  if (running.api.authNotice) logger.warn(running.api.authNotice);
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new ConfigError([`PORT: must be a port number, got "${value}"`], 'environment');
  return port;
}

let stopping = false;

async function stop(exitCode: number, signal?: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (signal) logger.info({ signal }, 'stopping');
  await running.api?.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the API failed'));
  await running.connection?.close().catch(() => {});
  await running.tracing?.shutdown().catch(() => {});
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0, signal));

main().catch(async (error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof TemporalUnreachableError ||
    error instanceof SearchAttributesMissingError ||
    error instanceof NamespaceNotFoundError;
  if (known) process.stderr.write(`error: ${error.message}\n`);
  else logger.error({ err: error }, 'startup failed');
  await stop(1);
});
