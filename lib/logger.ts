import pino, { type Logger } from 'pino';

/**
 * The process logger: JSON lines for machines, pretty lines when a person is watching a terminal.
 * `LOG_LEVEL` sets the level. Prompts, answers and API keys are never logged, only labels and numbers.
 */
export function createLogger(name: string, env: NodeJS.ProcessEnv = process.env): Logger {
  const level = env.LOG_LEVEL ?? 'info';
  const pretty = process.stdout.isTTY && env.LOG_FORMAT !== 'json';
  return pino({
    name,
    level,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' },
          },
        }
      : {}),
  });
}
