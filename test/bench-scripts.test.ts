/**
 * The bench scripts as the README runs them, at their smallest: each must still run to its end and
 * write its JSON. Nothing here judges a number (speed is the benches' business, on a quiet
 * machine); it catches a bench that a change broke, as batch source limits once broke
 * `batch-bench.ts` (its input file was outside the directories a worker may read) without any test
 * noticing. Each script starts its own dev server, simulator and worker, as it does for a user.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT_ROOT } from '../config/load-config';

/** Runs `bench/<script>` with tsx as `npx tsx bench/<script> ...args` does; resolves with its exit code and output's tail. */
function runBench(script: string, args: readonly string[]): Promise<{ code: number | null; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', script), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, tail: output }));
  });
}

async function runJson<T>(dir: string, script: string, args: readonly string[]): Promise<T> {
  const out = path.join(dir, `${script}.json`);
  const { code, tail } = await runBench(script, [...args, '--out', out]);
  assert.equal(code, 0, `${script} exited ${code}:\n${tail}`);
  return JSON.parse(await readFile(out, 'utf8')) as T;
}

describe('bench scripts, smallest runs', { timeout: 900_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-scripts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('batch-bench runs both batches to one ok result per line', async () => {
    const result = await runJson<{ runs: Array<{ name: string; lines: number; statuses: Record<string, number> }> }>(
      dir,
      'batch-bench.ts',
      ['--lines', '30', '--before-lines', '20'],
    );
    assert.deepEqual(
      result.runs.map((run) => [run.name, run.statuses]),
      [
        ['before', { ok: 20 }],
        ['now', { ok: 30 }],
      ],
    );
  });

  it('durability-bench --quick measures every cell against its bare twin', async () => {
    const result = await runJson<{
      cells: Array<{ mode: string; shape: string; concurrency: number; history?: { events: number } }>;
      againstBare: Array<{
        shape: string;
        throughputRatioC100: number | null;
        throughputRatioC100AgainstCalls: number | null;
        p50RatioC1AgainstCalls: number | null;
      }>;
    }>(dir, 'durability-bench.ts', ['--quick']);
    for (const mode of ['in-process', 'temporal', 'bare'])
      for (const shape of ['1-step', '3-step'])
        assert.equal(
          result.cells.filter((c) => c.mode === mode && c.shape === shape).length,
          3,
          `${mode} ${shape}: a cell per concurrency`,
        );
    for (const shape of ['1-step', '3-step'])
      assert.deepEqual(
        result.cells.filter((c) => c.mode === 'calls' && c.shape === shape).map((c) => c.concurrency),
        [1, 100],
        `the calls twin of ${shape} at concurrency 1 and 100`,
      );
    assert.deepEqual(
      result.againstBare.map((row) => row.shape),
      ['1-step', '3-step'],
    );
    for (const row of result.againstBare) {
      assert.ok(row.throughputRatioC100! > 0, `${row.shape}: a throughput ratio`);
      assert.ok(row.throughputRatioC100AgainstCalls! > 0, `${row.shape}: a ratio to the calls twin`);
      assert.ok(row.p50RatioC1AgainstCalls! > 0, `${row.shape}: a p50 ratio to the calls twin at concurrency 1`);
    }
    assert.ok(result.cells.every((c) => c.mode === 'in-process' || c.history!.events > 0));
  });

  it('hostile-schema-bench reads every history and finds no failed workflow task', async () => {
    const result = await runJson<{ workflowsRead: number; workflowTaskFailures: number; idle: { p50Ms: number } }>(
      dir,
      'hostile-schema-bench.ts',
      ['--plain', '5'],
    );
    assert.ok(result.workflowsRead > 0);
    assert.equal(result.workflowTaskFailures, 0);
    assert.ok(result.idle.p50Ms > 0);
  });

  it('http-latency-bench --quick measures the round trip against the bare floor', async () => {
    const result = await runJson<{
      modes: Array<{ mode: string; requests: number; p50: number }>;
      ratios: Record<string, { p50: number }>;
    }>(dir, 'http-latency-bench.ts', ['--quick']);
    for (const mode of ['bare', 'bare-eager', 'http'])
      assert.ok((result.modes.find((m) => m.mode === mode)?.requests ?? 0) > 0, `${mode}: requests measured`);
    assert.ok(result.ratios.httpToBare!.p50 > 0);
  });
});
