import { CommanderError } from 'commander';
import { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from '../client/errors';
import { ConfigError } from '../core/config';
import { RequestValidationError } from '../core/request';
import { isTemporalUnavailable } from '../lib/temporal-unavailable';
import { CliError, EXIT_CODES, type ExitCode } from './exit-codes';

/** The exit code and the one-line (or, for validation problems, one-line-per-problem) message for an error. */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof RequestValidationError) {
    return {
      exitCode: EXIT_CODES.usage,
      message: `invalid request:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`,
    };
  }
  if (error instanceof ConfigError) return { exitCode: EXIT_CODES.usage, message: error.message };
  if (error instanceof IdempotencyConflictError) return { exitCode: EXIT_CODES.usage, message: error.message };
  if (error instanceof CommanderError)
    return { exitCode: EXIT_CODES.usage, message: error.message.replace(/^error: /, '') };
  if (isTemporalUnavailable(error)) {
    const message =
      (error as Error).name === 'TemporalUnreachableError'
        ? (error as Error).message
        : `Temporal stopped answering: ${firstLine(error)}`;
    return { exitCode: EXIT_CODES.temporalUnreachable, message };
  }
  // Setup problems whose message lists what to do on several lines (matched by name: their module loads the Temporal SDK).
  if (
    error instanceof Error &&
    (error.name === 'SearchAttributesMissingError' || error.name === 'NamespaceNotFoundError')
  )
    return { exitCode: EXIT_CODES.failure, message: error.message };
  if (error instanceof CascadeNotFoundError || error instanceof CascadeFailedError)
    return { exitCode: EXIT_CODES.failure, message: error.message };
  return { exitCode: EXIT_CODES.failure, message: firstLine(error) };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
