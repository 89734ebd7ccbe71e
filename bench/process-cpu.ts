/**
 * CPU time of other processes, for the benchmarks: the simulated providers and the Temporal dev
 * server share the machine's cores with the worker, and the bare twin needs no simulator, so what
 * they spend per workflow is part of what a cell measures. Read from `/proc` (Linux); elsewhere
 * every reading is `undefined` and the bench reports none.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseProcStat } from '../lib/process-info';

/** Clock ticks per second of `/proc/<pid>/stat`'s times (almost always 100). */
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A process's parent pid and CPU time so far (user + system), µs; undefined when it cannot be read. */
function statOf(pid: number): { ppid: number; cpuMicros: number } | undefined {
  try {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat && { ppid: stat.ppid, cpuMicros: (stat.cpuTicks * 1e6) / clockTicks };
  } catch {
    return undefined;
  }
}

/** The CPU time of `pid` and all its descendants (a server started through a wrapper, its helpers), µs. */
export function treeCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  const root = statOf(pid);
  if (!root) return undefined;
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const child = Number(name);
    if (!Number.isInteger(child)) continue;
    const stat = statOf(child);
    if (!stat) continue;
    cpu.set(child, stat.cpuMicros);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), child]);
  }
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    total += cpu.get(next) ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}

/** The pid of the first descendant of `pid` whose command line contains `needle`, if any. */
export function descendantMatching(pid: number, needle: string): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const child = Number(name);
    if (!Number.isInteger(child)) continue;
    const stat = statOf(child);
    if (stat) parents.set(child, stat.ppid);
  }
  const isDescendant = (candidate: number): boolean => {
    for (let at = parents.get(candidate); at !== undefined && at > 1; at = parents.get(at)) if (at === pid) return true;
    return false;
  };
  for (const candidate of parents.keys()) {
    if (!isDescendant(candidate)) continue;
    try {
      if (readFileSync(`/proc/${candidate}/cmdline`, 'utf8').split('\0').join(' ').includes(needle)) return candidate;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
