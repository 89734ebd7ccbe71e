import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingHistories } from '../helpers/histories';
import { assertDurable } from './assert-durable';
import { openDurabilityContext, type DurabilityContext } from './harness';
import { runServerRestart } from './scenarios';

let context: DurabilityContext;
before(async () => {
  context = await openDurabilityContext();
});
after(async () => {
  await context?.close();
});

describe('Temporal server restart (same SQLite file and ports)', () => {
  it(
    'completes every request in flight across the restart, none lost, none run or called twice',
    { timeout: 10 * 60_000 },
    async () => {
      const report = await runServerRestart(context, {
        requests: 16,
        restarts: 1,
        recordHistories: recordingHistories(),
      });
      assertDurable(report);
      assert.equal(report.figures.restarts, 1);
      assert.ok(report.details.callsInFlightAtStops! > 0, 'the server went down with calls in flight');
      // One call per (model, request): the worker carried its calls through the downtime.
      assert.equal(
        report.figures.modelCalls,
        new Set(report.calls.map((c) => JSON.stringify([c.model, c.requestBody]))).size,
      );
    },
  );
});
