/**
 * Notices when the processes that launched this one are gone. `npm start` is a chain: npm runs
 * `sh -c "tsx scripts/start.ts"`, sh runs tsx, tsx runs Node with its loader on the script. If a wrapper
 * is SIGKILLed the rest keeps running, reparented and no longer reachable by Ctrl-C in the terminal
 * that started it; a process that notices can stop cleanly instead.
 *
 * The chain is this process's parent and, when npm launched it, every ancestor up to and including
 * that npm (the ancestors that carry npm's `npm_lifecycle_event` and `npm_lifecycle_script` for the
 * same script, then the npm process itself). A link is broken when a process in the chain has a new
 * parent: its old parent died. Linux only for the chain above the parent (`/proc`); elsewhere only
 * the parent is watched.
 */
import { readFile } from 'node:fs/promises';
import { processInfo } from './process-info';

export interface LauncherGone {
  /** The launcher that is gone. */
  pid: number;
}

export interface WatchLaunchersOptions {
  onGone: (gone: LauncherGone) => void;
  /** How often to look; default 1 s. */
  intervalMs?: number;
}

interface Link {
  pid: number;
  parent: number;
}

async function npmScriptOf(pid: number): Promise<string | undefined> {
  try {
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    const event = environ.find((entry) => entry.startsWith('npm_lifecycle_event='));
    const script = environ.find((entry) => entry.startsWith('npm_lifecycle_script='));
    return event && script ? `${event}\0${script}` : undefined;
  } catch {
    return undefined;
  }
}

/** This process and its launchers, each with the parent it had when the watch began. */
async function launcherChain(): Promise<Link[]> {
  const chain: Link[] = [{ pid: process.pid, parent: process.ppid }];
  const env = process.env;
  if (process.platform !== 'linux' || !env.npm_lifecycle_event || env.npm_lifecycle_script === undefined) return chain;
  const ours = `npm_lifecycle_event=${env.npm_lifecycle_event}\0npm_lifecycle_script=${env.npm_lifecycle_script}`;
  // Up from the parent while the ancestor runs inside our npm script; the first that does not is npm.
  for (let pid = process.ppid; pid > 1 && chain.length < 16;) {
    if ((await npmScriptOf(pid)) !== ours) break;
    const info = await processInfo(pid);
    if (!info || info.ppid <= 1) break;
    chain.push({ pid, parent: info.ppid });
    pid = info.ppid;
  }
  return chain;
}

/**
 * Watches the launchers (see the module comment) and calls `onGone` once when one of them is gone.
 * Returns a function that ends the watch. The timer does not keep the process alive.
 */
export async function watchLaunchers(options: WatchLaunchersOptions): Promise<() => void> {
  const chain = await launcherChain();
  let done = false;
  const check = async () => {
    for (const link of chain) {
      const ppid = link.pid === process.pid ? process.ppid : (await processInfo(link.pid))?.ppid;
      // A launcher that vanished itself shows as its child's new parent, checked one link down.
      if (ppid !== undefined && ppid !== link.parent && !done) {
        done = true;
        clearInterval(timer);
        options.onGone({ pid: link.parent });
        return;
      }
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 1000);
  timer.unref();
  return () => {
    done = true;
    clearInterval(timer);
  };
}
