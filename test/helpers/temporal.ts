import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import {
  NativeConnection,
  Runtime,
  DefaultLogger,
  makeTelemetryFilterString,
  type Logger,
  type LogLevel,
  type Worker,
} from '@temporalio/worker';
import { type BatchSourcePolicy } from '../../batch/batch-source-policy';
import { cascadeDataConverter } from '../../client/cascade-data-converter';
import { type CascadeConfig } from '../../core/config';
import { startDevServer, type DevServer } from '../../lib/dev-server';
import { registerSearchAttributes } from '../../lib/register-search-attributes';
import { ensureTemporalCli } from '../../lib/temporal-cli';
import { type ProviderRegistry } from '../../providers/provider-registry';
import { bundleWorkflows, createCascadeWorker } from '../../worker/create-worker';
import { sdkMetricsTelemetry } from '../../telemetry/sdk-metrics';
import { TEST_ENV } from './test-env';

/** A connection to the run's Temporal server, and what a test needs to start workers on it. */
export interface TestTemporal {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

let runtimeInstalled = false;

function installQuietRuntime(options: TestTemporalOptions): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // Workers log every failed attempt; the tests inject failures on purpose, so only errors are shown.
  const telemetryOptions = {
    ...(options.sdkMetricsBindAddress ? sdkMetricsTelemetry(options.sdkMetricsBindAddress) : {}),
    // Otherwise the core writes its own lines to stderr, where a test cannot see them.
    ...(options.coreLogLevel
      ? { logging: { filter: makeTelemetryFilterString({ core: options.coreLogLevel }), forward: {} } }
      : {}),
  };
  Runtime.install({
    logger: options.logger ?? new DefaultLogger('ERROR'),
    ...(Object.keys(telemetryOptions).length > 0 ? { telemetryOptions } : {}),
  });
}

export interface TestTemporalOptions {
  /** Serve the SDK's Prometheus metrics here (the runtime is installed once per test process). */
  sdkMetricsBindAddress?: string;
  /** Where workers' log lines go (activities' `context.log` included); errors to stderr when absent. */
  logger?: Logger;
  /** Forward the SDK core's own log lines from this level up to `logger` (tagged `sdkComponent: 'core'`). */
  coreLogLevel?: LogLevel;
}

/**
 * Connects to the server `test/run.ts` started. A test file run on its own (`npx tsx --test file`)
 * starts its own server instead. Either way it fails, never skips, when Temporal is not there.
 */
export async function connectTestTemporal(options: TestTemporalOptions = {}): Promise<TestTemporal> {
  installQuietRuntime(options);
  let address = process.env[TEST_ENV.temporalAddress];
  let ownServer: DevServer | undefined;
  if (!address) {
    const cli = await ensureTemporalCli();
    // Tied to this process like every server the project starts: a killed test leaves none behind.
    ownServer = await startDevServer({ cliPath: cli.path, uiPort: false, startTimeoutMs: 120_000 });
    address = ownServer.address;
  }
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(connection, 'default');
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    address,
    // Encrypting when the run sets LLM_CASCADE_CODEC_KEYS, as every client of the project does.
    client: new Client({ connection, dataConverter: cascadeDataConverter() }),
    nativeConnection,
    async close() {
      await nativeConnection.close();
      await connection.close();
      await ownServer?.stop();
    },
  };
}

let bundleCode: Promise<string> | undefined;

/** The workflow bundle made once for the whole run (or once for this file when run alone). */
export function workflowBundleCode(): Promise<string> {
  bundleCode ??= (async () => {
    const bundlePath = process.env[TEST_ENV.workflowBundle];
    if (bundlePath) return readFile(bundlePath, 'utf8');
    return (await bundleWorkflows()).code;
  })();
  return bundleCode;
}

/** A task queue no other test uses, so tests sharing a server never take each other's tasks. */
export function uniqueTaskQueue(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

/** A worker for `config` on the shared server, using the run's bundle (encrypting as `dataConverter` says, else as the environment does). */
export async function createTestWorker(
  temporal: TestTemporal,
  config: CascadeConfig,
  providers?: ProviderRegistry,
  options: { dataConverter?: DataConverter; batchSources?: BatchSourcePolicy } = {},
): Promise<Worker> {
  return createCascadeWorker({
    connection: temporal.nativeConnection,
    config,
    workflows: { workflowBundle: { code: await workflowBundleCode() } },
    ...(providers ? { providers } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.batchSources ? { batchSources: options.batchSources } : {}),
  });
}
