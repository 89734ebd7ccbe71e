import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { type Logger } from 'pino';
import { sdkMetricsTelemetry } from '../telemetry/sdk-metrics';

const PINO_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export interface TemporalLoggingOptions {
  level?: LogLevel;
  /**
   * Let the SDK stop workers on SIGINT/SIGTERM (the default). Processes that must stop several
   * things in order (API, worker, server) turn this off and handle the signals themselves.
   */
  handleSignals?: boolean;
  /**
   * Where the SDK serves its own Prometheus metrics (task latencies, slots, sticky cache, polls),
   * e.g. `127.0.0.1:9465`; off when absent. Processes re-serve them on their one metrics endpoint
   * (see telemetry/sdk-metrics.ts), so this is a loopback address.
   */
  sdkMetricsBindAddress?: string;
}

/**
 * Installs the Temporal SDK's runtime: its logs (worker, workflow and activity loggers) go through
 * the process's pino logger, so a process writes one log format, and optionally its metrics are
 * served for Prometheus. Must run once, before any connection or worker exists.
 */
export function installTemporalLogging(logger: Logger, options: TemporalLoggingOptions = {}): void {
  const level = options.level ?? 'INFO';
  Runtime.install({
    ...(options.handleSignals === false ? { shutdownSignals: [] } : {}),
    logger: new DefaultLogger(level, (entry) => {
      logger[PINO_LEVELS[entry.level]]({ ...entry.meta, source: 'temporal' }, entry.message);
    }),
    ...(options.sdkMetricsBindAddress ? { telemetryOptions: sdkMetricsTelemetry(options.sdkMetricsBindAddress) } : {}),
  });
}
