import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingHistories } from '../helpers/histories';
import { assertDurable } from './assert-durable';
import { openDurabilityContext, type DurabilityContext } from './harness';
import { runBadModelOutput } from './scenarios';

let context: DurabilityContext;
before(async () => {
  context = await openDurabilityContext();
});
after(async () => {
  await context?.close();
});

describe('bad model output', () => {
  it(
    'turns garbage, truncated JSON, huge answers and wrong types into failed checks, escalations or exhausted, never a workflow task failure',
    { timeout: 10 * 60_000 },
    async () => {
      // 600,000 characters per answer: three of them once made a result over Temporal's 2 MB payload limit.
      const report = await runBadModelOutput(context, {
        requestsPerKind: 2,
        hugeAnswerChars: 600_000,
        recordHistories: recordingHistories(),
      });
      assertDurable(report);
      assert.equal(report.figures.requests, 12);
      assert.equal(
        report.details.exhausted,
        6,
        'garbage everywhere, huge everywhere and the one-shot route end exhausted',
      );
      assert.ok(report.details.failedChecks! >= 18);
    },
  );
});
