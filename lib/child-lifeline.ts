/**
 * Child processes that cannot outlive this one, however it ends: a clean exit, a crash, SIGKILL or the
 * OOM killer. `process.on('exit')` handlers do not run on SIGKILL, so the kernel has to do it:
 *
 * - `pdeathsig` (Linux, util-linux's `setpriv`): the child asks the kernel for SIGKILL when its parent
 *   dies (prctl PR_SET_PDEATHSIG), then execs the command, which keeps its own pid. The kernel sends it
 *   when the *thread* that forked the child exits; Node spawns on the main thread, which lives as long
 *   as the process, so never spawn through this from a worker thread.
 * - `watcher` (no `setpriv`, e.g. macOS): a small Node process runs the command and holds the read end
 *   of a pipe from this process; when this process dies the kernel closes the pipe, the watcher sees
 *   end-of-file and SIGKILLs the command. The child's pid is then the watcher's; SIGTERM and SIGINT
 *   sent to it reach the command.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type Lifeline = 'pdeathsig' | 'watcher';

export interface SpawnTiedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr; stdin is never passed on (the watcher uses its own). Default `pipe`. */
  output?: 'pipe' | 'inherit' | 'ignore';
  /** Force one lifeline (tests); by default `pdeathsig` where `setpriv` works, else `watcher`. */
  lifeline?: Lifeline;
  /**
   * Run the command as this OS user (this process must be root), e.g. PostgreSQL, which refuses to
   * run as root. With `pdeathsig`, setpriv switches user first and asks for the signal after (a
   * switch clears it); with `watcher`, the watcher starts the command with that uid and gid.
   */
  user?: { name: string; uid: number; gid: number };
}

/** A child tied to this process's life. */
export interface TiedChild {
  /** The spawned process: its output, `exit` and `error` events. */
  process: ChildProcess;
  lifeline: Lifeline;
  /** Signals the command. SIGKILL kills it even through a watcher (by cutting the lifeline). */
  kill(signal: NodeJS.Signals): void;
}

let setpriv: string | null | undefined;

/**
 * The path of a `setpriv` that runs `--pdeathsig` here (Linux, util-linux 2.33 or later), found on
 * `PATH` and tried once; null when there is none. An absolute path, so a child's own `PATH` is no matter.
 */
export function setprivPath(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    const probe = spawnSync(candidate, ['--pdeathsig', 'SIGKILL', '--', process.execPath, '-e', ''], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    if (probe.status === 0) setpriv = candidate;
    break;
  }
  return setpriv;
}

/**
 * The watcher, run as `node -e WATCHER -- uid:gid command ...args` (`''` for this process's user). Plain JavaScript on purpose: it must start
 * fast and without the project's TypeScript loader.
 */
const WATCHER = `
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const [user, command, ...args] = process.argv.slice(1);
const [uid, gid] = user ? user.split(':').map(Number) : [];
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...(user ? { uid, gid } : {}) });
child.on('error', (error) => {
  process.stderr.write('cannot run ' + command + ': ' + error.message + '\\n');
  process.exit(127);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
const cut = () => child.kill('SIGKILL');
process.stdin.on('end', cut);
process.stdin.on('close', cut);
process.stdin.on('error', cut);
process.stdin.resume();
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 9)));
`;

/** Spawns `command` so that it dies when this process dies. */
export function spawnTied(command: string, args: readonly string[], options: SpawnTiedOptions = {}): TiedChild {
  const setprivCommand = setprivPath();
  const lifeline = options.lifeline ?? (setprivCommand ? 'pdeathsig' : 'watcher');
  const output = options.output ?? 'pipe';
  const common = { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.env ? { env: options.env } : {}) };
  if (lifeline === 'pdeathsig') {
    if (!setprivCommand) throw new Error('setpriv --pdeathsig is not available on this machine');
    const user = options.user
      ? ['--reuid', String(options.user.uid), '--regid', String(options.user.gid), '--init-groups']
      : [];
    const child = spawn(setprivCommand, [...user, '--pdeathsig', 'SIGKILL', '--', command, ...args], {
      ...common,
      stdio: ['ignore', output, output],
    });
    return { process: child, lifeline, kill: (signal) => void child.kill(signal) };
  }
  const user = options.user ? `${options.user.uid}:${options.user.gid}` : '';
  const child = spawn(process.execPath, ['-e', WATCHER, '--', user, command, ...args], {
    ...common,
    stdio: ['pipe', output, output],
  });
  // The watcher takes end-of-file for this process's death; an error on the pipe means the same.
  child.stdin!.on('error', () => {});
  return {
    process: child,
    lifeline,
    kill: (signal) => {
      if (signal === 'SIGKILL') child.stdin!.destroy();
      else child.kill(signal);
    },
  };
}

/**
 * Kills the whole process group `pgid` (a child spawned with `detached: true` and everything it
 * started) when this process dies, however it dies: a tiny `sh` holds a pipe from this process and,
 * at end-of-file, SIGKILLs the group. It ignores the terminal's SIGINT and SIGHUP so that a Ctrl-C
 * reaches the group through this process (which should pass it on) rather than ending the reaper.
 * Whatever of the group is still running when this process exits normally is killed too.
 */
export function killGroupOnExit(pgid: number): void {
  const reaper = spawn('sh', ['-c', 'trap "" INT HUP; read _; kill -s KILL -- -"$1"', 'group-reaper', String(pgid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  reaper.stdin!.on('error', () => {});
  // Neither the reaper nor its pipe may keep this process alive.
  reaper.unref();
  (reaper.stdin as unknown as { unref(): void }).unref();
}
