import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { datasetName } from '../eval/eval-dataset';
import { type EvalReport } from '../eval/eval-report';
import { writeEvalOutputs } from '../eval/evaluate-configs';
import { PROJECT_ROOT } from '../config/load-config';
import { routerbenchTrainFiles } from '../simulator';
import { evaluateSlice } from './helpers/eval-slice';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

const ROWS_PER_FILE = 20;
const CONFIG = path.join(PROJECT_ROOT, 'configs', 'routerbench.yaml');
const FRONTIER = 'gpt-4-1106-preview';
const CHEAPEST = 'mistralai/mixtral-8x7b-chat';

/** One model's numbers over a slice of a CSV, summed here straight from the cells with csv-parse. */
interface CsvSums {
  correct: number;
  costUsd: number;
}

const parsedFiles = new Map<string, Record<string, string>[]>();

/** The first `rows` rows of a RouterBench CSV as csv-parse reads them: one record per row, cells as strings. */
function csvRecords(file: string, rows: number): Record<string, string>[] {
  if (!parsedFiles.has(file))
    parsedFiles.set(file, parse(readFileSync(file), { columns: true }) as Record<string, string>[]);
  return parsedFiles.get(file)!.slice(0, rows);
}

/** Correct answers (a correctness cell of 1.0) and total recorded cost of `model` over the records. */
function csvSums(records: Record<string, string>[], model: string): CsvSums {
  let correct = 0;
  let costUsd = 0;
  for (const record of records) {
    if (record[model] !== '' && Number(record[model]) === 1) correct++;
    costUsd += Number(record[`${model}|total_cost`]);
  }
  return { correct, costUsd };
}

function modelsOf(records: Record<string, string>[]): string[] {
  return Object.keys(records[0]!)
    .filter((c) => c.endsWith('|total_cost'))
    .map((c) => c.slice(0, -'|total_cost'.length));
}

const closeTo = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

let temporal: TestTemporal;
let report: EvalReport;
const files = routerbenchTrainFiles();

before(async () => {
  temporal = await connectTestTemporal();
  report = await evaluateSlice(temporal, [CONFIG], files, ROWS_PER_FILE);
});
after(async () => {
  await temporal?.close();
});

describe('cascade eval on a slice of the RouterBench train files (real workflows, replaying simulator)', () => {
  it('runs always-frontier through the workflows to exactly the CSV sums of the frontier model', () => {
    const frontier = report.policies.find((p) => p.kind === 'always-frontier')!;
    assert.equal(frontier.model, FRONTIER);
    for (const file of files) {
      const name = datasetName(file);
      const expected = csvSums(csvRecords(file, ROWS_PER_FILE), FRONTIER);
      const measured = frontier.datasets[name]!;
      assert.equal(measured.rows, ROWS_PER_FILE);
      assert.equal(measured.errors, 0);
      assert.equal(measured.calls, ROWS_PER_FILE, `${name}: one call per row`);
      assert.equal(measured.correct, expected.correct, `${name}: correct answers`);
      assert.equal(measured.accuracy, expected.correct / ROWS_PER_FILE);
      closeTo(measured.costUsd, expected.costUsd, `${name}: cost from the call log`);
      assert.equal(measured.retention, 1);
      assert.equal(measured.saving, 0);
    }
  });

  it('runs cheapest-only through the workflows to exactly the CSV sums of the cheapest model', () => {
    const cheapest = report.policies.find((p) => p.kind === 'cheapest-only')!;
    assert.equal(cheapest.model, CHEAPEST);
    for (const file of files) {
      const expected = csvSums(csvRecords(file, ROWS_PER_FILE), CHEAPEST);
      const measured = cheapest.datasets[datasetName(file)]!;
      assert.equal(measured.correct, expected.correct);
      closeTo(measured.costUsd, expected.costUsd, `${datasetName(file)}: cheapest-only cost`);
    }
  });

  it('reports every single model at exactly its CSV sums', () => {
    for (const file of files) {
      const records = csvRecords(file, ROWS_PER_FILE);
      const models = modelsOf(records);
      assert.equal(models.length, 11);
      for (const model of models) {
        const expected = csvSums(records, model);
        const single = report.singleModels.find((s) => s.model === model)?.datasets[datasetName(file)];
        assert.ok(single, `${model} on ${datasetName(file)}`);
        assert.equal(single.correct, expected.correct, `${model} on ${datasetName(file)}: correct`);
        closeTo(single.costUsd, expected.costUsd, `${model} on ${datasetName(file)}: cost`);
      }
    }
  });

  it('charges the config every call its cascades made, wasted ones included, and scores the final answer', () => {
    const config = report.policies.find((p) => p.kind === 'config')!;
    assert.equal(config.name, 'routerbench');
    for (const file of files) {
      const name = datasetName(file);
      const records = csvRecords(file, ROWS_PER_FILE);
      const rows = config.rows![name]!;
      let expectedCost = 0;
      let expectedCorrect = 0;
      for (const row of rows) {
        const record = records[row.index]!;
        assert.equal(row.error, undefined, `${name} row ${row.index}: ${row.error}`);
        // The workflow's own record of the models it called, priced from the CSV, equals the call log.
        const rowCost = row.steps.reduce((sum, step) => sum + Number(record[`${step.model}|total_cost`]), 0);
        closeTo(row.costUsd, rowCost, `${name} row ${row.index} cost`);
        assert.equal(row.calls, row.steps.length);
        expectedCost += rowCost;
        if (Number(record[row.finalModel!]) === 1) expectedCorrect++;
      }
      const measured = config.datasets[name]!;
      closeTo(measured.costUsd, expectedCost, `${name}: config cost`);
      assert.equal(measured.correct, expectedCorrect);
      assert.equal(measured.unpricedCalls + measured.unattributedCalls + measured.failedCalls, 0);
    }
    // Structural routing: lettered options go to multiple_choice, "write a function" to coding.
    assert.deepEqual(config.datasets.arc_challenge_train!.routes, { multiple_choice: ROWS_PER_FILE });
    assert.deepEqual(config.datasets.winograde_train!.routes, { multiple_choice: ROWS_PER_FILE });
    assert.deepEqual(config.datasets.mbpp_train!.routes, { coding: ROWS_PER_FILE });
    // A multiple-choice row starts on the small tier and either stays or climbs once, to the frontier.
    for (const dataset of ['arc_challenge_train', 'winograde_train']) {
      const [small, ...higher] = config.datasets[dataset]!.tiers;
      assert.equal(small!.tier, 'small');
      assert.equal(small!.reached, ROWS_PER_FILE);
      assert.deepEqual(
        higher.map((t) => t.tier),
        small!.escalated > 0 ? ['frontier'] : [],
      );
      assert.equal(higher[0]?.reached ?? 0, small!.escalated);
    }
  });

  it('writes a JSON report and a self-contained HTML report with the cost-quality chart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-report-'));
    try {
      const outputs = await writeEvalOutputs(report, dir, 'slice');
      const json = JSON.parse(await readFile(outputs.json, 'utf8')) as EvalReport;
      assert.equal(json.policies.length, report.policies.length);
      const html = await readFile(outputs.html, 'utf8');
      assert.match(html, /^<!DOCTYPE html>/);
      assert.ok((html.match(/<svg /g) ?? []).length >= 4, 'charts are inline SVG');
      assert.doesNotMatch(html, /<script|<link|\bsrc=|@import|url\(/i, 'no external assets');
      assert.deepEqual(
        html.match(/https?:\/\/[^\s"'<]+/g)?.filter((u) => u !== 'http://www.w3.org/2000/svg') ?? [],
        [],
      );
      for (const label of ['routerbench', 'always-frontier', 'cheapest-only', 'Yi-34B-Chat'])
        assert.ok(html.includes(label), label);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
