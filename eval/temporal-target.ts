import { Client, type Connection } from '@temporalio/client';
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { DefaultLogger, Runtime, type LogLevel, type NativeConnection } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../lib/dev-server';
import { registerSearchAttributes } from '../lib/register-search-attributes';
import { connectClient } from '../lib/temporal-connection';
import { connectWorker } from '../worker/connect-worker';
import { ensureTemporalCli } from '../lib/temporal-cli';

/** A Temporal server to run workflows on, with the connections a worker and a client need. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** `true` when this process started the server (an in-memory dev server that dies with `close`). */
  embedded: boolean;
  client: Client;
  nativeConnection: NativeConnection;
  /** Closes the connections, then stops the embedded server if there is one. */
  close(): Promise<void>;
}

export interface OpenTemporalTargetOptions {
  /** An existing server; when omitted, an in-memory dev server is started (the CLI is found or built first). */
  address?: string;
  namespace?: string;
  /** Progress lines (finding the CLI, starting the server). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Connects to `address`, or starts an embedded, in-memory, headless dev server when none is given.
 * Either way the project's search attributes are registered, since the workflow upserts them.
 */
export async function openTemporalTarget(options: OpenTemporalTargetOptions = {}): Promise<TemporalTarget> {
  const namespace = options.namespace ?? 'default';
  let devServer: DevServer | undefined;
  let address = options.address;
  if (!address) {
    const cli = await ensureTemporalCli({
      ...(options.log ? { log: options.log } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    options.log?.(`starting an in-memory Temporal dev server (CLI from ${cli.source})`);
    devServer = await startDevServer({ cliPath: cli.path, uiPort: false, namespace });
    address = devServer.address;
  }
  let connection: Connection | undefined;
  let nativeConnection: NativeConnection | undefined;
  try {
    connection = await connectClient(address);
    await registerSearchAttributes(connection, namespace);
    nativeConnection = await connectWorker(address);
  } catch (error) {
    await connection?.close();
    await devServer?.stop();
    throw error;
  }
  const client = new Client({ connection, namespace, dataConverter: cascadeDataConverter() });
  const openConnection = connection;
  const openNative = nativeConnection;
  return {
    address,
    namespace,
    embedded: devServer !== undefined,
    client,
    nativeConnection: openNative,
    async close() {
      await openNative.close().catch(() => {});
      await openConnection.close().catch(() => {});
      await devServer?.stop();
    },
  };
}

/**
 * Installs the Temporal runtime with a quiet logger (warnings and errors, the native core's too, to `sink`) and without
 * its SIGINT/SIGTERM handlers, so Ctrl-C ends a batch tool at once instead of draining workers
 * while clients wait forever. Returns `false`, changing nothing, when this process already
 * installed or used a runtime: the first installer's logging stays.
 */
export function installQuietTemporalRuntime(sink: (line: string) => void, level: LogLevel = 'WARN'): boolean {
  try {
    Runtime.install({
      shutdownSignals: [],
      logger: new DefaultLogger(level, (entry) => sink(`temporal ${entry.level.toLowerCase()}: ${entry.message}`)),
      // The native core prints its own warnings straight to the console unless they are forwarded.
      telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
    });
    return true;
  } catch {
    return false;
  }
}
