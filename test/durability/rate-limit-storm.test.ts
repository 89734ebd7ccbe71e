import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingHistories } from '../helpers/histories';
import { assertDurable } from './assert-durable';
import { openDurabilityContext, type DurabilityContext } from './harness';
import { runRateLimitStorm } from './scenarios';

let context: DurabilityContext;
before(async () => {
  context = await openDurabilityContext();
});
after(async () => {
  await context?.close();
});

describe('rate-limit storm (429 with retry-after)', () => {
  it(
    'never retries sooner than retry-after allows, through attempts, fallbacks and waiting rounds',
    { timeout: 10 * 60_000 },
    async () => {
      const report = await runRateLimitStorm(context, {
        requestsPerRoute: 6,
        rateLimitsPerRequest: 3,
        recordHistories: recordingHistories(),
      });
      assertDurable(report);
      assert.equal(report.details.answers429, 6 * 3 * 2 + 6 * 4, 'every scheduled 429 was served');
      assert.ok(report.details.retriesAfter429! > 0);
      // Both routes ran out of attempts on a model and waited a round: the path where retry-after used to be ignored.
      assert.ok(
        report.details.callsOutOfAttempts! >= 12,
        `${report.details.callsOutOfAttempts} calls ran out of attempts`,
      );
    },
  );
});
