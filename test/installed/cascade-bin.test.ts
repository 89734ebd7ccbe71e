/**
 * The `cascade` command as a user runs it: the project packed with `npm pack` and installed from
 * the tarball into a fresh project, then `node_modules/.bin/cascade` spawned (what `npx cascade`
 * runs) against the run's Temporal server, with a worker and the simulated providers in this
 * process. The install is the client-only one (no optional peers), as another service gets it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BATCH_DIRS_ENV } from '../../batch/batch-source-policy';
import { freePort } from '../../lib/dev-server';
import { openBatchEngine, writeJsonl, type BatchEngine } from '../helpers/batch-engine';
import { installedPackage, type InstalledPackage } from '../helpers/installed-package';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let installed: InstalledPackage;
let temporal: TestTemporal;
let engine: BatchEngine;
let env: Record<string, string>;

before(async () => {
  installed = await installedPackage();
  temporal = await connectTestTemporal();
  engine = await openBatchEngine(temporal, {
    label: 'installed-bin',
    script: { models: { 'sim-small': { defaultAnswer: { type: 'text', text: 'Answered: {{promptExcerpt}}' } } } },
  });
  // The command reads the same config as the worker: above all, its task queue.
  const configFile = path.join(engine.workDir, 'config.json');
  await writeFile(configFile, JSON.stringify(engine.config));
  env = { TEMPORAL_ADDRESS: temporal.address, LLM_CASCADE_CONFIG: configFile };
});
after(async () => {
  await engine?.close();
  await temporal?.close();
  await installed?.dispose();
});

/** `cascade ...args` from the consumer project, in a clean environment plus `extraEnv`. */
function cascade(args: string[], extraEnv: Record<string, string> = env, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(installed.bin, args, {
      cwd: installed.dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        // Where the run lets batches read their inputs (test/run.ts): the temp dir the tests write to.
        ...(process.env[BATCH_DIRS_ENV] ? { [BATCH_DIRS_ENV]: process.env[BATCH_DIRS_ENV] } : {}),
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cascade ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the installed cascade command', { timeout: 600_000 }, () => {
  it('is the compiled CLI of the installed package, with none of the worker dependencies beside it', async () => {
    const target = await realpath(installed.bin);
    assert.equal(target, path.join(installed.dir, 'node_modules', 'llm-cascade', 'bin', 'cascade.js'));
    assert.ok(existsSync(path.join(installed.dir, 'node_modules', 'llm-cascade', 'dist', 'cli', 'main.js')));
    for (const absent of ['tsx', '@temporalio/worker', '@temporalio/core-bridge', '@swc/core', 'webpack', 'fastify'])
      assert.ok(!existsSync(path.join(installed.dir, 'node_modules', absent)), `${absent} is not installed`);

    const help = await cascade(['--help'], {});
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: cascade \[options\] \[command\]$/m);
    for (const command of ['run', 'status', 'list', 'classify', 'batch'])
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('runs a request, then shows it with status and finds it with list', async () => {
    const id = `bin-run-${Date.now()}`;
    const run = await cascade(['run', '--id', id, 'What is the capital of France?']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Answered: What is the capital of France\?/);
    assert.match(run.stdout, /^outcome\s+accepted: accepted at tier small: every check passed$/m);
    assert.match(run.stderr, new RegExp(`^cascade ${id} submitted; waiting for the result\\.\\.\\.$`, 'm'));

    const status = await cascade(['status', id]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^id\\s+${id}$`, 'm'));
    assert.match(status.stdout, /^status\s+completed$/m);

    // Other test files start cascades on the same server meanwhile: look past the newest 20.
    const list = await cascade(['list', '--json', '--limit', '1000']);
    assert.equal(list.code, 0, list.stderr);
    const ids = list.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    assert.ok(ids.includes(id), `list shows ${id}: ${ids.join(', ')}`);
  });

  it('classifies a prompt offline, with no server to talk to', async () => {
    const classify = await cascade(['classify', 'Extract the invoice number and total from: INV-7, 120 EUR'], {
      ...env,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    assert.equal(classify.code, 0, classify.stderr);
    assert.match(classify.stdout, /^task type\s+extraction$/m);
    assert.match(classify.stdout, /^route\s+extraction \(starts on tier small\)$/m);
  });

  it('runs a batch of 300 lines to 300 results, in input order', async () => {
    const count = 300;
    const input = await writeJsonl(
      path.join(engine.workDir, 'three-hundred.jsonl'),
      Array.from({ length: count }, (_, i) => ({
        id: `bin-line-${i + 1}`,
        prompt: `Question ${i + 1}: what is ${i} + 1?`,
      })),
    );
    const out = path.join(engine.workDir, 'three-hundred.results.jsonl');
    const batch = await cascade(['batch', 'run', input, '--out', out, '--id', `bin-batch-${Date.now()}`], env, 540_000);
    assert.equal(batch.code, 0, batch.stderr);
    const results = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; key: string; status: string });
    assert.equal(results.length, count);
    assert.deepEqual(
      results.map((r) => r.key),
      Array.from({ length: count }, (_, i) => `bin-line-${i + 1}`),
    );
    assert.ok(
      results.every((r) => r.status === 'ok'),
      JSON.stringify(results.find((r) => r.status !== 'ok')),
    );
  });

  it('reports a failing command as its real error in one line, with the documented exit code', async () => {
    const missing = await cascade(['status', 'no-such-cascade']);
    assert.equal(missing.code, 1, 'exit 1: failure (no such cascade)');
    assert.equal(missing.stderr, 'error: no cascade with id "no-such-cascade"\n');

    const unreachable = await cascade(['list'], { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    assert.equal(unreachable.code, 3, 'exit 3: Temporal unreachable');
    assert.match(unreachable.stderr, /^error: cannot reach Temporal at 127\.0\.0\.1:\d+ \(.*\)\. Is `npm start`.*\n$/);
    // `report` loads its module on demand (a dynamic import in the compiled CLI).
    const report = await cascade(['report', '--since', '1d'], {
      ...env,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    assert.equal(report.code, 3, report.stderr);
    assert.match(report.stderr, /^error: cannot reach Temporal at 127\.0\.0\.1:\d+/);

    const invalid = await cascade(['run', '--task-type', 'no_such_route', 'hello']);
    assert.equal(invalid.code, 2, 'exit 2: usage (invalid request)');
    assert.match(invalid.stderr, /^error: invalid request:\n {2}- taskType: /);

    // `eval` runs workflows on a worker of its own: the client-only install says what it lacks.
    const evaluation = await cascade(['eval', '--limit', '1']);
    assert.equal(evaluation.code, 1, evaluation.stderr);
    assert.match(
      evaluation.stderr,
      /^error: this command needs @temporalio\/worker, which an install for the client alone leaves out: .*\n$/,
    );
  });
});
