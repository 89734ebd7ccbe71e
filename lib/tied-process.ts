import { createWriteStream } from 'node:fs';
import { spawnTied, type SpawnTiedOptions } from './child-lifeline';

/**
 * A long-running child tied to this process's life (`spawnTied`: it dies with this process, however
 * this one ends), with what the production topology needs around it: its output kept in a log file
 * and a tail for error messages, its exit as a promise, and a stop that escalates to SIGKILL.
 */
export interface TiedProcess {
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** The last few thousand characters it printed, for error messages. */
  outputTail(): string;
  /** Sends `signal` (SIGTERM by default), then SIGKILL after `graceMs`, and waits for the exit. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
}

export interface StartTiedProcessOptions {
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this OS user (needs root): PostgreSQL refuses to run as root. */
  user?: SpawnTiedOptions['user'];
  /** Everything the process prints is appended here. */
  logFile?: string;
  /** Each line it prints, as it comes. */
  onLine?: (line: string) => void;
}

export function startTiedProcess(command: string, options: StartTiedProcessOptions = {}): TiedProcess {
  const tied = spawnTied(command, options.args ?? [], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: options.env ?? process.env,
    ...(options.user ? { user: options.user } : {}),
  });
  const child = tied.process;
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
    exited,
    hasExited: () => exitInfo !== undefined,
    outputTail: () => tail,
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      if (exitInfo) return;
      tied.kill(signal);
      const timer = setTimeout(() => tied.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it returns true; fails when the process exits first or time runs out, with its output. */
export async function waitForProcess(
  child: TiedProcess,
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

function lastLines(child: TiedProcess): string {
  return child.outputTail().trim().split('\n').slice(-20).join('\n');
}
