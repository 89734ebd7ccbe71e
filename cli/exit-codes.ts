import { CommanderError } from 'commander';
import { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from '../client/errors';
import { ConfigError } from '../core/config';
import { RequestValidationError } from '../core/request';
import { isTemporalUnavailable } from '../lib/temporal-unavailable';

/**
 * The `cascade` CLI's exit codes, for scripts:
 * - 0 `ok`: done; for `run` and `status --wait`, the cascade's answer was accepted.
 * - 1 `failure`: the command could not do its job: no such cascade, the cascade was cancelled or
 *   failed in the engine, or an unexpected error.
 * - 2 `usage`: bad arguments or input: unknown option, invalid request (each field named), invalid
 *   config, an id already used for a different request, an invalid line in a classify file.
 * - 3 `temporalUnreachable`: no Temporal server answered at the address.
 * - 4 `notAccepted`: the cascade finished, but its answer was not accepted (outcome `exhausted`,
 *   `over_budget` or `failed`); the answer, if any, is printed and must not be trusted as is.
 */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  temporalUnreachable: 3,
  notAccepted: 4,
} as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** An error the CLI reports as one line and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code and the one-line (or, for validation problems, one-line-per-problem) message for an error. */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof RequestValidationError) {
    return { exitCode: EXIT_CODES.usage, message: `invalid request:\n${error.problems.map((p) => `  - ${p}`).join('\n')}` };
  }
  if (error instanceof ConfigError) return { exitCode: EXIT_CODES.usage, message: error.message };
  if (error instanceof IdempotencyConflictError) return { exitCode: EXIT_CODES.usage, message: error.message };
  if (error instanceof CommanderError) return { exitCode: EXIT_CODES.usage, message: error.message.replace(/^error: /, '') };
  if (isTemporalUnavailable(error)) {
    const message = (error as Error).name === 'TemporalUnreachableError' ? (error as Error).message : `Temporal stopped answering: ${firstLine(error)}`;
    return { exitCode: EXIT_CODES.temporalUnreachable, message };
  }
  if (error instanceof CascadeNotFoundError || error instanceof CascadeFailedError) return { exitCode: EXIT_CODES.failure, message: error.message };
  return { exitCode: EXIT_CODES.failure, message: firstLine(error) };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
