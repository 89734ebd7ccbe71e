/**
 * The test entry point (`npm test` runs it after typecheck and lint). It makes the Temporal CLI
 * and the production topology's tools available (built or installed once per machine), starts one
 * real dev server for the whole run, bundles the workflow code once, then runs every
 * `test/**\/*.test.ts` file with Node's test runner, which prints pass/fail totals.
 * If Temporal cannot be started the run fails: integration tests are never skipped.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../lib/temporal-cli';
import { ensureTopologyTools } from '../lib/topology-tools';
import { registerSearchAttributes } from '../lib/register-search-attributes';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { bundleWorkflows } from '../worker/create-worker';
import { TEST_ENV } from './helpers/test-env';

const TEST_DIR = __dirname;

/** Far above the slowest test (about 2 minutes under load). */
const TEST_TIMEOUT_MS = 8 * 60_000;

async function findTestFiles(filters: string[]): Promise<string[]> {
  const entries = await readdir(TEST_DIR, { recursive: true });
  return entries
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => path.join(TEST_DIR, name))
    .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
    .sort();
}

async function startTemporal(cliPath: string): Promise<TestWorkflowEnvironment> {
  // The SDK gives the server 5 s to answer; a loaded 2-core machine can miss that, so try again.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: cliPath },
          ip: '127.0.0.1',
          searchAttributes: Object.values(CascadeSearchAttributes),
          extraArgs: ['--log-level', 'error'],
        },
      });
    } catch (error) {
      lastError = error;
      console.error(
        `Temporal dev server did not start (attempt ${attempt}/3): ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  throw lastError;
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = await findTestFiles(filters);
  if (files.length === 0) {
    console.error(`no test files match ${filters.join(' ')}`);
    return 1;
  }

  const started = Date.now();
  const cli = await ensureTemporalCli({ log: (line) => console.error(line) });
  // The production topology's server build (minutes, once per machine) happens here, not in a test's time.
  await ensureTopologyTools({ log: (line) => console.error(line) });
  const environment = await startTemporal(cli.path);
  const address = environment.connection.options.address ?? '';
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(connection, 'default');
  await connection.close();

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-test-'));
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  const bundle = await bundleWorkflows();
  await writeFile(bundlePath, bundle.code);
  console.error(
    `Temporal ${address} (CLI from ${cli.source}), workflows bundled; setup took ${Date.now() - started} ms.`,
  );

  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        // A test that hangs (say, on a workflow whose tasks keep failing) fails after the timeout
        // instead of holding CI until its deadline.
        [
          '--import',
          'tsx',
          '--test',
          '--test-reporter=spec',
          `--test-concurrency=${os.availableParallelism()}`,
          `--test-timeout=${TEST_TIMEOUT_MS}`,
          ...files,
        ],
        {
          stdio: 'inherit',
          env: {
            ...process.env,
            [TEST_ENV.temporalAddress]: address,
            [TEST_ENV.workflowBundle]: bundlePath,
            [TEST_ENV.temporalCli]: cli.path,
          },
        },
      );
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await environment.teardown();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`test run failed before any test ran: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
