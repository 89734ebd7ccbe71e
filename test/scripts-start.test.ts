/**
 * The quick start, end to end: `npm start` (scripts/start.ts) embeds Temporal with SQLite and the
 * Web UI, runs the worker and the API in demo mode; `cascade run` gets an answer; the Temporal CLI
 * lists the workflow; Ctrl-C stops everything; a second start still sees the workflow.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { ensureTemporalCli } from '../lib/temporal-cli';
import { isolatedStartEnv, startService, waitForOutput } from './helpers/start-service';
import { TEST_ENV } from './helpers/test-env';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const TSX = ['--import', 'tsx'];

/** Processes whose command line mentions `needle` (the test's own data dir): none may survive a stop. */
async function processesMentioning(needle: string): Promise<string[]> {
  const { stdout } = await execFileAsync('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

describe('npm start', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('serves a cascade end to end, stops cleanly on SIGINT, and keeps its workflows across a restart', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-start-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { env, ports } = await isolatedStartEnv(dataDir);
    const { temporal: temporalPort, ui: uiPort, api: apiPort } = ports;
    const cliPath = process.env[TEST_ENV.temporalCli] ?? (await ensureTemporalCli()).path;

    const first = startService(env);
    cleanup.push(async () => {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    });
    await waitForOutput(first, /llm-cascade is running/);
    const banner = first.output();
    assert.match(banner, new RegExp(`HTTP API\\s+http://127\\.0\\.0\\.1:${apiPort}`));
    assert.match(banner, new RegExp(`Temporal UI\\s+http://127\\.0\\.0\\.1:${uiPort}`));
    assert.match(banner, new RegExp(`Temporal gRPC\\s+127\\.0\\.0\\.1:${temporalPort}`));
    assert.match(banner, /DEMO MODE/);

    const address = `127.0.0.1:${temporalPort}`;
    const run = await execFileAsync(
      process.execPath,
      [
        ...TSX,
        path.join(ROOT, 'cli/main.ts'),
        'run',
        '--id',
        'quick-start-1',
        'Summarize: the meeting moved to Friday.',
      ],
      {
        cwd: ROOT,
        env: { ...env, TEMPORAL_ADDRESS: address },
        timeout: 60_000,
      },
    );
    assert.match(run.stdout, /outcome\s+accepted/);
    assert.match(run.stdout, /simulated/i);

    const listed = await execFileAsync(cliPath, ['workflow', 'list', '--address', address]);
    assert.match(listed.stdout, /quick-start-1/);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    assert.equal(ui.status, 200);

    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0);
    assert.deepEqual(await processesMentioning(dataDir), [], 'no process of the first start survives it');

    const second = startService(env);
    cleanup.push(async () => {
      if (second.child.exitCode === null) second.child.kill('SIGKILL');
    });
    await waitForOutput(second, /llm-cascade is running/);
    const relisted = await execFileAsync(cliPath, ['workflow', 'list', '--address', address]);
    assert.match(relisted.stdout, /quick-start-1/);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0);
    assert.deepEqual(await processesMentioning(dataDir), []);
  });
});
