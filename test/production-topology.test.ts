import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST_ENV } from './helpers/test-env';
import { runProductionTopology, writeTopologyReport } from './topology/production-topology';

describe('production topology: PostgreSQL, the Temporal server, one API and two workers as processes', () => {
  it(
    'completes 100 requests in flight across a worker SIGKILL and a server restart; report and metrics agree',
    { timeout: 12 * 60_000 },
    async () => {
      const report = await runProductionTopology({
        requests: 100,
        ...(process.env[TEST_ENV.workflowBundle] ? { bundlePath: process.env[TEST_ENV.workflowBundle] } : {}),
        ...(process.env[TEST_ENV.temporalCli] ? { cliPath: process.env[TEST_ENV.temporalCli] } : {}),
      });
      // Every run leaves its figures where `npm run topology` writes them (the README quotes them).
      await writeTopologyReport(report);
      const shown = report.violations.slice(0, 40).join('\n  ');
      assert.deepEqual(report.violations, [], `${report.violations.length} violations:\n  ${shown}`);
      const f = report.figures;
      assert.equal(f.completed, 100);
      for (const figure of [
        'lost',
        'duplicateRuns',
        'completedCallsRepeated',
        'answersPaidTwice',
        'workflowTaskFailures',
      ] as const)
        assert.equal(f[figure], 0, `${figure} is ${f[figure]}`);
      assert.equal(f.workerKills, 1);
      assert.equal(f.serverRestarts, 1);
      assert.ok(f.callsCutByKill > 0, 'the kill cut model calls in flight');
      assert.ok(f.callsInFlightAtRestart > 0, 'the server restarted with model calls in flight');
      assert.equal(report.totals.report.completed, 100);
    },
  );
});
