/**
 * The test entry point (`npm test` runs it after typecheck and lint). It makes the Temporal CLI
 * and the production topology's tools available (built or installed once per machine), starts one
 * real dev server for the whole run, bundles the workflow code once, then runs every
 * `test/**\/*.test.ts` file with Node's test runner, which prints pass/fail totals.
 * If Temporal cannot be started the run fails: integration tests are never skipped.
 *
 * A run killed half-way leaves nothing running: the server is tied to this process (`spawnTied`),
 * and the test runner runs in a process group of its own, which a reaper kills whole when this
 * process dies (`killGroupOnExit`): every test file's process and whatever they started (workers,
 * `npm start`, servers, CLI runs). Ctrl-C reaches the group through this process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { killGroupOnExit } from '../lib/child-lifeline';
import { freePort, startDevServer } from '../lib/dev-server';
import { watchLaunchers } from '../lib/launcher-watch';
import { ensureTemporalCli } from '../lib/temporal-cli';
import { ensureTopologyTools } from '../lib/topology-tools';
import { registerSearchAttributes } from '../lib/register-search-attributes';
import { bundleWorkflows } from '../worker/create-worker';
import { CONSUMER_DEV_TOOLS, packAndInstall, type InstalledPackage } from './helpers/installed-package';
import { BATCH_DIRS_ENV } from '../batch/batch-source-policy';
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

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = await findTestFiles(filters);
  if (files.length === 0) {
    console.error(`no test files match ${filters.join(' ')}`);
    return 1;
  }

  const started = Date.now();
  let testGroup: number | undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-testGroup!, signal);
    } catch {
      // The group is gone already.
    }
  };
  // If npm or tsx above this process is killed, stop the run rather than carry on unseen.
  await watchLaunchers({
    onGone: (launcher) => {
      console.error(`the process that launched the test run (pid ${launcher.pid}) is gone: stopping`);
      if (testGroup === undefined) process.exit(1);
      signalGroup('SIGKILL');
    },
  });
  const cli = await ensureTemporalCli({ log: (line) => console.error(line) });
  // The production topology's server build (minutes, once per machine) happens here, not in a test's time.
  await ensureTopologyTools({ log: (line) => console.error(line) });
  // A loaded 2-core machine can take a while to bring the server up.
  const server = await startDevServer({
    cliPath: cli.path,
    uiPort: false,
    metricsPort: await freePort(),
    startTimeoutMs: 120_000,
  });
  const address = server.address;
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(connection, 'default');
  await connection.close();

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-test-'));
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  // Tests of the package as installed get a fresh build of this checkout, packed and installed
  // once for the run: never a dist/ left over from an earlier build.
  const installing = files.some((file) => file.startsWith(path.join(TEST_DIR, 'installed') + path.sep))
    ? packAndInstall(workDir, { devTools: CONSUMER_DEV_TOOLS })
    : undefined;
  const [bundle, installed] = await Promise.all([bundleWorkflows(), installing]);
  await writeFile(bundlePath, bundle.code);
  console.error(
    `Temporal ${address} (CLI from ${cli.source}), workflows bundled${installed ? ', package built, packed and installed' : ''}; setup took ${Date.now() - started} ms.`,
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
          // Its own process group, so that it can be killed whole (see the module comment).
          detached: true,
          env: {
            ...process.env,
            [TEST_ENV.temporalAddress]: address,
            [TEST_ENV.workflowBundle]: bundlePath,
            [TEST_ENV.temporalCli]: cli.path,
            [TEST_ENV.temporalMetricsUrl]: server.metricsUrl,
            // Workers the tests start as processes (CLI, npm start, worker/main.ts) read batch inputs
            // the tests write under the temp dir, besides the project's own files.
            [BATCH_DIRS_ENV]: process.env[BATCH_DIRS_ENV] || [process.cwd(), os.tmpdir()].join(','),
            ...installedEnv(installed),
          },
        },
      );
      testGroup = child.pid!;
      killGroupOnExit(testGroup);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, signalGroup);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await server.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

function installedEnv(installed: InstalledPackage | undefined): Record<string, string> {
  if (!installed) return {};
  return { [TEST_ENV.installedPackage]: installed.dir, [TEST_ENV.packedTarball]: installed.tarball };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`test run failed before any test ran: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
