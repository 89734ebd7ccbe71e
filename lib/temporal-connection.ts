import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/** Temporal could not be reached: the message names the address and what to check. */
export class TemporalUnreachableError extends Error {
  constructor(readonly address: string, cause: unknown) {
    super(`cannot reach Temporal at ${address} (${firstLine(cause)}). Is the server running? Check TEMPORAL_ADDRESS, or unset it to use the embedded dev server.`);
    this.name = 'TemporalUnreachableError';
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
}

/** A client connection that fails fast, with a readable error, when nothing answers at `address`. */
export async function connectClient(address: string, timeoutMs = 10_000): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: timeoutMs });
  } catch (error) {
    throw new TemporalUnreachableError(address, error);
  }
}

/** The worker's native connection, with the same readable failure. */
export async function connectWorker(address: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (error) {
    throw new TemporalUnreachableError(address, error);
  }
}
