import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runWhatIf, type WhatIfReport } from '../analytics/what-if';
import { resultsOfBatch } from '../batch/batch-results';
import { type CascadeConfig } from '../core/config';
import { sumCosts } from '../core/cost';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { readCascadeInput } from '../client/cascade-history';
import { simulatorEnv } from '../simulator/demo-mode';
import { type SimulatorScriptInput } from '../simulator/simulator-script';
import { collect, openBatchEngine, writeJsonl, type BatchEngine } from './helpers/batch-engine';
import { eventually } from './helpers/simulated-cascade';
import { runCascadeCli } from './helpers/cascade-cli';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

const INVOICE_SCHEMA = {
  type: 'object',
  properties: { invoice_number: { type: 'string' }, total: { type: 'number' } },
  required: ['invoice_number', 'total'],
};

/** Small breaks the JSON of "hard" invoices (they climb to mid) and gets the easy ones right. */
const SCRIPT: SimulatorScriptInput = {
  models: {
    'sim-small': {
      rules: [{ when: { promptContains: 'hard case' }, answer: { type: 'invalid_json' } }],
      defaultAnswer: { type: 'schema_json', facts: 'use' },
    },
    'sim-mid': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
  },
};

let temporal: TestTemporal;
let engine: BatchEngine;
let batchId: string;
/** The earlier batch's results, by cascade id. */
const originals = new Map<string, { costUsd: number; outcome: string; steps: number }>();

function startOnMid(config: CascadeConfig): CascadeConfig {
  return { ...config, routes: { ...config.routes, extraction: { ...config.routes.extraction!, startTier: 'mid' } } };
}

before(async () => {
  temporal = await connectTestTemporal();
  engine = await openBatchEngine(temporal, { label: 'reprocess', script: SCRIPT });
  const lines = Array.from({ length: 12 }, (_, i) => ({
    prompt: `Extract the invoice as JSON.\ninvoice_number: INV-${i + 1}\ntotal: ${i + 10}.5\n(${i % 2 === 0 ? 'hard' : 'easy'} case ${i + 1})`,
    taskType: 'extraction',
    schema: INVOICE_SCHEMA,
  }));
  const file = await writeJsonl(path.join(engine.workDir, 'invoices.jsonl'), lines);
  batchId = `reprocess-src-${Date.now()}`;
  await engine.batches.start({
    batchId,
    source: { kind: 'file', path: file },
    config: engine.config,
    options: { concurrency: 4 },
  });
  await engine.batches.wait(batchId);
  for (const line of await collect(resultsOfBatch(engine.batches, batchId))) {
    assert.equal(line.status, 'ok');
    originals.set(line.workflowId, {
      costUsd: line.result!.costUsd,
      outcome: line.result!.outcome,
      steps: line.result!.steps.length,
    });
  }
  // Visibility is eventually consistent: wait until every cascade of the batch is listed.
  await eventually(
    async () =>
      (await temporal.client.workflow.count(`${CascadeSearchAttributes.batchId.name} = '${batchId}'`)).count === 12
        ? true
        : undefined,
    'the batch in visibility',
    60_000,
  );
});
after(async () => {
  await engine?.close();
  await temporal?.close();
});

function query(): string {
  return `${CascadeSearchAttributes.batchId.name} = '${batchId}'`;
}

describe('reprocess --what-if', () => {
  it('reports the same old costs as the originals and, under the same config, calls no model', async () => {
    const calls = engine.simulator.callLog.size;
    const report = await runWhatIf({
      client: temporal.client,
      query: query(),
      config: engine.config,
      providers: engine.providers,
    });

    assert.equal(report.totals.requests, 12);
    assert.equal(report.totals.compared, 12);
    assert.equal(report.totals.liveCalls, 0);
    assert.equal(engine.simulator.callLog.size, calls, 'no model was called');
    for (const row of report.rows) {
      const original = originals.get(row.id);
      assert.ok(original, `${row.id} is one of the batch's cascades`);
      assert.equal(row.old.costUsd, original.costUsd);
      assert.equal(row.new!.costUsd, original.costUsd, 'the same config decides the same, at the same cost');
      assert.deepEqual(row.new!.path, row.old.path);
      assert.equal(row.new!.outcome, row.old.outcome);
      assert.equal(row.reusedExact, original.steps);
    }
    assert.equal(report.totals.oldCostUsd, sumCosts([...originals.values()].map((o) => o.costUsd)));
    assert.equal(report.totals.newCostUsd, report.totals.oldCostUsd);
    assert.deepEqual(report.totals.outcomeChanges, {});
    assert.equal(report.totals.pathChanges, 0);
  });

  it('under a new config reuses the recorded answers and calls only the models the old runs never called', async () => {
    const calls = engine.simulator.callLog.list().length;
    const report: WhatIfReport = await runWhatIf({
      client: temporal.client,
      query: query(),
      config: startOnMid(engine.config),
      providers: engine.providers,
    });

    // Hard invoices had climbed to mid: its answers are in history. Easy ones never reached mid.
    assert.equal(report.totals.compared, 12);
    assert.equal(report.totals.liveCalls, 6);
    const newCalls = engine.simulator.callLog.list().slice(calls);
    assert.equal(newCalls.length, 6, 'exactly the calls reported were made');
    assert.ok(newCalls.every((c) => c.model === 'sim-mid'));
    for (const row of report.rows) {
      assert.deepEqual(row.new!.path, ['answer mid@mid'], `${row.id} starts and ends on mid`);
      const hard = row.old.escalations === 1;
      assert.equal(row.liveCalls, hard ? 0 : 1);
      assert.equal(
        row.reusedSimilar,
        hard ? 1 : 0,
        'the recorded mid answer had escalation feedback in its system text',
      );
    }
    const hardRows = report.rows.filter((r) => r.old.escalations === 1);
    assert.equal(hardRows.length, 6);
    assert.ok(
      hardRows.every((r) => r.new!.costUsd < r.old.costUsd),
      'no wasted small call on the hard ones',
    );
    assert.equal(report.totals.pathChanges, 12);
    assert.equal(report.totals.oldCostUsd, sumCosts([...originals.values()].map((o) => o.costUsd)));

    const capped = await runWhatIf({
      client: temporal.client,
      query: query(),
      config: startOnMid(engine.config),
      providers: engine.providers,
      maxCalls: 0,
    });
    assert.equal(capped.totals.liveCalls, 0);
    assert.equal(capped.totals.compared, 6, 'the easy ones would need a call');
    assert.ok(
      capped.rows
        .filter((r) => r.error)
        .every((r) => /never called, beyond the allowed number of model calls/.test(r.error!)),
    );
  });

  it('runs from the CLI with --json', async () => {
    const configFile = path.join(engine.workDir, 'mid-config.json');
    await writeFile(configFile, JSON.stringify(startOnMid(engine.config)));
    const calls = engine.simulator.callLog.size;
    const run = await runCascadeCli(['reprocess', '--what-if', '--query', query(), '--json', '--config', configFile], {
      env: { TEMPORAL_ADDRESS: temporal.address, ...(simulatorEnv() as Record<string, string>) },
      timeoutMs: 120_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as WhatIfReport;
    assert.equal(report.totals.requests, 12);
    assert.equal(report.totals.liveCalls, 6);
    assert.equal(engine.simulator.callLog.size, calls + 6);

    const human = await runCascadeCli(
      ['reprocess', '--what-if', '--query', query(), '--max-calls', '0', '--config', configFile],
      {
        env: { TEMPORAL_ADDRESS: temporal.address, ...(simulatorEnv() as Record<string, string>) },
        timeoutMs: 120_000,
      },
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /compared\s+6 of 12/);
    assert.match(human.stdout, /0 model calls made now/);
  });
});

describe('reprocess', () => {
  it('re-runs past requests from their history as a batch under a new config', async () => {
    const reprocessId = `reprocess-run-${Date.now()}`;
    const source = { kind: 'query' as const, query: query(), before: new Date().toISOString() };
    await engine.batches.start({
      batchId: reprocessId,
      source,
      config: startOnMid(engine.config),
      options: { concurrency: 4, pageSize: 5 },
    });
    await engine.batches.wait(reprocessId);
    const view = await engine.batches.status(reprocessId);
    assert.equal(view.status, 'completed');
    assert.equal(view.totals.done, 12);
    assert.equal(view.totals.failed, 0);

    const results = await collect(resultsOfBatch(engine.batches, reprocessId));
    assert.equal(results.length, 12);
    for (const line of results) {
      assert.equal(line.status, 'ok');
      assert.ok(originals.has(line.key), 'each line is keyed by the cascade it re-runs');
      assert.equal(line.workflowId, `${reprocessId}/${line.key}`);
      assert.equal(line.result!.steps[0]!.tier, 'mid', 'under the new config');
      assert.equal(line.result!.outcome, 'accepted');
    }
    // The re-run's requests are the originals' (read from history), under their new ids.
    const requestOf = async (id: string) => {
      const { request } = await readCascadeInput(temporal.client, { workflowId: id });
      const { id: _id, ...rest } = request;
      return { id: request.id, rest };
    };
    for (const line of results) {
      const [rerun, original] = await Promise.all([requestOf(line.workflowId), requestOf(line.key)]);
      assert.equal(rerun.id, line.workflowId);
      assert.deepEqual(rerun.rest, original.rest);
    }
  });
});
