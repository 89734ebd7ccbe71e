/**
 * `npm start`'s record of its Temporal dev server (lib/server-record.ts) and the refusal of a port in
 * use (lib/dev-server.ts), with real processes standing in for a server: a node process whose
 * command line carries `--db-filename`, as the server's does.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { DevServerError, startDevServer } from '../lib/dev-server';
import { processInfo } from '../lib/process-info';
import {
  recoverServerRecord,
  removeServerRecord,
  serverRecordPath,
  writeServerRecord,
  type ServerRecord,
} from '../lib/server-record';
import { isRunning, waitUntilGone } from './helpers/processes';

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

let dataDir: string;
let dbFile: string;
const dataDirs: string[] = [];
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-record-'));
  dataDirs.push(dataDir);
  dbFile = path.join(dataDir, 'temporal.db');
});
after(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

/** A process that looks like a dev server on `db` to the record (its command line names the file). */
async function fakeServer(
  db: string,
  options: { ignoreSigterm?: boolean } = {},
): Promise<{ pid: number; startTime: string }> {
  const script = `${options.ignoreSigterm ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 60_000)`;
  const child = spawn(process.execPath, ['-e', script, '--', 'server', 'start-dev', '--db-filename', db], {
    stdio: 'ignore',
  });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  // The command line is the node binary's until exec completes; wait for ours.
  for (;;) {
    const info = await processInfo(child.pid!);
    if (info?.commandLine.includes('--db-filename')) return { pid: info.pid, startTime: info.startTime };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A process that has exited: its pid runs nothing now. */
async function deadProcess(): Promise<{ pid: number; startTime: string }> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return { pid: child.pid!, startTime: '1' };
}

function record(owner: ServerRecord['owner'], server: { pid: number; startTime: string }): ServerRecord {
  return {
    owner,
    server: { ...server, lifeline: 'pdeathsig' },
    ip: '127.0.0.1',
    port: 7233,
    uiPort: 8233,
    dataDir,
    dbFile,
    startedAt: new Date().toISOString(),
  };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe('recoverServerRecord', () => {
  it('does nothing without a record', async () => {
    const lines: string[] = [];
    assert.deepEqual(await recoverServerRecord({ dataDir, dbFile, log: (l) => lines.push(l) }), { kind: 'none' });
    assert.deepEqual(lines, []);
  });

  it('removes a stale record (owner and server gone) without a word', async () => {
    writeServerRecord(record(await deadProcess(), await deadProcess()));
    const lines: string[] = [];
    assert.deepEqual(await recoverServerRecord({ dataDir, dbFile, log: (l) => lines.push(l) }), { kind: 'stale' });
    assert.deepEqual(lines, []);
    assert.equal(await exists(serverRecordPath(dataDir)), false);
  });

  it('refuses to start while the recorded owner runs, naming it', async () => {
    const self = (await processInfo(process.pid))!;
    writeServerRecord(record({ pid: self.pid, startTime: self.startTime }, await deadProcess()));
    await assert.rejects(
      recoverServerRecord({ dataDir, dbFile, log: () => {} }),
      (error: Error) =>
        error instanceof DevServerError &&
        error.message.includes(`already running on the data dir ${dataDir} (npm start as pid ${process.pid}`) &&
        error.message.includes(`kill ${process.pid}`),
    );
    assert.equal(await exists(serverRecordPath(dataDir)), true, 'the running owner keeps its record');
  });

  it('takes a pid that now belongs to another process (another start time) for a dead one', async () => {
    writeServerRecord(record({ pid: process.pid, startTime: 'another-process' }, await deadProcess()));
    assert.deepEqual(await recoverServerRecord({ dataDir, dbFile, log: () => {} }), { kind: 'stale' });
  });

  it('stops a server left running on this data dir by a dead owner, with one line saying so', async () => {
    const server = await fakeServer(dbFile);
    const owner = await deadProcess();
    writeServerRecord(record(owner, server));
    const lines: string[] = [];
    const recovery = await recoverServerRecord({ dataDir, dbFile, log: (l) => lines.push(l) });
    assert.deepEqual(recovery, { kind: 'stopped', pid: server.pid, signal: 'SIGTERM' });
    assert.deepEqual(lines, [
      `stopped the Temporal dev server (pid ${server.pid}, 127.0.0.1:7233) that an earlier npm start (pid ${owner.pid}) left running on this data dir`,
    ]);
    assert.equal(await isRunning(server.pid), false);
    assert.equal(await exists(serverRecordPath(dataDir)), false);
  });

  it('kills such a server when it ignores SIGTERM', async () => {
    const server = await fakeServer(dbFile, { ignoreSigterm: true });
    writeServerRecord(record(await deadProcess(), server));
    const lines: string[] = [];
    const recovery = await recoverServerRecord({ dataDir, dbFile, log: (l) => lines.push(l), stopTimeoutMs: 500 });
    assert.deepEqual(recovery, { kind: 'stopped', pid: server.pid, signal: 'SIGKILL' });
    assert.match(lines[0]!, /\(it ignored SIGTERM: killed\)$/);
    assert.deepEqual(await waitUntilGone([server.pid]), []);
  });

  it('leaves a recorded pid alone when it no longer serves this data dir', async () => {
    const other = await fakeServer(path.join(os.tmpdir(), 'some-other-data-dir', 'temporal.db'));
    writeServerRecord(record(await deadProcess(), other));
    assert.deepEqual(await recoverServerRecord({ dataDir, dbFile, log: () => {} }), { kind: 'stale' });
    assert.equal(await isRunning(other.pid), true);
  });

  it('reports and removes a record it cannot read', async () => {
    await writeFile(serverRecordPath(dataDir), '{"owner": ');
    const lines: string[] = [];
    const recovery = await recoverServerRecord({ dataDir, dbFile, log: (l) => lines.push(l) });
    assert.equal(recovery.kind, 'invalid');
    assert.match(lines[0]!, /^ignored an unreadable .*temporal-server\.json \(/);
    assert.equal(await exists(serverRecordPath(dataDir)), false);
  });
});

describe('removeServerRecord', () => {
  it("removes this process's record and no other", async () => {
    const self = (await processInfo(process.pid))!;
    writeServerRecord(record({ pid: 1, startTime: '1' }, await deadProcess()));
    await removeServerRecord(dataDir);
    assert.equal(await exists(serverRecordPath(dataDir)), true);
    writeServerRecord(record({ pid: self.pid, startTime: self.startTime }, await deadProcess()));
    await removeServerRecord(dataDir);
    assert.equal(await exists(serverRecordPath(dataDir)), false);
  });
});

describe('startDevServer on a port in use', () => {
  it('refuses, naming the port and the pid of the process holding it', async () => {
    const holder = spawn(
      process.execPath,
      [
        '-e',
        "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))",
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    children.push(holder);
    const port = Number(
      await new Promise<string>((resolve) => holder.stdout!.once('data', (d: Buffer) => resolve(String(d)))),
    );
    await assert.rejects(
      startDevServer({ cliPath: '/nonexistent/temporal', port, uiPort: false }),
      (error: Error) =>
        error instanceof DevServerError &&
        error.message.startsWith(`the Temporal gRPC port 127.0.0.1:${port} is already in use by pid ${holder.pid} (`),
    );
  });
});

describe('processInfo', () => {
  it('reads the same process from /proc and from ps', async () => {
    const server = await fakeServer(dbFile);
    const [proc, ps] = [await processInfo(server.pid), await processInfo(server.pid, 'ps')];
    assert.equal(proc?.ppid, process.pid);
    assert.equal(ps?.ppid, process.pid);
    assert.ok(ps?.commandLine.includes(`--db-filename ${dbFile}`), ps?.commandLine);
    assert.ok(proc?.commandLine.includes(`--db-filename ${dbFile}`), proc?.commandLine);
  });
});
