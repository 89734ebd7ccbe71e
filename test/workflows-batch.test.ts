import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { sumCosts } from '../core/cost';
import { type BatchProgress } from '../core/batch';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { resultsOfBatch, type BatchResultLine } from '../batch/batch-results';
import {
  answeredCallsByPrompt,
  batchRunHistories,
  collect,
  openBatchEngine,
  writeJsonl,
  type BatchEngine,
} from './helpers/batch-engine';
import { recordingHistories, saveHistory, type History } from './helpers/histories';
import { eventually } from './helpers/simulated-cascade';
import { connectTestTemporal, workflowBundleCode, type TestTemporal } from './helpers/temporal';
import { replayTelemetryOptions } from '../telemetry/worker-telemetry';

let temporal: TestTemporal;
/** Batch workflow ids these tests ran, by label, replayed at the end: the batch workflow must be deterministic too. */
const batchIds: string[] = [];
const labels = new Map<string, string>();

function keep(label: string, batchId: string): string {
  batchIds.push(batchId);
  labels.set(batchId, label);
  return batchId;
}

before(async () => {
  temporal = await connectTestTemporal();
});
after(async () => {
  await temporal?.close();
});

function prompts(count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) => `Say something about item ${tag}-${i + 1}.`);
}

async function runToEnd(
  engine: BatchEngine,
  file: string,
  batchId: string,
  options: Record<string, number> = {},
): Promise<BatchProgress> {
  const { created } = await engine.batches.start({ batchId, source: { kind: 'file', path: file }, options });
  assert.equal(created, true);
  await engine.batches.wait(batchId);
  return engine.batches.status(batchId);
}

/** Every run of a batch's continue-as-new chain, oldest first, with its history and sizes. */
async function runsOf(batchId: string) {
  const runs: Array<{ runId: string; history: History; events: number; largestPayload: number }> = [];
  for await (const { runId, history } of batchRunHistories(temporal.client, batchId)) {
    const events = history.events ?? [];
    let largestPayload = 0;
    for (const event of events) largestPayload = Math.max(largestPayload, largestPayloadIn(event));
    runs.push({ runId, history, events: events.length, largestPayload });
  }
  return runs;
}

function largestPayloadIn(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (value === null || typeof value !== 'object') return 0;
  let largest = 0;
  for (const child of Object.values(value)) largest = Math.max(largest, largestPayloadIn(child));
  return largest;
}

describe('batch workflow', () => {
  it('runs every valid line once, in input order, and lists invalid lines with their errors', async () => {
    const engine = await openBatchEngine(temporal, { label: 'batch-order' });
    try {
      const texts = prompts(20, 'order');
      const lines: unknown[] = texts.map((prompt, i) => (i === 3 ? { id: 'with-id-4', prompt } : { prompt }));
      lines.splice(
        5,
        0,
        '{"prompt": "broken JSON',
        { messages: [] },
        { prompt: 'a bad schema', schema: { type: 'no-such-type' } },
      );
      lines.push({ id: 'with-id-4', prompt: 'another request under a used id' });
      const file = await writeJsonl(path.join(engine.workDir, 'input.jsonl'), lines);

      const batchId = keep('order', `order-${Date.now()}`);
      const progress = await runToEnd(engine, file, batchId, { concurrency: 4, pageSize: 4 });

      assert.equal(progress.status, 'completed');
      assert.equal(progress.totalLines, 24);
      assert.equal(progress.totals.read, 24);
      assert.equal(progress.totals.done, 20);
      assert.equal(progress.totals.failed, 4);
      assert.equal(progress.running, 0);

      const results = await collect(resultsOfBatch(engine.batches, batchId));
      assert.deepEqual(
        results.map((r) => r.line),
        Array.from({ length: 24 }, (_, i) => i + 1),
        'one result per line, in input order',
      );
      const failed = results.filter((r) => r.status === 'failed');
      assert.deepEqual(
        failed.map((r) => r.line),
        [6, 7, 8, 24],
      );
      assert.match(failed[0]!.error!, /invalid JSON/);
      assert.match(failed[1]!.error!, /messages: must hold at least one message/);
      assert.match(failed[2]!.error!, /schema: invalid JSON Schema/);
      assert.match(failed[3]!.error!, /already used for a different request/);
      const ok = results.filter(
        (r): r is BatchResultLine & { result: NonNullable<BatchResultLine['result']> } => r.status === 'ok',
      );
      assert.equal(ok.length, 20);
      assert.deepEqual(
        ok.map((r) => r.result.steps[0]!.text.replace(/^.* to: /, '')),
        texts.map((t) => t),
        'each result answers its own line',
      );
      assert.equal(ok[3]!.workflowId, `${batchId}/with-id-4`, 'a line id keys its cascade');
      assert.equal(ok[0]!.workflowId, `${batchId}/1`, 'a line without id is keyed by its line number');
      assert.equal(progress.totals.costUsd, sumCosts(ok.map((r) => r.result.costUsd)));
      assert.equal(progress.totals.savedUsd, sumCosts(ok.map((r) => r.result.savedUsd)));

      const calls = answeredCallsByPrompt(engine.simulator);
      for (const text of texts) assert.equal(calls.get(text), 1, `one model call for "${text}"`);
      assert.equal(engine.simulator.callLog.size, 20);

      const description = await temporal.client.workflow.getHandle(`${batchId}/1`).describe();
      assert.equal(description.typedSearchAttributes.get(CascadeSearchAttributes.batchId), batchId);
    } finally {
      await engine.close();
    }
  });

  it('continues as new with a small page size and per-run cap, so no run history grows with the input', async () => {
    const engine = await openBatchEngine(temporal, { label: 'batch-can' });
    try {
      const texts = prompts(60, 'can');
      const file = await writeJsonl(
        path.join(engine.workDir, 'input.jsonl'),
        texts.map((prompt) => ({ prompt })),
      );
      const batchId = keep('continue-as-new', `can-${Date.now()}`);
      const progress = await runToEnd(engine, file, batchId, { concurrency: 5, pageSize: 5, maxLinesPerRun: 12 });

      assert.equal(progress.status, 'completed');
      assert.equal(progress.totals.done, 60);
      assert.equal(progress.totals.failed, 0);
      assert.ok(progress.run >= 5, `continued as new: ended in run ${progress.run}`);
      const runs = await runsOf(batchId);
      assert.equal(runs.length, progress.run);
      // Twelve lines per run: a few events per line plus workflow tasks, whatever the input's length.
      for (const run of runs) assert.ok(run.events < 250, `run ${run.runId} has ${run.events} events`);
      const maxEvents = Math.max(...runs.map((r) => r.events));
      assert.ok(
        runs.every((r) => r.largestPayload < 64 * 1024),
        'no payload near the limit',
      );

      const results = await collect(resultsOfBatch(engine.batches, batchId));
      assert.equal(results.length, 60);
      assert.ok(results.every((r, i) => r.status === 'ok' && r.line === i + 1));
      const calls = answeredCallsByPrompt(engine.simulator);
      for (const text of texts) assert.equal(calls.get(text), 1, `exactly one model call for "${text}"`);
      // The whole batch's events, were it one run, against the per-run bound.
      const total = runs.reduce((sum, r) => sum + r.events, 0);
      assert.ok(
        total > maxEvents * 3,
        `the events are spread over runs (${total} in all, at most ${maxEvents} in one)`,
      );
    } finally {
      await engine.close();
    }
  });

  it('reads its input over http with range requests', async () => {
    let body = Buffer.alloc(0);
    const ranges: string[] = [];
    const server: Server = createServer((request, response) => {
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      if (range) {
        ranges.push(range[1]!);
        response.writeHead(206, { 'content-type': 'application/x-ndjson' });
        response.end(body.subarray(Number(range[1])));
      } else {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.end(body);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // URLs are read only under the prefixes the worker allows (none by default).
    const engine = await openBatchEngine(temporal, {
      label: 'batch-http',
      batchSources: { directories: [os.tmpdir()], urlPrefixes: [`${origin}/`] },
    });
    try {
      const texts = prompts(12, 'http');
      const file = await writeJsonl(
        path.join(engine.workDir, 'input.jsonl'),
        texts.map((prompt) => ({ prompt })),
      );
      body = await readFile(file);
      const url = `${origin}/input.jsonl`;

      const batchId = keep('http', `http-${Date.now()}`);
      await engine.batches.start({ batchId, source: { kind: 'url', url }, options: { concurrency: 3, pageSize: 4 } });
      await engine.batches.wait(batchId);
      const progress = await engine.batches.status(batchId);
      assert.equal(progress.status, 'completed');
      assert.equal(progress.totals.done, 12);
      assert.ok(ranges.length >= 2, `later pages were read with Range requests (${ranges.join(', ')})`);
      const results = await collect(resultsOfBatch(engine.batches, batchId));
      assert.deepEqual(
        results.map((r) => r.status),
        Array(12).fill('ok'),
      );
    } finally {
      server?.close();
      await engine.close();
    }
  });

  it('fails with a clear error when the worker cannot read the input', async () => {
    const engine = await openBatchEngine(temporal, { label: 'batch-missing' });
    try {
      const batchId = keep('missing-input', `missing-${Date.now()}`);
      await engine.batches.start({
        batchId,
        source: { kind: 'file', path: path.join(engine.workDir, 'no-such-file.jsonl') },
      });
      await engine.batches.wait(batchId);
      const view = await engine.batches.status(batchId);
      assert.equal(view.workflowStatus, 'FAILED');
      assert.match(view.error ?? '', /no-such-file\.jsonl.*ENOENT/);
    } finally {
      await engine.close();
    }
  });

  it('pauses, resumes, on cancel lets running lines finish and starts no more, and continues when started again', async () => {
    const script = {
      models: {
        'sim-small': {
          defaultAnswer: { type: 'text' as const, text: 'fine' },
          latency: { type: 'fixed' as const, ms: 300 },
        },
      },
    };
    const engine = await openBatchEngine(temporal, { label: 'batch-signals', script });
    try {
      const texts = prompts(40, 'signals');
      const file = await writeJsonl(
        path.join(engine.workDir, 'input.jsonl'),
        texts.map((prompt) => ({ prompt })),
      );
      const batchId = keep('signals', `signals-${Date.now()}`);
      await engine.batches.start({
        batchId,
        source: { kind: 'file', path: file },
        options: { concurrency: 2, pageSize: 10 },
      });
      await eventually(
        async () => ((await engine.batches.status(batchId)).totals.done >= 3 ? true : undefined),
        'a few lines done',
        60_000,
      );

      await engine.batches.pause(batchId);
      const paused = await eventually(
        async () => {
          const view = await engine.batches.status(batchId);
          return view.status === 'paused' && view.running === 0 ? view : undefined;
        },
        'the running lines to finish',
        60_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const stillPaused = await engine.batches.status(batchId);
      assert.equal(stillPaused.totals.done, paused.totals.done, 'no line started while paused');
      assert.equal(engine.simulator.callLog.size, paused.totals.done);

      await engine.batches.resume(batchId);
      await eventually(
        async () => ((await engine.batches.status(batchId)).totals.done >= paused.totals.done + 3 ? true : undefined),
        'progress after resume',
        60_000,
      );
      await engine.batches.cancel(batchId);
      await engine.batches.wait(batchId);
      const cancelled = await engine.batches.status(batchId);

      assert.equal(cancelled.status, 'cancelled');
      assert.ok(cancelled.totals.done < 40, `stopped early (${cancelled.totals.done} done)`);
      assert.equal(cancelled.totals.failed, 0, 'running lines were allowed to finish');
      assert.equal(engine.simulator.callLog.size, cancelled.totals.done, 'every call made belongs to a finished line');
      const results = await collect(resultsOfBatch(engine.batches, batchId));
      assert.equal(results.filter((r) => r.status === 'ok').length, cancelled.totals.done);
      assert.equal(results.filter((r) => r.status === 'not_run').length, 40 - cancelled.totals.done);
      const firstNotRun = results.findIndex((r) => r.status === 'not_run');
      assert.ok(
        results.slice(firstNotRun).every((r) => r.status === 'not_run'),
        'lines start in input order',
      );

      // Started again under its id, a cancelled batch runs the rest, attaching to the lines already done.
      const again = await engine.batches.start({
        batchId,
        source: { kind: 'file', path: file },
        options: { concurrency: 4, pageSize: 10 },
      });
      assert.equal(again.created, true);
      await engine.batches.wait(batchId);
      const finished = await engine.batches.status(batchId);
      assert.equal(finished.status, 'completed');
      assert.equal(finished.totals.done, 40);
      assert.equal(
        finished.totals.costUsd,
        sumCosts((await collect(resultsOfBatch(engine.batches, batchId))).map((r) => r.result!.costUsd)),
      );
      const calls = answeredCallsByPrompt(engine.simulator);
      for (const text of texts) assert.equal(calls.get(text), 1, `exactly one model call for "${text}"`);
    } finally {
      await engine.close();
    }
  });

  it('continues a batch rerun under the same id where it stopped, never running a line twice', async () => {
    const script = {
      models: {
        'sim-small': {
          defaultAnswer: { type: 'text' as const, text: 'fine' },
          latency: { type: 'fixed' as const, ms: 150 },
        },
      },
    };
    const engine = await openBatchEngine(temporal, { label: 'batch-rerun', script });
    try {
      const texts = prompts(30, 'rerun');
      const file = await writeJsonl(
        path.join(engine.workDir, 'input.jsonl'),
        texts.map((prompt) => ({ prompt })),
      );
      const batchId = keep('rerun', `rerun-${Date.now()}`);
      const source = { kind: 'file' as const, path: file };
      await engine.batches.start({ batchId, source, options: { concurrency: 3, pageSize: 5 } });
      await eventually(
        async () => ((await engine.batches.status(batchId)).totals.done >= 8 ? true : undefined),
        'some lines done',
        60_000,
      );
      // The batch itself dies mid-way; its running children go on (parent close policy ABANDON).
      await temporal.client.workflow.getHandle(batchId).terminate('simulated crash of the batch');

      const rerun = await engine.batches.start({ batchId, source, options: { concurrency: 3, pageSize: 5 } });
      assert.equal(rerun.created, true, 'a terminated batch is started again');
      await engine.batches.wait(batchId);
      const progress = await engine.batches.status(batchId);
      assert.equal(progress.status, 'completed');
      assert.equal(progress.totals.done, 30);
      assert.equal(progress.totals.failed, 0);

      const calls = answeredCallsByPrompt(engine.simulator);
      for (const text of texts) assert.equal(calls.get(text), 1, `exactly one model call for "${text}"`);
      assert.equal(engine.simulator.callLog.size, 30);

      // A completed batch is never run again: starting its id attaches.
      const again = await engine.batches.start({ batchId, source });
      assert.equal(again.created, false);
      await assert.rejects(
        engine.batches.start({ batchId, source: { kind: 'file', path: `${file}.other` } }),
        /already used for another input/,
      );
      assert.equal(engine.simulator.callLog.size, 30);
    } finally {
      await engine.close();
    }
  });

  it('replays the batches these tests ran without a determinism error', async () => {
    assert.ok(batchIds.length >= 5);
    const histories = [];
    for (const batchId of batchIds) {
      const runs = await runsOf(batchId);
      for (const [i, { runId, history }] of runs.entries()) {
        histories.push({ workflowId: `${batchId}@${runId}`, history });
        // The first and last run of each batch join the stored histories every test run replays.
        if (recordingHistories() && (i === 0 || i === runs.length - 1)) {
          await saveHistory(`batch-${labels.get(batchId)}-${i === 0 ? 'first' : 'last'}-run`, history);
        }
      }
    }
    const code = await workflowBundleCode();
    let replayed = 0;
    for await (const outcome of Worker.runReplayHistories(
      { workflowBundle: { code }, ...replayTelemetryOptions() },
      histories,
    )) {
      assert.equal(outcome.error, undefined, `${outcome.workflowId}: ${outcome.error?.message}`);
      replayed += 1;
    }
    assert.equal(replayed, histories.length);
  });
});
