/**
 * A standalone worker process: `tsx worker/main.ts [--config file]`, against `TEMPORAL_ADDRESS`
 * (default 127.0.0.1:7233). `npm start` runs a worker in its own process instead; this entry point
 * is for scaling workers out, and for tests that kill a worker and start another.
 */
import { Command } from 'commander';
import { ConfigError } from '../core/config';
import { configHash } from '../core/config-hash';
import { configPathFrom, loadConfig } from '../lib/load-config';
import { createLogger } from '../lib/logger';
import { TemporalUnreachableError } from '../lib/temporal-connection';
import { connectWorker } from './connect-worker';
import { MissingApiKeyError } from '../providers/provider-registry';
import { installTemporalLogging } from './install-temporal-logging';
import { createCascadeWorker } from './create-worker';

async function main(): Promise<void> {
  const options = new Command('worker')
    .description('Run an llm-cascade worker against a Temporal server')
    .option('-c, --config <file>', 'config file (default: LLM_CASCADE_CONFIG or configs/example.yaml)')
    .option('--address <host:port>', 'Temporal address', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--namespace <name>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default')
    .option('--bundle <file>', 'prebuilt workflow bundle (skips bundling at startup)')
    .parse()
    .opts<{ config?: string; address: string; namespace: string; bundle?: string }>();

  const logger = createLogger('worker');
  installTemporalLogging(logger);
  const config = await loadConfig(configPathFrom(options.config));
  const connection = await connectWorker(options.address);
  try {
    const worker = await createCascadeWorker({
      connection,
      namespace: options.namespace,
      config,
      ...(options.bundle ? { workflows: { workflowBundle: { codePath: options.bundle } } } : {}),
    });
    logger.info(
      { address: options.address, taskQueue: config.taskQueue, configHash: configHash(config) },
      'worker polling',
    );
    // Worker.run() returns once SIGINT or SIGTERM has drained in-flight tasks (the SDK installs those handlers).
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof MissingApiKeyError ||
    error instanceof TemporalUnreachableError
  ) {
    console.error(`error: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
