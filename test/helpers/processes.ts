/** Looking at real processes from tests: is a pid still running, what did a process start. */
import { readdir, readFile } from 'node:fs/promises';
import { parseProcStat, processInfo } from '../../lib/process-info';

/** Whether `pid` runs (a zombie does not). */
export async function isRunning(pid: number): Promise<boolean> {
  return (await processInfo(pid)) !== undefined;
}

/** Waits until none of `pids` runs; resolves with those still running after `timeoutMs` (empty when all are gone). */
export async function waitUntilGone(pids: readonly number[], timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running: number[] = [];
    for (const pid of pids) if (await isRunning(pid)) running.push(pid);
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every running process, with its parent and process group, read from `/proc`. */
async function processTable(): Promise<Array<{ pid: number; ppid: number; pgid: number }>> {
  const rows: Array<{ pid: number; ppid: number; pgid: number }> = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const stat = text ? parseProcStat(text) : undefined;
    if (!stat || stat.state === 'Z') continue;
    // The process group is the field after the parent (field 5 of proc(5)).
    const pgid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[2]);
    rows.push({ pid: Number(name), ppid: stat.ppid, pgid });
  }
  return rows;
}

/** `pid` and every running process below it. */
export async function processTree(pid: number): Promise<number[]> {
  const table = await processTable();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const row of table) if (row.ppid === tree[i]) tree.push(row.pid);
  return tree;
}

/** The running processes of process group `pgid`. */
export async function processGroup(pgid: number): Promise<number[]> {
  return (await processTable()).filter((row) => row.pgid === pgid).map((row) => row.pid);
}
