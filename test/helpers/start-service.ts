import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../lib/dev-server';
import { TEST_ENV } from './test-env';

const ROOT = path.resolve(__dirname, '../..');

/** A running `npm start` and what it printed so far. */
export interface StartedService {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The ports a test's `npm start` serves on, all free loopback ports of its own. */
export interface ServicePorts {
  temporal: number;
  ui: number;
  api: number;
}

/**
 * The environment of an `npm start` that shares nothing with other test files: its own data dir and
 * ports, the demo providers (no keys), JSON logs, and the run's workflow bundle (bundling the same
 * code again would only slow the test).
 */
export async function isolatedStartEnv(dataDir: string): Promise<{ env: NodeJS.ProcessEnv; ports: ServicePorts }> {
  const ports = { temporal: await freePort(), ui: await freePort(), api: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LLM_CASCADE_DATA_DIR: dataDir,
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    PORT: String(ports.api),
    LOG_FORMAT: 'json',
    ANTHROPIC_API_KEY: '',
    OPENAI_API_KEY: '',
    ...(process.env[TEST_ENV.workflowBundle]
      ? { LLM_CASCADE_WORKFLOW_BUNDLE: process.env[TEST_ENV.workflowBundle] }
      : {}),
  };
  delete env.TEMPORAL_ADDRESS;
  return { env, ports };
}

/**
 * Starts the service: `via: 'npm'` as a person types `npm start` (through the npm that runs this
 * test when there is one), `'script'` the script it runs, without npm in between.
 */
export function startService(env: NodeJS.ProcessEnv, via: 'npm' | 'script' = 'script'): StartedService {
  const options = { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  const npm = process.env.npm_execpath;
  const child =
    via === 'script'
      ? spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], options)
      : npm
        ? spawn(process.execPath, [npm, 'start'], options)
        : spawn('npm', ['start'], options);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Waits until the service prints `pattern`; fails at once, with its output, if it exits first. */
export async function waitForOutput(
  service: StartedService,
  pattern: RegExp,
  timeoutMs = 180_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(service.output());
    if (match) return match;
    if (service.child.exitCode !== null)
      throw new Error(
        `npm start exited (${service.child.exitCode}) before ${pattern}:\n${service.output().slice(-3000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no ${pattern} in the output of npm start within ${timeoutMs} ms:\n${service.output().slice(-3000)}`);
}
