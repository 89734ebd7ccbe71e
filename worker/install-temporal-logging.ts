import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { type Logger } from 'pino';

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
}

/**
 * Sends the Temporal SDK's logs (worker, workflow and activity loggers) through the process's pino
 * logger, so a process writes one log format. Must run before any connection or worker exists.
 */
export function installTemporalLogging(logger: Logger, options: TemporalLoggingOptions = {}): void {
  const level = options.level ?? 'INFO';
  Runtime.install({
    ...(options.handleSignals === false ? { shutdownSignals: [] } : {}),
    logger: new DefaultLogger(level, (entry) => {
      logger[PINO_LEVELS[entry.level]]({ ...entry.meta, source: 'temporal' }, entry.message);
    }),
  });
}
