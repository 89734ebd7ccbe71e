/**
 * `npm start`'s record of the embedded Temporal dev server, kept in the data dir beside the SQLite
 * file: which process started it, the server's pid, ports and files. The server is tied to its owner's
 * life (`spawnTied`), so normally it dies with it; the record is the second line of defence, for a
 * server that survived anyway (say, an owner killed in the instant between spawning the server and
 * the kernel noting the tie). The next `npm start` on the same data dir reads it:
 *
 * - owner still running: refuse to start, naming it: two services on one SQLite file would corrupt it;
 * - owner gone, server still running on this data dir: stop the server (SIGTERM, then SIGKILL) with one
 *   line saying so. Stopped rather than reused: an orphan has no lifeline to the new process (it would
 *   outlive it in turn), its log goes nowhere, and it runs with the old ports and flags; a fresh start
 *   costs a few seconds;
 * - both gone: the record is stale and is removed.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DevServerError } from './dev-server';
import { isSameProcess, processInfo } from './process-info';

export const SERVER_RECORD_FILE = 'temporal-server.json';

const RecordedProcess = z.object({ pid: z.number().int().positive(), startTime: z.string().min(1) });

export const ServerRecord = z.object({
  /** The `npm start` process that started the server and stops it. */
  owner: RecordedProcess,
  /** The server (or the watcher that runs it, see `spawnTied`). */
  server: RecordedProcess.extend({ lifeline: z.enum(['pdeathsig', 'watcher']) }),
  ip: z.string().min(1),
  port: z.number().int().positive(),
  uiPort: z.number().int().positive().optional(),
  dataDir: z.string().min(1),
  dbFile: z.string().min(1),
  startedAt: z.iso.datetime(),
});
export type ServerRecord = z.infer<typeof ServerRecord>;

export function serverRecordPath(dataDir: string): string {
  return path.join(dataDir, SERVER_RECORD_FILE);
}

/** Writes the record whole or not at all (a crash mid-write leaves the previous file). */
export function writeServerRecord(record: ServerRecord): void {
  const file = serverRecordPath(record.dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(ServerRecord.parse(record), null, 2)}\n`);
  renameSync(temporary, file);
}

/** Builds the record for a server this process has just spawned; undefined where process start times cannot be read. */
export async function serverRecordFor(server: {
  pid: number;
  lifeline: ServerRecord['server']['lifeline'];
  ip: string;
  port: number;
  uiPort?: number;
  dataDir: string;
  dbFile: string;
}): Promise<ServerRecord | undefined> {
  const [owner, spawned] = [await processInfo(process.pid), await processInfo(server.pid)];
  if (!owner || !spawned) return undefined;
  return {
    owner: { pid: owner.pid, startTime: owner.startTime },
    server: { pid: spawned.pid, startTime: spawned.startTime, lifeline: server.lifeline },
    ip: server.ip,
    port: server.port,
    ...(server.uiPort !== undefined ? { uiPort: server.uiPort } : {}),
    dataDir: server.dataDir,
    dbFile: server.dbFile,
    startedAt: new Date().toISOString(),
  };
}

/** Removes the record if this process wrote it (a clean stop leaves nothing to recover). */
export async function removeServerRecord(dataDir: string): Promise<void> {
  const record = await readRecord(dataDir);
  if (record.kind === 'valid' && record.record.owner.pid === process.pid)
    await rm(serverRecordPath(dataDir), { force: true });
}

type ReadRecord = { kind: 'none' } | { kind: 'invalid'; problem: string } | { kind: 'valid'; record: ServerRecord };

async function readRecord(dataDir: string): Promise<ReadRecord> {
  let text: string;
  try {
    text = await readFile(serverRecordPath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'invalid', problem: (error as Error).message };
  }
  try {
    const parsed = ServerRecord.safeParse(JSON.parse(text));
    return parsed.success
      ? { kind: 'valid', record: parsed.data }
      : { kind: 'invalid', problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  } catch (error) {
    return { kind: 'invalid', problem: (error as Error).message };
  }
}

/** What `recoverServerRecord` found and did. */
export type Recovery =
  | { kind: 'none' }
  | { kind: 'stale' }
  | { kind: 'invalid'; problem: string }
  | { kind: 'stopped'; pid: number; signal: 'SIGTERM' | 'SIGKILL' };

export interface RecoverServerRecordOptions {
  dataDir: string;
  /** Where this start's server keeps its data: a recorded server is stopped only if it serves this file. */
  dbFile: string;
  /** One line for a person, when something was done. */
  log: (line: string) => void;
  /** How long a recorded server has to stop on SIGTERM before SIGKILL; default 10 s. */
  stopTimeoutMs?: number;
}

/** Applies the rules in the module comment before a new start on `dataDir`. Throws `DevServerError` to refuse. */
export async function recoverServerRecord(options: RecoverServerRecordOptions): Promise<Recovery> {
  const read = await readRecord(options.dataDir);
  if (read.kind === 'none') return read;
  const file = serverRecordPath(options.dataDir);
  if (read.kind === 'invalid') {
    options.log(`ignored an unreadable ${file} (${read.problem})`);
    await rm(file, { force: true });
    return read;
  }
  const { record } = read;
  if (await isSameProcess(record.owner)) {
    throw new DevServerError(
      `llm-cascade is already running on the data dir ${options.dataDir} (npm start as pid ${record.owner.pid}, ` +
        `Temporal at ${record.ip}:${record.port}); stop it first (Ctrl-C in its terminal, or kill ${record.owner.pid}), ` +
        `or give this one another LLM_CASCADE_DATA_DIR`,
    );
  }
  const server = await processInfo(record.server.pid);
  const servesThisDataDir =
    server !== undefined &&
    server.startTime === record.server.startTime &&
    server.commandLine.includes(`--db-filename ${options.dbFile}`);
  if (!servesThisDataDir) {
    await rm(file, { force: true });
    return { kind: 'stale' };
  }
  const signal = await stopProcess(record.server, options.stopTimeoutMs ?? 10_000);
  await rm(file, { force: true });
  options.log(
    `stopped the Temporal dev server (pid ${record.server.pid}, ${record.ip}:${record.port}) that an earlier npm start ` +
      `(pid ${record.owner.pid}) left running on this data dir${signal === 'SIGKILL' ? ' (it ignored SIGTERM: killed)' : ''}`,
  );
  return { kind: 'stopped', pid: record.server.pid, signal };
}

/** SIGTERM, then SIGKILL if it has not exited in time; resolves with the signal that ended it. */
async function stopProcess(
  target: { pid: number; startTime: string },
  timeoutMs: number,
): Promise<'SIGTERM' | 'SIGKILL'> {
  for (const [signal, waitMs] of [
    ['SIGTERM', timeoutMs],
    ['SIGKILL', 10_000],
  ] as const) {
    try {
      process.kill(target.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return signal;
      throw new DevServerError(
        `cannot stop the Temporal dev server (pid ${target.pid}) left running on this data dir: ${(error as Error).message}`,
      );
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!(await isSameProcess(target))) return signal;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new DevServerError(`the Temporal dev server (pid ${target.pid}) left running on this data dir does not stop`);
}
