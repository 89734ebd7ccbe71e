/**
 * A standalone worker process: `npm run worker [-- --config file]`, against `TEMPORAL_ADDRESS`
 * (default 127.0.0.1:7233). `npm start` runs a worker inside its all-in-one process instead; this
 * entry point is for scaling workers out (as many as the load needs, beside `npm run api`), and for
 * tests that kill a worker and start another. Tuning comes from the environment
 * (`LLM_CASCADE_WORKER_*`, see worker-tuning.ts); SIGTERM drains: polling stops, model calls in
 * flight finish (up to the shutdown grace), then the process exits.
 */
import { Command } from 'commander';
import { batchSourcePolicyFromEnv } from '../batch/batch-source-policy';
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { codecKeysFromEnv } from '../client/codec-keys';
import { ConfigError } from '../core/config';
import { configHash } from '../core/config-hash';
import { configPathFrom, loadConfig } from '../config/load-config';
import { createLogger } from '../lib/logger';
import { TemporalUnreachableError } from '../lib/temporal-connection';
import { connectWorker } from './connect-worker';
import { createProviderRegistry, MissingApiKeyError } from '../providers/provider-registry';
import { startDemoProviders } from '../simulator/demo-mode';
import { installTemporalLogging } from './install-temporal-logging';
import { createCascadeWorker } from './create-worker';
import { workerTuningFromEnv } from './worker-tuning';
import { CascadeMetrics } from '../telemetry/cascade-metrics';
import { metricsAddressFromEnv, startMetricsServer } from '../telemetry/metrics-server';
import { sdkMetricsSource } from '../telemetry/sdk-metrics';
import { tracingFromEnv } from '../telemetry/tracing';
import {
  NamespaceNotFoundError,
  requireSearchAttributes,
  SearchAttributesMissingError,
} from '../lib/register-search-attributes';

async function main(): Promise<void> {
  const options = new Command('worker')
    .description('Run an llm-cascade worker against a Temporal server')
    .option('-c, --config <file>', 'config file (default: LLM_CASCADE_CONFIG or configs/example.yaml)')
    .option('--address <host:port>', 'Temporal address', process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233')
    .option('--namespace <name>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE || 'default')
    .option(
      '--bundle <file>',
      'prebuilt workflow bundle (skips bundling at startup)',
      process.env.LLM_CASCADE_WORKFLOW_BUNDLE || undefined,
    )
    .parse()
    .opts<{ config?: string; address: string; namespace: string; bundle?: string }>();

  const logger = createLogger('worker');
  const metricsAddress = metricsAddressFromEnv();
  const sdkMetrics = await sdkMetricsSource();
  installTemporalLogging(logger, { sdkMetricsBindAddress: sdkMetrics.bindAddress });
  const metrics = new CascadeMetrics();
  const tracing = tracingFromEnv('llm-cascade-worker');
  let config = await loadConfig(configPathFrom(options.config));
  // Validated before anything connects: a malformed key stops the worker naming the entry, never the key.
  const codecKeys = codecKeysFromEnv();
  const batchSources = batchSourcePolicyFromEnv();
  const tuning = workerTuningFromEnv(config);
  // Only when asked for: a production worker whose keys are missing must fail, not answer from a simulator.
  const demo = process.env.LLM_CASCADE_DEMO === '1' ? await startDemoProviders(config) : undefined;
  if (demo) {
    config = demo.config;
    logger.warn(`DEMO MODE (LLM_CASCADE_DEMO=1): answers come from simulated providers (${demo.describe()})`);
  }
  // Before the worker exists: a port problem stops the process at once, naming the variable.
  const metricsServer = await startMetricsServer({ metrics, sdk: sdkMetrics, ...metricsAddress });
  if (metricsServer.movedFrom !== undefined)
    logger.warn(
      `metrics port ${metricsServer.movedFrom} is taken (another worker on this host?): serving ${metricsServer.url} instead; set LLM_CASCADE_METRICS_PORT to choose`,
    );
  const connection = await connectWorker(options.address).catch(async (error: unknown) => {
    await metricsServer.close();
    throw error;
  });
  try {
    // Every cascade records these; without them each workflow task would fail, so refuse to start.
    await requireSearchAttributes(connection, options.namespace);
    const worker = await createCascadeWorker({
      connection,
      namespace: options.namespace,
      config,
      tuning,
      dataConverter: cascadeDataConverter(codecKeys),
      batchSources,
      telemetry: { metrics, logger, ...(tracing ? { tracing } : {}) },
      ...(demo ? { providers: createProviderRegistry(config, demo.env) } : {}),
      ...(options.bundle ? { workflows: { workflowBundle: { codePath: options.bundle } } } : {}),
    });
    logger.info(
      {
        address: options.address,
        metrics: metricsServer.url,
        namespace: options.namespace,
        taskQueue: config.taskQueue,
        configHash: configHash(config),
        // The key id only: which key encrypts, never the key.
        batchDirs: batchSources.directories,
        batchUrlPrefixes: batchSources.urlPrefixes,
        encryption: codecKeys.length > 0 ? `AES-256-GCM, key id ${codecKeys[0]!.id}` : 'off',
        activitySlots: tuning.maxConcurrentActivityTaskExecutions,
        workflowSlots: tuning.maxConcurrentWorkflowTaskExecutions,
        workflowThreads: tuning.workflowThreadPoolSize,
        cachedWorkflows: tuning.maxCachedWorkflows,
        shutdownGraceMs: tuning.shutdownGraceTime,
      },
      'worker polling',
    );
    // Worker.run() returns once SIGINT or SIGTERM has drained in-flight tasks (the SDK installs those handlers).
    await worker.run();
  } finally {
    await metricsServer.close();
    await connection.close();
    await demo?.stop();
    await tracing?.shutdown();
  }
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof MissingApiKeyError ||
    error instanceof TemporalUnreachableError ||
    error instanceof SearchAttributesMissingError ||
    error instanceof NamespaceNotFoundError
  ) {
    console.error(`error: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
