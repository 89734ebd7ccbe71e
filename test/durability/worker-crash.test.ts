import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingHistories } from '../helpers/histories';
import { assertDurable } from './assert-durable';
import { openDurabilityContext, type DurabilityContext } from './harness';
import { runWorkerCrash } from './scenarios';

let context: DurabilityContext;
before(async () => {
  context = await openDurabilityContext();
});
after(async () => {
  await context?.close();
});

describe('worker crash (SIGKILL of the worker process)', () => {
  it(
    'completes every request after a kill mid-flight, and makes no answered model call again',
    { timeout: 10 * 60_000 },
    async () => {
      // The soak runs 50 requests and three kills; CI runs fewer, which costs the proof nothing.
      const report = await runWorkerCrash(context, { requests: 32, kills: 1, recordHistories: recordingHistories() });
      assertDurable(report);
      assert.equal(report.figures.kills, 1);
      // Held: every request that was not finished when the worker died (a quarter finished before).
      assert.equal(report.details.heldRequests, 24);
      assert.ok(report.details.callsCutByKills! >= 24, `${report.details.callsCutByKills} calls were cut by the kill`);
      assert.ok(report.details.queuedWhileNoWorker! > 0);
    },
  );
});
