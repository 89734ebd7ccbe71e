/**
 * The service's roles as the operator runs them: `api/main.ts` (`npm run api`) and `worker/main.ts`
 * (`npm run worker`) as child processes with JSON logs, so tests can wait for a log line, signal
 * them and read how they exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';

export type ServiceRole = 'api' | 'worker';

const ENTRY: Record<ServiceRole, string> = {
  api: path.join(PROJECT_ROOT, 'api', 'main.ts'),
  worker: path.join(PROJECT_ROOT, 'worker', 'main.ts'),
};

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first log line (parsed JSON) whose `msg` is `message`; fails if the process exits first. */
  logLine(message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Every JSON log line written so far. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Starts a role with `args`, the test's environment plus `env`, JSON logs at info level. */
export function startServiceProcess(role: ServiceRole, args: string[], env: NodeJS.ProcessEnv = {}): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[role], ...args], {
    cwd: PROJECT_ROOT,
    // Workers get a free metrics port unless `env` names one: test files run side by side.
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', LLM_CASCADE_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    async logLine(message, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = jsonLines(output).find((entry) => entry.msg === message);
        if (line) return line;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(
            `${role} ${child.exitCode !== null ? `exited (${child.exitCode})` : 'timed out'} before logging "${message}":\n${output.slice(-4000)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
