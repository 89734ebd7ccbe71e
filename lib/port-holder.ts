/**
 * Which process listens on a TCP port, so a refusal to start can name it. Linux answers from
 * `/proc/net/tcp{,6}` (the listening socket's inode) and `/proc/<pid>/fd` (who holds that inode);
 * elsewhere `lsof` does if it is installed. Only processes this user may inspect can be found.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { processInfo, type ProcessInfo } from './process-info';

const execFileAsync = promisify(execFile);

/** TCP state 0A in `/proc/net/tcp` is LISTEN. */
const LISTEN = '0A';

/** The inodes of the sockets listening on `port` (any address), from the text of `/proc/net/tcp` or `tcp6`. */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (local?.endsWith(`:${hexPort}`) && state === LISTEN && inode && inode !== '0') inodes.push(inode);
  }
  return inodes;
}

async function holderFromProc(port: number): Promise<number | undefined> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const inode of listeningInodes(text, port)) inodes.add(`socket:[${inode}]`);
  }
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (inodes.has(target)) return Number(pid);
    }
  }
  return undefined;
}

async function holderFromLsof(port: number): Promise<number | undefined> {
  try {
    const { stdout } = await execFileAsync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-t']);
    const pid = Number(stdout.trim().split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The process listening on `port`, or undefined when none can be found (or this user may not see it). */
export async function portHolder(port: number): Promise<ProcessInfo | undefined> {
  const pid = process.platform === 'linux' ? await holderFromProc(port) : await holderFromLsof(port);
  return pid === undefined ? undefined : processInfo(pid);
}
