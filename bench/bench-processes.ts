/**
 * The processes the benchmarks run against: the simulated providers, and a cascade worker
 * (`bench-worker.ts`), each in a process of its own so that neither takes CPU from the other's
 * event loop or from the bench's.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../config/load-config';
import { type ChildMessage, type MemorySample, type ParentMessage } from './bench-worker';

/** The simulated providers in their own process, so they take no CPU from the engine's event loop. */
export async function startSimulatorProcess(
  scriptFile: string,
): Promise<{ child: ChildProcess; anthropic: string; openaiBaseURL: string; openai: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'simulator', 'main.ts'), '--script', scriptFile, '--json'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve(buffer.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it was ready`)));
  });
  const endpoints = JSON.parse(line) as { anthropicUrl: string; openaiUrl: string; openaiBaseURL: string };
  return {
    child,
    anthropic: endpoints.anthropicUrl,
    openai: endpoints.openaiUrl,
    openaiBaseURL: endpoints.openaiBaseURL,
  };
}

/** A worker process and the handful of messages it understands. */
export interface WorkerProcess {
  startupMs: number;
  memory(reset?: boolean): Promise<MemorySample>;
  stop(): Promise<void>;
  /** Ends the process at once: for a bench that failed, so that no worker outlives it polling a stopped server. */
  kill(): void;
}

export async function startWorkerProcess({
  cpuProfDir,
  env,
  ...start
}: Omit<Extract<ParentMessage, { type: 'start' }>, 'type'> & {
  /** Write a V8 CPU profile of the worker process here when it stops (`node --cpu-prof`). */
  cpuProfDir?: string;
  /** Variables for the worker process beside this process's own (e.g. `LLM_CASCADE_BATCH_DIRS`). */
  env?: NodeJS.ProcessEnv;
}): Promise<WorkerProcess> {
  const child = fork(path.join(__dirname, 'bench-worker.ts'), [], {
    execArgv: ['--import', 'tsx', ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  const waiters: Array<(message: ChildMessage) => void> = [];
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'error') {
      console.error(`bench worker error: ${message.message}`);
      return;
    }
    waiters.shift()?.(message);
  });
  const next = () => new Promise<ChildMessage>((resolve) => waiters.push(resolve));
  const ready = next();
  child.send({ type: 'start', ...start } satisfies ParentMessage);
  const first = await ready;
  if (first.type !== 'ready') throw new Error('the bench worker did not start');
  return {
    startupMs: first.startupMs,
    async memory(reset = false) {
      const reply = next();
      child.send({ type: 'memory', reset } satisfies ParentMessage);
      const message = await reply;
      if (message.type !== 'memory') throw new Error('unexpected reply from the bench worker');
      return message;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'stop' } satisfies ParentMessage);
      }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
