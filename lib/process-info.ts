/**
 * What the operating system says about a process, enough to tell whether a recorded pid is still the
 * same process (a pid is reused once its process is gone, so the start time is compared too) and what
 * it runs. Linux answers from `/proc`; elsewhere (macOS) `ps` does.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Opaque but stable for the life of the process: compare it to tell a reused pid from the original. */
  startTime: string;
  /** The command and its arguments joined by spaces, for matching (`--db-filename /x/temporal.db`). */
  commandLine: string;
}

/**
 * The live process `pid`, or undefined when there is none. A zombie (exited, not yet reaped by its
 * parent) counts as gone: it runs nothing and holds no port or file.
 */
export async function processInfo(pid: number, source: 'auto' | 'ps' = 'auto'): Promise<ProcessInfo | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (source === 'auto' && process.platform === 'linux') return fromProc(pid);
  return fromPs(pid);
}

/** The fields of `/proc/<pid>/stat` after the command name (which may itself hold spaces and parentheses). */
export function parseProcStat(
  stat: string,
): { state: string; ppid: number; startTime: string; cpuTicks: number } | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Field 3 of proc(5) is the state, 4 the parent, 14 and 15 the user and system CPU time in clock
  // ticks, 22 the start time in clock ticks since boot.
  const [state, ppid, utime, stime, startTime] = [fields[0], fields[1], fields[11], fields[12], fields[19]];
  if (!state || !ppid || !startTime) return undefined;
  return { state, ppid: Number(ppid), startTime, cpuTicks: Number(utime ?? 0) + Number(stime ?? 0) };
}

async function fromProc(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    if (!stat || stat.state === 'Z' || stat.state === 'X') return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return { pid, ppid: stat.ppid, startTime: stat.startTime, commandLine: cmdline.split('\0').join(' ').trim() };
  } catch {
    return undefined;
  }
}

async function fromPs(pid: number): Promise<ProcessInfo | undefined> {
  try {
    // lstart is a fixed-width date (24 characters); the command line comes last so its spaces do no harm.
    const { stdout } = await execFileAsync('ps', ['-o', 'ppid=,stat=,lstart=,command=', '-p', String(pid)]);
    const match = /^\s*(\d+)\s+(\S+)\s+(.{24})\s+(.*)$/.exec(stdout.trim());
    if (!match || match[2]!.startsWith('Z')) return undefined;
    return { pid, ppid: Number(match[1]), startTime: match[3]!, commandLine: match[4]! };
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still the process that `info` described (alive, and not a later one under the same pid). */
export async function isSameProcess(info: Pick<ProcessInfo, 'pid' | 'startTime'>): Promise<boolean> {
  const now = await processInfo(info.pid);
  return now !== undefined && now.startTime === info.startTime;
}
