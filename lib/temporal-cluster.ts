/**
 * A production-shaped Temporal on this machine, without containers: the full server (frontend,
 * history, matching and worker services in one process) on PostgreSQL for both persistence and
 * visibility, with the schema set up by Temporal's own SQL tool and a namespace with a real
 * retention (`cascade setup` then registers the search attributes, as on any external server).
 * `npm run topology` and the production-topology test run on it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { freePort } from './dev-server';
import { PROJECT_ROOT } from './project-root';
import { renderDynamicConfigFile } from './server-dynamic-config';
import { type PostgresServer } from './postgres';
import { startTiedProcess, waitForProcess, type TiedProcess } from './tied-process';
import { type TemporalServerInstall } from './temporal-server';

const execFileAsync = promisify(execFile);

/**
 * How long Temporal keeps a closed cascade: `cascade report --since 30d` reads cascades started up
 * to 30 days ago, which closed at most a moment later, so a day more than that. docker-compose.yml
 * creates its namespace with the same retention.
 */
export const NAMESPACE_RETENTION_DAYS = 31;
/** The same as the Temporal CLI's `--retention` (hours: the CLI's durations have no day unit). */
export const NAMESPACE_RETENTION = `${NAMESPACE_RETENTION_DAYS * 24}h`;

const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
type ServicePorts = Record<(typeof SERVICES)[number], { grpcPort: number; membershipPort: number }>;

/** The scripts docker-compose.yml runs in `temporalio/admin-tools`; run here too, so both set up alike. */
const SETUP_SCRIPTS = path.join(PROJECT_ROOT, 'deploy', 'temporal');

export class TemporalClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalClusterError';
  }
}

async function runSetupScript(script: string, env: NodeJS.ProcessEnv, toolDirs: string[]): Promise<void> {
  try {
    await execFileAsync('sh', [path.join(SETUP_SCRIPTS, script)], {
      env: { ...process.env, ...env, PATH: [...toolDirs, process.env.PATH ?? ''].join(path.delimiter) },
      timeout: 180_000,
    });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    const output = `${stdout ?? ''}${stderr ?? ''}`.trim() || message;
    throw new TemporalClusterError(`deploy/temporal/${script} failed:\n${output.slice(-2000)}`);
  }
}

/**
 * Creates both databases and brings their schemas to the versions this server expects with
 * Temporal's SQL tool: `deploy/temporal/setup-postgres.sh`, the script docker-compose.yml runs.
 * Idempotent. The password goes through the tool's environment, never a command line `ps` shows.
 */
export async function setupTemporalSchema(install: TemporalServerInstall, postgres: PostgresServer): Promise<void> {
  await runSetupScript(
    'setup-postgres.sh',
    {
      POSTGRES_SEEDS: postgres.host,
      DB_PORT: String(postgres.port),
      POSTGRES_USER: postgres.user,
      SQL_PASSWORD: postgres.password,
    },
    [path.dirname(install.sqlToolPath)],
  );
}

/**
 * Checks a dynamic config file with the server's own validator (`temporal-server
 * validate-dynamic-config`), which reports an unknown key or a value of the wrong type as a
 * warning and exits 0; the server itself would start and quietly use its default. Here either is an
 * error, at startup, naming the key.
 */
export async function validateDynamicConfig(install: TemporalServerInstall, file: string): Promise<void> {
  const { stdout, stderr } = await execFileAsync(install.serverPath, ['validate-dynamic-config', file]);
  const problems = `${stdout}\n${stderr}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('warning:') || line.startsWith('error:'));
  if (problems.length > 0)
    throw new TemporalClusterError(`dynamic config ${file} is not valid for this server:\n  ${problems.join('\n  ')}`);
}

export interface ServerConfigOptions {
  postgres: Pick<PostgresServer, 'host' | 'port' | 'user' | 'password'>;
  ports: ServicePorts;
  /** `host:port` for the server's own Prometheus metrics. */
  metricsAddress: string;
  /** The dynamic config file (`renderDynamicConfigFile()`, written beside the config). */
  dynamicConfigFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * The server's config: every service on loopback on its own ports, persistence and visibility on
 * PostgreSQL through the `postgres12` plugin, no archival, Prometheus metrics. The same fields the
 * `temporalio/server` image renders from its environment (DB=postgres12, POSTGRES_SEEDS, ...).
 */
export function renderServerConfig(options: ServerConfigOptions): Record<string, unknown> {
  const { postgres, ports } = options;
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const frontend = `127.0.0.1:${ports.frontend.grpcPort}`;
  return {
    log: { stdout: true, level: options.logLevel ?? 'warn' },
    persistence: {
      numHistoryShards: 4,
      defaultStore: 'default',
      visibilityStore: 'visibility',
      datastores: { default: sql('temporal', 20), visibility: sql('temporal_visibility', 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { timerType: 'histogram', listenAddress: options.metricsAddress } },
    },
    services: Object.fromEntries(
      SERVICES.map((service) => [service, { rpc: { ...ports[service], bindOnIP: '127.0.0.1' } }]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '60s' },
  };
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports below 32768: the server stores its membership ports in a PostgreSQL `smallint`
 * column. Drawn from 20000-32767, apart from `freePort`'s 10000-19999 and below the kernel's
 * ephemeral ports (32768 and up).
 */
async function distinctFreeLowPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count; attempt++) {
    if (attempt > 10_000) throw new TemporalClusterError(`found only ${ports.size} free ports below 32768`);
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (!ports.has(port) && (await isFree(port))) ports.add(port);
  }
  return [...ports];
}

export interface TemporalCluster {
  /** The frontend's gRPC address. */
  address: string;
  namespace: string;
  /** The server's Prometheus endpoint. */
  metricsUrl: string;
  /** Where its config and log (`temporal-server.log`) are. */
  dir: string;
  /** Milliseconds from spawning the server to its frontend answering, at the last start. */
  lastStartMs: number;
  /** SIGTERM (graceful), SIGKILL after a grace period; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same config, ports and database. */
  start(): Promise<void>;
  /** Stops it and removes `dir`. */
  close(): Promise<void>;
}

export interface StartTemporalClusterOptions {
  install: TemporalServerInstall;
  /** The Temporal CLI (`ensureTemporalCli`), which creates the namespace. */
  cliPath: string;
  postgres: PostgresServer;
  namespace?: string;
  startTimeoutMs?: number;
}

/**
 * Sets up the schema, writes the config, starts the server and registers the namespace with
 * `NAMESPACE_RETENTION_DAYS` of retention. The process is tied to this one (see `spawnTied`).
 */
export async function startTemporalCluster(options: StartTemporalClusterOptions): Promise<TemporalCluster> {
  const namespace = options.namespace ?? 'default';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-temporal-server-'));
  let server: TiedProcess | undefined;
  try {
    await setupTemporalSchema(options.install, options.postgres);
    const metricsPort = await freePort();
    const servicePorts = await distinctFreeLowPorts(SERVICES.length * 2);
    const ports = Object.fromEntries(
      SERVICES.map((service, i) => [
        service,
        { grpcPort: servicePorts[2 * i]!, membershipPort: servicePorts[2 * i + 1]! },
      ]),
    ) as ServicePorts;
    const configDir = path.join(dir, 'config');
    await mkdir(configDir);
    const dynamicConfigFile = path.join(configDir, 'dynamicconfig.yaml');
    await writeFile(dynamicConfigFile, renderDynamicConfigFile());
    await validateDynamicConfig(options.install, dynamicConfigFile);
    const config = renderServerConfig({
      postgres: options.postgres,
      ports,
      metricsAddress: `127.0.0.1:${metricsPort}`,
      dynamicConfigFile,
    });
    // The server reads <config dir>/<env>.yaml; `production` names the file, nothing else.
    await writeFile(path.join(configDir, 'production.yaml'), stringify(config), { mode: 0o600 });

    const address = `127.0.0.1:${ports.frontend.grpcPort}`;
    const cluster: TemporalCluster = {
      address,
      namespace,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      dir,
      lastStartMs: 0,
      async start() {
        if (server && !server.hasExited()) return;
        const started = Date.now();
        server = startTiedProcess(options.install.serverPath, {
          args: ['--root', dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'],
          logFile: path.join(dir, 'temporal-server.log'),
        });
        await waitForProcess(
          server,
          'the Temporal server',
          () => frontendAnswers(address, namespace),
          options.startTimeoutMs ?? 120_000,
        );
        cluster.lastStartMs = Date.now() - started;
      },
      async stop() {
        await server?.stop({ signal: 'SIGTERM', graceMs: 30_000 });
      },
      async close() {
        await cluster.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    await cluster.start();
    await registerNamespace(address, namespace, options.cliPath);
    return cluster;
  } catch (error) {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The frontend answers a namespace call (before the namespace exists: the system namespace). */
async function frontendAnswers(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace }).catch(async (error: Error) => {
      if (!/not found/i.test(error.message)) throw error;
      await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
    });
    return true;
  } finally {
    await connection.close();
  }
}

/**
 * Creates the namespace with `NAMESPACE_RETENTION_DAYS` of retention, or sets that retention on an
 * existing one: `deploy/temporal/create-namespace.sh` with the Temporal CLI, as docker-compose.yml does.
 */
async function registerNamespace(address: string, namespace: string, cliPath: string): Promise<void> {
  await runSetupScript(
    'create-namespace.sh',
    { TEMPORAL_ADDRESS: address, NAMESPACE: namespace, NAMESPACE_RETENTION: NAMESPACE_RETENTION },
    [path.dirname(cliPath)],
  );
}
