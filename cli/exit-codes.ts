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
