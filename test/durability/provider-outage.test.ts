import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingHistories } from '../helpers/histories';
import { assertDurable } from './assert-durable';
import { openDurabilityContext, type DurabilityContext } from './harness';
import { runProviderOutage } from './scenarios';

let context: DurabilityContext;
before(async () => {
  context = await openDurabilityContext();
});
after(async () => {
  await context?.close();
});

/** The figures: 60 s, and 30 s in CI to fit its time budget (`npm run soak` always runs 60 s). */
const OUTAGE_MS = process.env.CI ? 30_000 : 60_000;

describe('provider outage (the small tier provider answers 503)', () => {
  it(
    `fails over or waits out ${OUTAGE_MS / 1000} s of 503s, and every request completes`,
    { timeout: 10 * 60_000 },
    async () => {
      const report = await runProviderOutage(context, {
        outageMs: OUTAGE_MS,
        requestsPerWave: 6,
        recordHistories: recordingHistories(),
      });
      assertDurable(report);
      assert.equal(report.details.failedBecauseOfOutage, 0);
      assert.equal(report.details.failedOver, 6, 'the default route fell over to its fallback');
      assert.equal(report.details.waitedForRecovery, 6, 'the route without a fallback waited for the provider');
      assert.ok(report.details.answers503! >= 12, 'the outage was real');
    },
  );
});
