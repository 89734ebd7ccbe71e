import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * A child process whose life is tied to this one: it is killed when this process exits normally,
 * and, on Linux, also when this process is killed outright (SIGKILL, a test runner's timeout),
 * through the kernel's parent-death signal set by util-linux's `setpriv`. So a test that starts a
 * database and servers leaves nothing running however it ends.
 */
export interface TiedChild {
  pid: number;
  process: ChildProcess;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once it has exited. */
  hasExited(): boolean;
  /** The last few thousand characters it printed, for error messages. */
  outputTail(): string;
  /** Sends `signal` (SIGTERM by default), then SIGKILL after `graceMs`, and waits for the exit. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
}

export interface SpawnTiedOptions {
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this OS user (needs root): PostgreSQL refuses to run as root. */
  user?: string;
  /** Everything the process prints is appended here. */
  logFile?: string;
  /** Each line it prints, as it comes. */
  onLine?: (line: string) => void;
}

let setprivAvailable: boolean | undefined;

function hasSetpriv(): boolean {
  setprivAvailable ??= spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable;
}

/** Every tied child still running, killed when this process exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnTied(command: string, options: SpawnTiedOptions = {}): TiedChild {
  const args = [...(options.args ?? [])];
  let file = command;
  if (process.platform === 'linux' && hasSetpriv()) {
    const user = options.user ? ['--reuid', options.user, '--regid', options.user, '--init-groups'] : [];
    // setpriv sets the parent-death signal after switching user (a switch clears it), then execs the command.
    args.unshift(...user, '--pdeathsig', 'SIGKILL', '--', command);
    file = 'setpriv';
  } else if (options.user) {
    throw new Error(`running ${command} as ${options.user} needs util-linux's setpriv, which is not installed`);
  }
  const child = spawn(file, args, {
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  let tail = '';
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    log?.write(text);
    tail = (tail + text).slice(-6000);
    if (options.onLine) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onLine(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const done = (info: { code: number | null; signal: NodeJS.Signals | null }) => {
      if (exitInfo) return;
      exitInfo = info;
      live.delete(child);
      log?.end();
      resolve(info);
    };
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (error) => {
      tail += `\n${error.message}`;
      done({ code: null, signal: null });
    });
  });
  return {
    pid: child.pid ?? -1,
    process: child,
    exited,
    hasExited: () => exitInfo !== undefined,
    outputTail: () => tail,
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      if (exitInfo) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it returns true; fails when `child` exits first or time runs out, with its output. */
export async function waitForChild(
  child: TiedChild,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      const { code, signal } = await child.exited;
      throw new Error(`${what} exited during startup (code ${code}, signal ${signal}):\n${lastLines(child)}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s:\n${lastLines(child)}`);
}

function lastLines(child: TiedChild): string {
  return child.outputTail().trim().split('\n').slice(-20).join('\n');
}
