import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { reasonPattern, savingsReport, type SavingsReport } from '../analytics/savings-report';
import { renderReportHtml } from '../analytics/report-html';
import { resultsOfBatch } from '../batch/batch-results';
import { sumCosts } from '../core/cost';
import { type CascadeResult } from '../core/result';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { type SimulatorScriptInput } from '../simulator/simulator-script';
import { collect, openBatchEngine, writeJsonl, type BatchEngine } from './helpers/batch-engine';
import { eventually } from './helpers/simulated-cascade';
import { runCascadeCli } from './helpers/cascade-cli';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

const SCHEMA = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };

/** "once" climbs small -> mid; "never" fails JSON on every tier and ends exhausted; the rest pass on small. */
const SCRIPT: SimulatorScriptInput = {
  models: {
    'sim-small': {
      rules: [
        { when: { promptContains: 'once' }, answer: { type: 'invalid_json' } },
        { when: { promptContains: 'never' }, answer: { type: 'invalid_json' } },
      ],
      defaultAnswer: { type: 'schema_json', facts: 'use' },
    },
    'sim-mid': {
      rules: [{ when: { promptContains: 'never' }, answer: { type: 'schema_violation' } }],
      defaultAnswer: { type: 'schema_json', facts: 'use' },
    },
    'sim-frontier': { defaultAnswer: { type: 'invalid_json', style: 'prose' } },
  },
};

let temporal: TestTemporal;
let engine: BatchEngine;
let since: Date;
let results: CascadeResult[];

function windowQuery(): string {
  return `TaskQueue = '${engine.config.taskQueue}'`;
}

before(async () => {
  temporal = await connectTestTemporal();
  engine = await openBatchEngine(temporal, { label: 'report', script: SCRIPT });
  since = new Date(Date.now() - 60_000);
  const kinds = ['easy', 'easy', 'once', 'easy', 'never', 'once', 'easy', 'easy', 'once', 'easy'];
  const lines = [
    ...kinds.map((kind, i) => ({
      prompt: `Extract the total as JSON: total: ${i}.5 (${kind} ${i})`,
      taskType: 'extraction',
      schema: SCHEMA,
    })),
    { prompt: 'Say hello to the team.', taskType: 'default' },
    { prompt: 'Say goodbye to the team.', taskType: 'default' },
  ];
  const file = await writeJsonl(path.join(engine.workDir, 'traffic.jsonl'), lines);
  const batchId = `report-${Date.now()}`;
  await engine.batches.start({ batchId, source: { kind: 'file', path: file }, options: { concurrency: 4 } });
  await engine.batches.wait(batchId);
  results = (await collect(resultsOfBatch(engine.batches, batchId))).map((r) => r.result!);
  assert.equal(results.length, 12);
  // Visibility is eventually consistent: wait until every cascade is listed with its outcome.
  await eventually(
    async () =>
      (
        await temporal.client.workflow.count(
          `${windowQuery()} AND ExecutionStatus = 'Completed' AND ${CascadeSearchAttributes.outcome.name} IS NOT NULL`,
        )
      ).count === 12
        ? true
        : undefined,
    'every cascade closed in visibility',
    60_000,
  );
});
after(async () => {
  await engine?.close();
  await temporal?.close();
});

describe('savings report', () => {
  it('has totals equal to the sums over the cascades it covers', async () => {
    const report = await savingsReport({ client: temporal.client, since, query: windowQuery() });

    assert.equal(report.requests, 12);
    assert.deepEqual(report.byStatus, { completed: 12 });
    assert.equal(report.totals.completed, 12);
    assert.equal(report.totals.costUsd, sumCosts(results.map((r) => r.costUsd)));
    assert.equal(report.totals.baselineUsd, sumCosts(results.map((r) => r.baseline.costUsd)));
    assert.equal(report.totals.savedUsd, sumCosts(results.map((r) => r.savedUsd)));
    assert.deepEqual(report.outcomes, { accepted: 11, exhausted: 1 });
    assert.equal(report.totals.escalated, results.filter((r) => r.escalations > 0).length);
    assert.equal(report.totals.escalated, 4);

    const extraction = report.byTaskType.find((t) => t.taskType === 'extraction')!;
    assert.equal(extraction.requests, 10);
    assert.deepEqual(extraction.outcomes, { accepted: 9, exhausted: 1 });
    assert.equal(
      extraction.costUsd,
      sumCosts(results.filter((r) => r.classification.taskType === 'extraction').map((r) => r.costUsd)),
    );
    assert.equal(sumCosts(report.byTaskType.map((t) => t.costUsd)), report.totals.costUsd);
    assert.equal(sumCosts(report.overTime.map((b) => b.savedUsd)), report.totals.savedUsd);
    assert.equal(
      report.overTime.reduce((n, b) => n + b.requests, 0),
      12,
    );
    assert.equal(report.bucket, 'hour');
  });

  it('counts escalations per tier and per failing check, and the top reasons', async () => {
    const report = await savingsReport({ client: temporal.client, since, query: windowQuery() });
    const tier = (name: string) => report.tiers.find((t) => t.tier === name);
    // 12 answers on small, 4 rejected; mid: 3 accepted + 1 rejected; frontier: the exhausted one.
    assert.deepEqual(tier('small'), { tier: 'small', answers: 12, rejected: 4, rate: 4 / 12 });
    assert.deepEqual(tier('mid'), { tier: 'mid', answers: 4, rejected: 1, rate: 1 / 4 });
    assert.deepEqual(tier('frontier'), { tier: 'frontier', answers: 1, rejected: 1, rate: 1 });
    const answersChecked = 12 + 4 + 1;
    assert.deepEqual(report.checks, [{ check: 'json_schema', failures: 6, rate: 6 / answersChecked }]);
    assert.equal(report.resultsRead, 4, 'only the results with a failed check are read');
    assert.equal(
      report.topReasons.reduce((n, r) => n + r.count, 0),
      5,
      'one reason per escalation: 3 + 2',
    );
    assert.match(report.topReasons[0]!.reason, /^json_schema: /);
    assert.equal(
      reasonPattern('json_schema: schema violations: "total" is 12.5 at $0.004'),
      'json_schema: schema violations: "…" is N at N',
    );
  });

  it('writes terminal, JSON and HTML reports from the CLI', async () => {
    const configFile = path.join(engine.workDir, 'config.json');
    await writeFile(configFile, JSON.stringify(engine.config));
    const jsonFile = path.join(engine.workDir, 'report.json');
    const htmlFile = path.join(engine.workDir, 'report.html');
    const run = await runCascadeCli(
      [
        'report',
        '--since',
        '2h',
        '--query',
        windowQuery(),
        '--json-out',
        jsonFile,
        '--html',
        htmlFile,
        '--config',
        configFile,
      ],
      {
        env: { TEMPORAL_ADDRESS: temporal.address },
        timeoutMs: 120_000,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /12 cascades since/);
    assert.match(run.stdout, /task type\s+requests\s+accepted\s+exhausted\s+cost\s+baseline\s+saved/);
    assert.match(run.stdout, /top escalation reasons:/);
    const report = JSON.parse(await readFile(jsonFile, 'utf8')) as SavingsReport;
    assert.equal(report.totals.costUsd, sumCosts(results.map((r) => r.costUsd)));
    const html = await readFile(htmlFile, 'utf8');
    assert.equal(html, renderReportHtml({ ...report }), 'the HTML renders the same report');
    assert.ok((html.match(/<svg/g) ?? []).length >= 5);
    assert.doesNotMatch(html, /<script|src="http/);
  });
});
