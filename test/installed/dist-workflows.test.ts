/**
 * The build's workflow code is the source's: `dist/worker/create-worker.js` bundles the compiled
 * `dist/workflows/` (what `npx cascade eval` and any worker run from the build use), and that bundle
 * replays every recorded history in test/histories/. The run builds dist/ fresh before this file
 * (test/run.ts, for every test in test/installed/).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker } from '@temporalio/worker';
import type * as CreateWorker from '../../worker/create-worker';
import type * as WorkerTelemetry from '../../telemetry/worker-telemetry';
import { loadHistories } from '../helpers/histories';
import { installedPackage, type InstalledPackage } from '../helpers/installed-package';

const DIST = path.resolve(__dirname, '..', '..', 'dist');

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});

let installed: InstalledPackage;
before(async () => {
  // Builds dist/ when this file runs alone; the run's own build otherwise.
  installed = await installedPackage();
});
after(async () => {
  await installed?.dispose();
});

describe('the compiled workflows', { timeout: 300_000 }, () => {
  it('bundle from dist/ and replay every recorded history', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module, as a worker run from the build loads it
    const build = require(path.join(DIST, 'worker', 'create-worker.js')) as typeof CreateWorker;
    assert.equal(build.WORKFLOWS_PATH, path.join(DIST, 'workflows', 'index.js'));
    const bundle = await build.bundleWorkflows();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module, beside create-worker.js
    const telemetry = require(path.join(DIST, 'telemetry', 'worker-telemetry.js')) as typeof WorkerTelemetry;
    const histories = await loadHistories();
    const failures: string[] = [];
    let replayed = 0;
    for await (const outcome of Worker.runReplayHistories(
      // The sinks the workflows name, which a replay never calls but the SDK logs an error without.
      { workflowBundle: bundle, ...telemetry.replayTelemetryOptions() },
      histories,
    )) {
      replayed += 1;
      if (outcome.error) failures.push(`${outcome.workflowId}: ${outcome.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, []);
  });
});
