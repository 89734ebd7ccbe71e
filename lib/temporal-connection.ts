import { Connection } from '@temporalio/client';

/** Temporal could not be reached: the message names the address and what to check. */
export class TemporalUnreachableError extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
    hint = 'Is the server running? Check TEMPORAL_ADDRESS.',
  ) {
    super(`cannot reach Temporal at ${address} (${firstLine(cause)}). ${hint}`);
    this.name = 'TemporalUnreachableError';
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
}

/**
 * A client connection that fails fast, with a readable error, when nothing answers at `address`.
 * `hint` says what the caller's user can do about it.
 */
export async function connectClient(
  address: string,
  options: { timeoutMs?: number; hint?: string } = {},
): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: options.timeoutMs ?? 10_000 });
  } catch (error) {
    throw new TemporalUnreachableError(address, error, options.hint);
  }
}
