/** Runs the `cascade` CLI as a child process, the way a person or a script does. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BATCH_DIRS_ENV } from '../../batch/batch-source-policy';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI_ENTRY = path.join(PROJECT_ROOT, 'cli', 'main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node --import tsx cli/main.ts ...args` (the source, as `npm run cascade` runs it; the installed
 * command is tested in `test/installed/`), with `env` added to a clean environment; fails the test
 * after `timeoutMs`.
 */
export function runCascadeCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        // Where the run lets batches read their inputs (test/run.ts): the temp dir the tests write to.
        ...(process.env[BATCH_DIRS_ENV] ? { [BATCH_DIRS_ENV]: process.env[BATCH_DIRS_ENV] } : {}),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `cascade ${args.join(' ')} did not finish within ${options.timeoutMs ?? 180_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
