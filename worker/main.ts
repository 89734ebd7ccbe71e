/**
 * A standalone worker process: `npm run worker [-- --config file]`, against `TEMPORAL_ADDRESS`
 * (default 127.0.0.1:7233). `npm start` runs a worker inside its all-in-one process instead; this
 * entry point is for scaling workers out (as many as the load needs, beside `npm run api`), and for
 * tests that kill a worker and start another. Tuning comes from the environment
 * (`LLM_CASCADE_WORKER_*`, see worker-tuning.ts); SIGTERM drains: polling stops, model calls in
 * flight finish (up to the shutdown grace), then the process exits.
 */
import { Command } from 'commander';
import { ConfigError } from '../core/config';
import { configPathFrom, loadConfig } from '../lib/load-config';
import { createLogger } from '../lib/logger';
import { TemporalUnreachableError } from '../lib/temporal-connection';
import { connectWorker } from './connect-worker';
import { createProviderRegistry, MissingApiKeyError } from '../providers/provider-registry';
import { startDemoProviders } from '../lib/demo-mode';
import { installTemporalLogging } from './install-temporal-logging';
import { createCascadeWorker } from './create-worker';
import { workerTuningFromEnv } from './worker-tuning';
import { CascadeMetrics } from '../telemetry/cascade-metrics';
import { metricsAddressFromEnv, startMetricsServer, type MetricsServer } from '../telemetry/metrics-server';
import { sdkMetricsSource } from '../telemetry/sdk-metrics';
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
  let config = await loadConfig(configPathFrom(options.config));
  const tuning = workerTuningFromEnv(config);
  // Only when asked for: a production worker whose keys are missing must fail, not answer from a simulator.
  const demo = process.env.LLM_CASCADE_DEMO === '1' ? await startDemoProviders(config) : undefined;
  if (demo) {
    config = demo.config;
    logger.warn(`DEMO MODE (LLM_CASCADE_DEMO=1): answers come from simulated providers (${demo.describe()})`);
  }
  const connection = await connectWorker(options.address);
  let metricsServer: MetricsServer | undefined;
  try {
    // Every cascade records these; without them each workflow task would fail, so refuse to start.
    await requireSearchAttributes(connection, options.namespace);
    const worker = await createCascadeWorker({
      connection,
      namespace: options.namespace,
      config,
      tuning,
      telemetry: { metrics, logger },
      ...(demo ? { providers: createProviderRegistry(config, demo.env) } : {}),
      ...(options.bundle ? { workflows: { workflowBundle: { codePath: options.bundle } } } : {}),
    });
    metricsServer = await startMetricsServer({ metrics, sdk: sdkMetrics, ...metricsAddress });
    logger.info(
      {
        address: options.address,
        metrics: metricsServer.url,
        namespace: options.namespace,
        taskQueue: config.taskQueue,
        activitySlots: tuning.maxConcurrentActivityTaskExecutions,
        workflowSlots: tuning.maxConcurrentWorkflowTaskExecutions,
        cachedWorkflows: tuning.maxCachedWorkflows,
        shutdownGraceMs: tuning.shutdownGraceTime,
      },
      'worker polling',
    );
    // Worker.run() returns once SIGINT or SIGTERM has drained in-flight tasks (the SDK installs those handlers).
    await worker.run();
  } finally {
    await metricsServer?.close();
    await connection.close();
    await demo?.stop();
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
