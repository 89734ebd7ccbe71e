import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingHistories } from '../helpers/histories';
import { assertDurable } from './assert-durable';
import { openDurabilityContext, type DurabilityContext } from './harness';
import { runNonRetryableErrors } from './scenarios';

let context: DurabilityContext;
before(async () => {
  context = await openDurabilityContext();
});
after(async () => {
  await context?.close();
});

describe('non-retryable provider errors (401, 400)', () => {
  it(
    'fails fast after exactly one call, with the provider message in the result',
    { timeout: 10 * 60_000 },
    async () => {
      const report = await runNonRetryableErrors(context, {
        requestsPerKind: 3,
        recordHistories: recordingHistories(),
      });
      assertDurable(report);
      assert.equal(report.figures.requests, 12);
      assert.equal(report.details.failedFast, 12);
      assert.equal(report.figures.modelCalls, 12, 'one call per request: no retry, no fallback, no escalation');
    },
  );
});
