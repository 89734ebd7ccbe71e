import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resultsOfBatch } from '../batch/batch-results';
import { RECENT_FAILURES_KEPT } from '../core/batch';
import { batchRunHistories, openBatchEngine } from './helpers/batch-engine';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

let temporal: TestTemporal;

before(async () => {
  temporal = await connectTestTemporal();
});
after(async () => {
  await temporal?.close();
});

/** Temporal's hard limits: 2 MB per payload, 50 MB and 51,200 events per history. */
const PAYLOAD_LIMIT = 2 * 1024 * 1024;

describe('batch at scale', () => {
  it('takes 100,000 lines through pages and continue-as-new without nearing any payload or history limit', async () => {
    const engine = await openBatchEngine(temporal, { label: 'batch-scale' });
    try {
      // Every line is rejected by validation (a misspelt field), so no child runs: this measures the
      // batch's own reading, bookkeeping and continue-as-new over 100,000 lines in a CI-sized time.
      // (test/workflows-batch.test.ts runs children through continue-as-new; scripts/batch-durability.ts at 10,000.)
      const count = 100_000;
      const file = path.join(engine.workDir, 'large.jsonl');
      await writeFile(
        file,
        Array.from({ length: count }, (_, i) => JSON.stringify({ id: `r${i + 1}`, promt: `Request ${i + 1}` })).join(
          '\n',
        ) + '\n',
      );

      const batchId = `scale-${Date.now()}`;
      await engine.batches.start({
        batchId,
        source: { kind: 'file', path: file },
        options: { pageSize: 2000, maxPageBytes: 256 * 1024, maxLinesPerRun: 10_000 },
      });
      await engine.batches.wait(batchId);
      const view = await engine.batches.status(batchId);

      assert.equal(view.status, 'completed');
      assert.equal(view.totalLines, count);
      assert.equal(view.totals.read, count);
      assert.equal(view.totals.failed, count);
      assert.equal(view.totals.done, 0);
      assert.equal(
        view.recentFailures.length,
        RECENT_FAILURES_KEPT,
        'the progress keeps a bounded sample; the results list them all',
      );
      assert.deepEqual(view.recentFailures.at(-1), {
        line: count,
        key: `r${count}`,
        error: view.recentFailures.at(-1)!.error,
      });
      assert.match(view.recentFailures.at(-1)!.error, /promt/);
      assert.ok(view.run >= 10, `continued as new ${view.run - 1} times`);

      let runs = 0;
      for await (const { history } of batchRunHistories(temporal.client, batchId)) {
        const events = history.events ?? [];
        const bytes = Buffer.byteLength(JSON.stringify(history));
        let largest = 0;
        for (const event of events) {
          const payloads = [
            ...(event.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
            ...(event.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
            ...(event.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads ?? []),
          ];
          for (const payload of payloads) largest = Math.max(largest, payload.data?.length ?? 0);
        }
        assert.ok(events.length < 1000, `run ${runs + 1}: ${events.length} events`);
        assert.ok(largest < PAYLOAD_LIMIT / 4, `run ${runs + 1}: largest payload ${largest} bytes`);
        // Small enough for a client with gRPC's default 4 MB message limit to read in one page.
        assert.ok(bytes < 4 * 1024 * 1024, `run ${runs + 1}: history of ${bytes} bytes`);
        runs++;
      }
      assert.equal(runs, view.run);

      let line = 0;
      for await (const result of resultsOfBatch(engine.batches, batchId)) {
        line++;
        assert.equal(result.line, line);
        if (result.status !== 'failed' || !/promt/.test(result.error ?? ''))
          assert.fail(`line ${line}: ${JSON.stringify(result)}`);
      }
      assert.equal(line, count, 'every line is listed, in order, with its error');
    } finally {
      await engine.close();
    }
  });
});
