import { NativeConnection } from '@temporalio/worker';
import { TemporalUnreachableError } from '../lib/temporal-connection';

/**
 * The worker's native connection, failing with the same readable error as clients. Kept apart from
 * lib/temporal-connection.ts so client-only processes never load the worker's native bridge.
 */
export async function connectWorker(address: string, hint?: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (error) {
    throw new TemporalUnreachableError(address, error, hint);
  }
}
