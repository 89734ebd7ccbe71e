import { Client } from '@temporalio/client';
import { connectClient } from './temporal-connection';

/** A Temporal client with the connection it owns; `close` releases both. */
export interface OwnedClient {
  client: Client;
  close(): Promise<void>;
}

/**
 * Connects a client for commands that need the raw Temporal client (batches, reports), failing fast
 * with `TemporalUnreachableError` when nothing answers at `address`.
 */
export async function openTemporalClient(options: { address: string; namespace: string; timeoutMs?: number }): Promise<OwnedClient> {
  const connection = await connectClient(options.address, { timeoutMs: options.timeoutMs ?? 5_000 });
  return { client: new Client({ connection, namespace: options.namespace }), close: () => connection.close() };
}
