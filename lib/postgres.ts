import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, constants, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { aptInstall } from './debian-tool';
import { freePort } from './dev-server';
import { startTiedProcess, waitForProcess, type TiedProcess } from './tied-process';

const execFileAsync = promisify(execFile);

/** Debian keeps each major version's server binaries here (`postgresql-15` on bookworm). */
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
/** PostgreSQL refuses to run as root; as root we run it as the user Debian's package creates. */
const POSTGRES_OS_USER = 'postgres';

export class PostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresError';
  }
}

export interface PostgresInstall {
  /** The folder with `postgres`, `initdb` and `pg_isready`. */
  binDir: string;
  /** The major version, e.g. 15. */
  version: number;
  source: 'installed' | 'apt-get';
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The newest PostgreSQL server under Debian's layout, if any. */
async function findPostgres(): Promise<Omit<PostgresInstall, 'source'> | undefined> {
  const versions = await readdir(DEBIAN_POSTGRES_ROOT).catch(() => [] as string[]);
  for (const version of versions
    .map(Number)
    .filter(Number.isInteger)
    .sort((a, b) => b - a)) {
    const binDir = path.join(DEBIAN_POSTGRES_ROOT, String(version), 'bin');
    const tools = ['postgres', 'initdb', 'pg_isready'].map((tool) => path.join(binDir, tool));
    if ((await Promise.all(tools.map(isExecutable))).every(Boolean)) return { binDir, version };
  }
  return undefined;
}

/**
 * Finds PostgreSQL's server binaries, installing Debian's `postgresql` package with apt-get when
 * they are missing and this process may (root). Otherwise fails saying how to install it.
 */
export async function ensurePostgres(options: { log?: (line: string) => void } = {}): Promise<PostgresInstall> {
  const log = options.log ?? (() => {});
  const found = await findPostgres();
  if (found) return { ...found, source: 'installed' };
  try {
    await aptInstall('postgresql', `PostgreSQL is not installed (no server under ${DEBIAN_POSTGRES_ROOT})`, log);
  } catch (error) {
    throw new PostgresError((error as Error).message);
  }
  const installed = await findPostgres();
  if (!installed) throw new PostgresError(`apt-get installed postgresql, but ${DEBIAN_POSTGRES_ROOT} has no server`);
  return { ...installed, source: 'apt-get' };
}

export interface PostgresServer {
  host: string;
  port: number;
  /** A superuser with a password, as the Temporal schema tool and server log in. */
  user: string;
  password: string;
  /** The cluster's own temp folder: data, socket, logs (`postgres.log`). Removed by `stop`. */
  dir: string;
  process: TiedProcess;
  /** Fast shutdown (SIGINT: active sessions are disconnected), waits for the exit, removes `dir`. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  install: PostgresInstall;
  user?: string;
  port?: number;
  startTimeoutMs?: number;
}

/**
 * A throwaway PostgreSQL cluster: `initdb` in a temp folder of its own, then `postgres` in the foreground on a free
 * loopback port, password authentication only (SCRAM), tied to this process. As root, both run as
 * the `postgres` user, which then owns that folder (so it is made directly under the temp dir,
 * not inside a folder only root may enter).
 */
export async function startPostgres(options: StartPostgresOptions): Promise<PostgresServer> {
  const { binDir } = options.install;
  const user = options.user ?? 'temporal';
  const password = randomBytes(12).toString('hex');
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const runAs = process.getuid?.() === 0 ? POSTGRES_OS_USER : undefined;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-postgres-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    return await initAndStart({
      binDir,
      dir,
      user,
      password,
      host,
      port,
      runAs,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      remove,
    });
  } catch (error) {
    await remove();
    throw error;
  }
}

async function initAndStart(o: {
  binDir: string;
  dir: string;
  user: string;
  password: string;
  host: string;
  port: number;
  runAs: string | undefined;
  startTimeoutMs: number;
  remove: () => Promise<void>;
}): Promise<PostgresServer> {
  const { binDir, dir, user, password, host, port, runAs } = o;
  const dataDir = path.join(dir, 'data');
  const passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  let osUser: { name: string; uid: number; gid: number } | undefined;
  if (runAs) {
    const { stdout: uid } = await execFileAsync('id', ['-u', runAs]).catch(() => {
      throw new PostgresError(`running as root, but there is no "${runAs}" user to run PostgreSQL as`);
    });
    const { stdout: gid } = await execFileAsync('id', ['-g', runAs]);
    osUser = { name: runAs, uid: Number(uid), gid: Number(gid) };
    await chown(dir, osUser.uid, osUser.gid);
    await chown(passwordFile, osUser.uid, osUser.gid);
  }
  await chmod(dir, 0o700);

  const initdb = startTiedProcess(path.join(binDir, 'initdb'), {
    args: [
      '--pgdata',
      dataDir,
      '--username',
      user,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
    ],
    cwd: os.tmpdir(),
    ...(osUser ? { user: osUser } : {}),
    logFile: path.join(dir, 'initdb.log'),
  });
  const { code } = await initdb.exited;
  if (code !== 0) throw new PostgresError(`initdb failed (exit ${code}):\n${initdb.outputTail().trim()}`);

  const server = startTiedProcess(path.join(binDir, 'postgres'), {
    args: [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${host}`,
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'max_connections=200',
    ],
    cwd: os.tmpdir(),
    ...(osUser ? { user: osUser } : {}),
    logFile: path.join(dir, 'postgres.log'),
  });
  const isReady = () =>
    execFileAsync(path.join(binDir, 'pg_isready'), ['-h', host, '-p', String(port), '-t', '2']).then(
      () => true,
      () => false,
    );
  try {
    await waitForProcess(server, 'PostgreSQL', isReady, o.startTimeoutMs);
  } catch (error) {
    await server.stop();
    throw new PostgresError((error as Error).message);
  }
  return {
    host,
    port,
    user,
    password,
    dir,
    process: server,
    async stop() {
      await server.stop({ signal: 'SIGINT', graceMs: 15_000 });
      await o.remove();
    },
  };
}
