/**
 * The errors `CascadeClient` throws, besides `RequestValidationError` (core/request.ts) for bad input
 * and `TemporalUnreachableError` (lib/temporal-connection.ts) when no server answers.
 */
import { redactSecrets } from '../core/redact-secrets';

/** No cascade has this id. */
export class CascadeNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no cascade with id "${id}"`);
    this.name = 'CascadeNotFoundError';
  }
}

/** The id is taken by a cascade started with a different request: an idempotency key reused for new work. */
export class IdempotencyConflictError extends Error {
  constructor(readonly id: string) {
    super(`id "${id}" was already used for a different request; use a new id for new work`);
    this.name = 'IdempotencyConflictError';
  }
}

/** The cascade ended without a result: cancelled, terminated, timed out, or failed in the engine. */
export class CascadeFailedError extends Error {
  constructor(
    readonly id: string,
    readonly status: string,
    detail: string,
  ) {
    // The detail comes from the workflow's failure: redacted in case it quotes a provider (histories
    // recorded before provider messages were kept out of failures do).
    super(`cascade "${id}" ended ${status.toLowerCase()}: ${redactSecrets(detail)}`);
    this.name = 'CascadeFailedError';
  }
}
