import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../core/search-attributes';
import { spawnTied, type Lifeline } from './child-lifeline';
import { portHolder } from './port-holder';
import { devServerDynamicConfigArgs } from './server-dynamic-config';

export interface DevServerOptions {
  /** Path to the Temporal CLI (see `ensureTemporalCli`). */
  cliPath: string;
  /** SQLite file for persistence; in memory when omitted (state dies with the process). */
  dbFile?: string;
  ip?: string;
  /** gRPC port; a free one when 0 or omitted. */
  port?: number;
  /** Web UI port; `false` runs headless; a free one when 0. */
  uiPort?: number | false;
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`), when payloads are encrypted. */
  uiCodecEndpoint?: string;
  /** Port of the server's own Prometheus `/metrics`; the CLI picks a random one when omitted (unknown here). */
  metricsPort?: number;
  namespace?: string;
  /** How long to wait for the server to answer. A cold start with a large database takes a while. */
  startTimeoutMs?: number;
  /** Receives the server's own log lines (warnings and errors only). */
  onLog?: (line: string) => void;
  /** Called as soon as the process exists, before it answers (e.g. to record its pid); a throw stops it. */
  onSpawn?: (spawned: SpawnedDevServer) => void | Promise<void>;
  /** Force a lifeline (tests); see `spawnTied`. */
  lifeline?: Lifeline;
}

/** A dev server process that has just been started. */
export interface SpawnedDevServer {
  /** The server's pid; with the `watcher` lifeline, the watcher's, whose command line holds the server's. */
  pid: number;
  lifeline: Lifeline;
  ip: string;
  port: number;
  uiPort?: number;
}

export interface DevServer {
  /** gRPC address, e.g. `127.0.0.1:7233`. */
  address: string;
  uiUrl?: string;
  /** The server's own Prometheus metrics, when `metricsPort` was given. */
  metricsUrl?: string;
  namespace: string;
  /** See `SpawnedDevServer.pid`. */
  pid: number;
  lifeline: Lifeline;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Ports this process handed out already: two callers in one process never get the same one. */
const handedOut = new Set<number>();

/**
 * A port nothing listens on right now, drawn at random from 10000-19999. Not from the kernel
 * (`listen(0)`): those come from the ephemeral range (32768 and up), which every outgoing
 * connection on the machine draws from too, so a port closed here could be taken by someone's
 * connect() before our server binds it (seen in CI as EADDRINUSE under parallel test files). Below
 * the ephemeral range only an explicit bind can take it, and the production topology's own ports
 * come from 20000-32767 (`lib/temporal-cluster.ts`).
 */
export async function freePort(ip = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 10_000);
    if (handedOut.has(port) || !(await portIsFree(port, ip))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found in ${ip}:10000-19999 after 1,000 tries`);
}

async function portIsFree(port: number, ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, ip, () => server.close(() => resolve(true)));
  });
}

/**
 * Refuses a port something listens on, naming the process that holds it when it can be found: its pid
 * and program name (not its arguments, which may hold anything).
 */
async function assertPortFree(name: string, port: number, ip: string): Promise<void> {
  if (await portIsFree(port, ip)) return;
  const holder = await portHolder(port);
  const program = path.basename(holder?.commandLine.split(' ')[0] ?? '');
  const by = holder ? ` by pid ${holder.pid}${program ? ` (${program})` : ''}` : '';
  throw new DevServerError(
    `the Temporal ${name} port ${ip}:${port} is already in use${by}; is another Temporal server or npm start running? Stop it or choose another port`,
  );
}

/** Thrown when the dev server could not start; carries the tail of its output. */
export class DevServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevServerError';
  }
}

/**
 * Starts `temporal server start-dev` as a child process with the project's search attributes and
 * waits until it answers. The child dies with this process however it ends, SIGKILL included (see
 * `spawnTied`), and on stop().
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port || (await freePort(ip));
  const uiPort = options.uiPort === false ? undefined : options.uiPort || (await freePort(ip));
  await assertPortFree('gRPC', port, ip);
  if (uiPort !== undefined) await assertPortFree('Web UI', uiPort, ip);
  if (options.dbFile) await mkdir(path.dirname(options.dbFile), { recursive: true });

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...devServerDynamicConfigArgs(),
  ];
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (uiPort !== undefined && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS))
    args.push('--search-attribute', `${name}=${type}`);

  const tied = spawnTied(options.cliPath, args, { ...(options.lifeline ? { lifeline: options.lifeline } : {}) });
  const child = tied.process;
  let output = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    for (const line of text.split('\n')) if (line.trim()) options.onLog?.(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new DevServerError(`cannot run ${options.cliPath}: ${error.message}`))),
  );

  const address = `${ip}:${port}`;
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    tied.kill('SIGTERM');
    const timer = setTimeout(() => tied.kill('SIGKILL'), 10_000);
    await exitPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    if (child.pid === undefined) await spawnError;
    const spawned = { pid: child.pid!, lifeline: tied.lifeline, ip, port, ...(uiPort !== undefined ? { uiPort } : {}) };
    await Promise.race([spawnError, options.onSpawn?.(spawned)]);
    await Promise.race([spawnError, waitUntilServing(address, namespace, deadline, () => exited)]);
  } catch (error) {
    await stop();
    const tail = output.trim().split('\n').slice(-15).join('\n');
    throw new DevServerError(`${(error as Error).message}${tail ? `\n--- temporal output ---\n${tail}` : ''}`);
  }
  return {
    address,
    namespace,
    pid: child.pid!,
    lifeline: tied.lifeline,
    stop,
    ...(uiPort !== undefined ? { uiUrl: `http://${ip}:${uiPort}` } : {}),
    ...(options.metricsPort !== undefined ? { metricsUrl: `http://${ip}:${options.metricsPort}/metrics` } : {}),
  };
}

async function waitUntilServing(
  address: string,
  namespace: string,
  deadline: number,
  exited: () => unknown,
): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited()) throw new DevServerError(`the Temporal dev server exited during startup`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new DevServerError(
    `the Temporal dev server did not answer at ${address} in time (${(lastError as Error)?.message ?? 'no answer'})`,
  );
}
