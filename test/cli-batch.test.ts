import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BatchView } from '../client/batch-client';
import { type BatchResultLine } from '../batch/batch-results';
import { openBatchEngine, writeJsonl, type BatchEngine } from './helpers/batch-engine';
import { eventually } from './helpers/simulated-cascade';
import { runCascadeCli } from './helpers/cascade-cli';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

let temporal: TestTemporal;
let engine: BatchEngine;
let configFile: string;

before(async () => {
  temporal = await connectTestTemporal();
  const script = {
    models: {
      'sim-small': {
        defaultAnswer: { type: 'text' as const, text: 'Answered: {{promptExcerpt}}' },
        rules: [
          {
            when: { promptContains: 'slow' },
            answer: { type: 'text' as const, text: 'late' },
            latency: { type: 'fixed' as const, ms: 1500 },
          },
        ],
      },
    },
  };
  engine = await openBatchEngine(temporal, { label: 'batch-cli', script });
  configFile = path.join(engine.workDir, 'config.json');
  await writeFile(configFile, JSON.stringify(engine.config));
});
after(async () => {
  await engine?.close();
  await temporal?.close();
});

function cascade(args: string[]) {
  return runCascadeCli([...args, '--config', configFile], {
    env: { TEMPORAL_ADDRESS: temporal.address, LLM_CASCADE_BATCH_DIRS: engine.workDir },
    timeoutMs: 180_000,
  });
}

describe('cascade batch', () => {
  it('runs a file to the end, writes results in input order and lists failed lines with their errors', async () => {
    const lines = [
      ...Array.from({ length: 9 }, (_, i) => ({ id: `q${i + 1}`, prompt: `Question ${i + 1}: what is ${i} + 1?` })),
      '{"prompt": oops}',
    ];
    const input = await writeJsonl(path.join(engine.workDir, 'questions.jsonl'), lines);
    const out = path.join(engine.workDir, 'results.jsonl');
    const batchId = `cli-run-${Date.now()}`;

    const run = await cascade(['batch', 'run', input, '--out', out, '--concurrency', '3', '--id', batchId]);
    assert.equal(run.code, 4, `some lines failed: exit 4\n${run.stderr}`);
    assert.match(run.stderr, new RegExp(`started batch ${batchId}`));
    assert.match(run.stdout, /status\s+completed \(run 1\)/);
    assert.match(run.stdout, /lines\s+10 of 10 finished: 9 done, 1 failed, 0 running/);
    assert.match(run.stdout, /line\s+key\s+error/);
    assert.match(run.stderr, /results in input order written to .*results\.jsonl: 9 ok, 1 failed/);

    const results = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BatchResultLine);
    assert.deepEqual(
      results.map((r) => r.line),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.deepEqual(
      results.slice(0, 9).map((r) => r.key),
      ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9'],
    );
    assert.ok(
      results.slice(0, 9).every((r, i) => r.status === 'ok' && r.result!.output.text.includes(`Question ${i + 1}`)),
    );
    assert.equal(results[9]!.status, 'failed');
    assert.match(results[9]!.error!, /invalid JSON/);

    const status = await cascade(['batch', 'status', batchId, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const view = JSON.parse(status.stdout) as BatchView;
    assert.equal(view.totals.done, 9);
    assert.equal(view.totals.failed, 1);

    const failed = await cascade(['batch', 'results', batchId, '--failed']);
    assert.equal(failed.code, 4);
    const failedLines = failed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BatchResultLine);
    assert.deepEqual(
      failedLines.map((l) => l.line),
      [10],
    );

    // Running it again attaches to the finished batch: no line runs twice.
    const calls = engine.simulator.callLog.size;
    const again = await cascade(['batch', 'run', input, '--id', batchId, '--no-progress']);
    assert.equal(again.code, 4);
    assert.match(again.stderr, new RegExp(`attached to batch ${batchId}`));
    assert.equal(engine.simulator.callLog.size, calls);
  });

  it('refuses an input outside the batch directories or URL prefixes before starting anything', async () => {
    const batchId = `cli-refused-${Date.now()}`;
    const passwd = await cascade(['batch', 'run', '/etc/passwd', '--id', batchId, '--detach']);
    assert.equal(passwd.code, 2, passwd.stderr);
    assert.match(passwd.stderr, /cannot use "\/etc\/passwd" as a batch input: refused: .* outside the directories/);
    assert.match(passwd.stderr, /LLM_CASCADE_BATCH_DIRS/);
    const url = await cascade(['batch', 'run', 'http://169.254.169.254/latest/meta-data', '--id', batchId, '--detach']);
    assert.equal(url.code, 2, url.stderr);
    assert.match(url.stderr, /batch sources from URLs are not allowed: LLM_CASCADE_BATCH_URL_PREFIXES/);
    await assert.rejects(temporal.client.workflow.getHandle(batchId).describe(), /not found/i, 'no batch started');
  });

  it('pauses, resumes and cancels a detached batch', async () => {
    // Slow enough (100 lines, 1.5 s each, two at a time) that a CLI call on a loaded machine never finds it ended.
    const input = await writeJsonl(
      path.join(engine.workDir, 'slow.jsonl'),
      Array.from({ length: 100 }, (_, i) => ({ prompt: `slow request ${i + 1}` })),
    );
    const detached = await cascade(['batch', 'run', input, '--detach', '--concurrency', '2']);
    assert.equal(detached.code, 0, detached.stderr);
    const batchId = detached.stdout.trim();
    assert.match(batchId, /^batch-\d{14}-[0-9a-f]{8}$/);

    const pause = await cascade(['batch', 'pause', batchId]);
    assert.equal(pause.code, 0, pause.stderr);
    assert.equal(pause.stdout.trim(), `paused ${batchId}`);
    const paused = await eventually(
      async () => {
        const view = await engine.batches.status(batchId);
        return view.status === 'paused' && view.running === 0 ? view : undefined;
      },
      'the batch to report paused',
      60_000,
    );
    const status = await cascade(['batch', 'status', batchId]);
    assert.match(status.stdout, /status\s+paused/);

    assert.equal((await cascade(['batch', 'resume', batchId])).code, 0);
    await eventually(
      async () => ((await engine.batches.status(batchId)).totals.done > paused.totals.done ? true : undefined),
      'lines after resume',
      60_000,
    );
    assert.equal((await cascade(['batch', 'cancel', batchId])).code, 0);
    const waited = await cascade(['batch', 'status', batchId, '--wait', '--json']);
    assert.equal(waited.code, 1, 'a cancelled batch exits 1');
    const view = JSON.parse(waited.stdout) as BatchView;
    assert.equal(view.status, 'cancelled');
    assert.ok(view.totals.done < 100);

    const late = await cascade(['batch', 'cancel', batchId]);
    assert.equal(late.code, 0, late.stderr);
    assert.equal(late.stdout.trim(), `batch ${batchId} has already ended; nothing to cancel`);
  });

  it('rejects bad input before starting anything', async () => {
    const missing = await cascade(['batch', 'run', path.join(engine.workDir, 'nope.jsonl')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read ".*nope\.jsonl" \(ENOENT\)/);
    const badId = await cascade(['batch', 'run', configFile, '--id', 'has/slash']);
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /--id: must be 1-100 characters/);
    const unknown = await cascade(['batch', 'status', 'no-such-batch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no batch with id "no-such-batch"/);
  });
});
