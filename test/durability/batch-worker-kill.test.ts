import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDurabilityContext, type DurabilityContext } from './harness';
import { runBatchKill } from './batch-kill-scenario';

/**
 * CI-sized. On this 2-core machine, shared with other test runs, a batch moves about 4-6 lines a
 * second (10,000 lines took 31 minutes; 1,000 lines 4.4 minutes with the kill and the what-if), so
 * `npm test` runs 300 lines and `npx tsx scripts/batch-durability.ts` the full 10,000.
 * `LLM_CASCADE_BATCH_KILL_LINES` sets the size here.
 */
const LINES = Number(process.env.LLM_CASCADE_BATCH_KILL_LINES ?? 300);

let context: DurabilityContext;

before(async () => {
  context = await openDurabilityContext();
});
after(async () => {
  await context?.close();
});

describe('batch durability', () => {
  it(
    `completes a ${LINES}-line batch with its worker process SIGKILLed half-way: every line one result, none lost, none run twice; the what-if reproduces it without a model call`,
    { timeout: 40 * 60_000 },
    async () => {
      const report = await runBatchKill(context, {
        lines: LINES,
        concurrency: 40,
        pageSize: 100,
        timeoutMs: 30 * 60_000,
        whatIf: true,
      });
      assert.deepEqual(report.violations, []);
      assert.equal(report.progress.totals.done, LINES);
      assert.ok(report.doneAtKill > 0 && report.doneAtKill < LINES, `killed mid-way (${report.doneAtKill} lines done)`);
      assert.ok(report.callsCutByKill > 0, 'the kill cut calls off, which were made again');
      assert.equal(report.modelCalls, LINES + report.callsCutByKill);
      // The what-if over this batch under the same config: the same costs, from history alone.
      assert.equal(report.whatIf?.oldCostUsd, report.progress.totals.costUsd);
      assert.equal(report.whatIf?.newCostUsd, report.progress.totals.costUsd);
      assert.equal(report.whatIf?.modelCallsMade, 0);
    },
  );
});
