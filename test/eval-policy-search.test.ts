/**
 * `cascade tune`'s policy search: its in-memory replay must be the engine's decisions exactly (the
 * same models called and paid, the same answer returned), checked against real workflow runs of the
 * configs it writes; and its front and enumeration must be what they claim.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CheckConfig } from '../core/config';
import { loadEvalDatasets, type EvalDataset } from '../eval/eval-dataset';
import { type EvalReport } from '../eval/eval-report';
import { configModelId, tunedConfigYaml } from '../eval/policy-config';
import {
  enumeratePolicies,
  paretoFront,
  perDatasetFront,
  replayRow,
  replayTable,
  scorePolicies,
  scorePolicy,
  type CascadePolicy,
} from '../eval/policy-search';
import { loadConfig, PROJECT_ROOT } from '../config/load-config';
import { routerbenchTrainFiles, type RouterbenchRow } from '../simulator';
import { runCascadeCli } from './helpers/cascade-cli';
import { evaluateSlice } from './helpers/eval-slice';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

const FORMAT: CheckConfig[] = [
  { type: 'not_empty' },
  { type: 'regex', name: 'choice_letter', pattern: '^\\s*\\(?[A-E]\\)?\\.?\\s*$', mustMatch: true },
];

/** A dataset from answers written out per row: `{ model: [response, correct, cost] }`. */
function syntheticDataset(name: string, rows: Record<string, [string, boolean, number]>[]): EvalDataset {
  const models = Object.keys(rows[0]!);
  return {
    name,
    file: `${name}.csv`,
    totalRows: rows.length,
    models,
    rows: rows.map((answers, i): RouterbenchRow => ({
      file: `${name}.csv`,
      sampleId: `${name}.${i}`,
      evalName: name,
      prompt: `question ${i}`,
      answers: new Map(
        Object.entries(answers).map(([m, [response, correct, totalCostUsd]]) => [
          m,
          { response, correct, totalCostUsd },
        ]),
      ),
    })),
  };
}

describe('policy search replay (no Temporal)', () => {
  const dataset = syntheticDataset('toy', [
    // 0: the pair agrees on the right letter.
    { a: ['B', true, 1], b: ['(B)', true, 2], c: ['A', false, 4], top: ['B', true, 100] },
    // 1: a is not a bare letter: escalates before b is asked (b is not paid).
    { a: ['The answer is B because', true, 1], b: ['B', true, 2], c: ['B', true, 4], top: ['B', true, 100] },
    // 2: the pair disagrees: both paid, the frontier answers.
    { a: ['A', false, 1], b: ['C', true, 2], c: ['C', true, 4], top: ['C', true, 100] },
    // 3: b names the option instead of its letter: no choice form, no agreement.
    { a: ['D', true, 1], b: ['Paris', false, 2], c: ['D', true, 4], top: ['A', false, 100] },
  ]);
  const table = replayTable(dataset, ['a', 'b', 'c'], 'top', FORMAT, 'choice');
  const pair: CascadePolicy = { stages: [{ model: 'a', partners: ['b'] }], frontier: 'top' };

  it('calls, pays and answers the way the engine does', () => {
    assert.deepEqual(replayRow(table, pair, 0), { model: 'a', costUsd: 3 });
    assert.deepEqual(replayRow(table, pair, 1), { model: 'top', costUsd: 101 });
    assert.deepEqual(replayRow(table, pair, 2), { model: 'top', costUsd: 103 });
    assert.deepEqual(replayRow(table, pair, 3), { model: 'top', costUsd: 103 });
    const twoStage: CascadePolicy = {
      stages: [
        { model: 'a', partners: ['b'] },
        { model: 'c', partners: ['b'] },
      ],
      frontier: 'top',
    };
    // Row 2: a and b disagree, then c and b agree on C; b is called (and paid) again on the second stage.
    assert.deepEqual(replayRow(table, twoStage, 2), { model: 'c', costUsd: 1 + 2 + 4 + 2 });
    // Row 3: c says D but b has no letter, so the frontier answers.
    assert.deepEqual(replayRow(table, twoStage, 3), { model: 'top', costUsd: 1 + 2 + 4 + 2 + 100 });
    const formatOnly: CascadePolicy = { stages: [{ model: 'a', partners: [] }], frontier: 'top' };
    assert.deepEqual(replayRow(table, formatOnly, 0), { model: 'a', costUsd: 1 });
    assert.deepEqual(replayRow(table, formatOnly, 1), { model: 'top', costUsd: 101 });
  });

  it('scores retention and saving against always-frontier', () => {
    const score = scorePolicy(table, pair);
    // Correct: row 0 (a), 1 (top), 2 (top); row 3 top is wrong. Frontier alone: 3 of 4.
    assert.equal(score.accuracy, 3 / 4);
    assert.equal(score.retention, 1);
    assert.equal(score.costUsd, 3 + 101 + 103 + 103);
    assert.equal(score.saving, 1 - 310 / 400);
    assert.equal(score.frontierShare, 3 / 4);
  });

  it('enumerates each family once, without a second stage that repeats the first', () => {
    const models = ['a', 'b', 'c', 'd'];
    const count = (family: Parameters<typeof enumeratePolicies>[2][number]) =>
      enumeratePolicies(models, 'top', [family]).length;
    assert.equal(count('format'), 4);
    assert.equal(count('pair'), 12);
    assert.equal(count('triple'), 4 * 3);
    // First pair: 12; second pair: 12 minus those answered by either first-stage model (3 + 3).
    assert.equal(count('two-stage'), 12 * 6);
    for (const { policy } of enumeratePolicies(models, 'top', ['two-stage'])) {
      assert.ok(![policy.stages[0]!.model, ...policy.stages[0]!.partners].includes(policy.stages[1]!.model));
    }
  });

  it('keeps exactly the undominated policies on the front, per dataset combinations included', () => {
    const points = [
      { retention: 0.99, saving: 0.1 },
      { retention: 0.97, saving: 0.5 },
      { retention: 0.96, saving: 0.4 },
      { retention: 0.9, saving: 0.9 },
      { retention: 0.9, saving: 0.8 },
    ];
    assert.deepEqual(
      paretoFront(points, (p) => p),
      [points[0], points[1], points[3]],
    );

    const other = syntheticDataset(
      'other',
      dataset.rows.map((row) =>
        Object.fromEntries(
          [...row.answers].map(([m, a]) => [
            m,
            [a.response, !a.correct || m === 'top', a.totalCostUsd] as [string, boolean, number],
          ]),
        ),
      ),
    );
    const tables = [table, replayTable(other, ['a', 'b', 'c'], 'top', FORMAT, 'choice')];
    const scored = scorePolicies(
      tables,
      enumeratePolicies(['a', 'b', 'c'], 'top', ['format', 'pair', 'triple', 'two-stage']),
    );
    const combos = perDatasetFront(scored, ['toy', 'other']);
    // Brute force over every pair of policies: nothing beats the combination front.
    for (const x of scored) {
      for (const y of scored) {
        const retention = (x.datasets.toy!.retention + y.datasets.other!.retention) / 2;
        const saving = (x.datasets.toy!.saving + y.datasets.other!.saving) / 2;
        assert.ok(
          combos.some((c) => c.macro.retention >= retention - 1e-12 && c.macro.saving >= saving - 1e-12),
          `${retention}/${saving} is dominated by the front`,
        );
      }
    }
  });
});

describe('policy search against the real workflows (RouterBench slices)', { timeout: 600_000 }, () => {
  const ROWS = 40;
  const CONFIG = path.join(PROJECT_ROOT, 'configs', 'routerbench.yaml');
  const files = routerbenchTrainFiles().slice(0, 2);
  let temporal: TestTemporal;
  let dir: string;
  let report: EvalReport;
  let datasets: EvalDataset[];
  const policies: Record<string, CascadePolicy> = {
    'two-stage': {
      stages: [
        { model: 'mistralai/mixtral-8x7b-chat', partners: ['zero-one-ai/Yi-34B-Chat'] },
        // Claude: the Anthropic wire format on the second stage.
        { model: 'claude-instant-v1', partners: ['WizardLM/WizardLM-13B-V1.2'] },
      ],
      frontier: 'gpt-4-1106-preview',
    },
    triple: {
      stages: [
        {
          model: 'mistralai/mistral-7b-chat',
          partners: ['meta/llama-2-70b-chat', 'meta/code-llama-instruct-34b-chat'],
        },
      ],
      frontier: 'gpt-4-1106-preview',
    },
  };

  before(async () => {
    temporal = await connectTestTemporal();
    dir = await mkdtemp(path.join(os.tmpdir(), 'policy-search-'));
    const base = await loadConfig(CONFIG);
    const baseYaml = await readFile(CONFIG, 'utf8');
    const configFiles: string[] = [];
    for (const [name, policy] of Object.entries(policies)) {
      const file = path.join(dir, `${name}.yaml`);
      await writeFile(file, tunedConfigYaml(baseYaml, base, 'multiple_choice', policy, 'choice'));
      configFiles.push(file);
    }
    datasets = await loadEvalDatasets(files, ROWS);
    report = await evaluateSlice(temporal, configFiles, files, ROWS);
  });
  after(async () => {
    await temporal?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('replays every row as the workflow ran it: same answering model, same calls paid', async () => {
    const base = await loadConfig(CONFIG);
    const checks = base.routes.multiple_choice!.checks.filter((c) => c.type !== 'agreement');
    for (const [name, policy] of Object.entries(policies)) {
      const run = report.policies.find((p) => p.name === name)!;
      assert.ok(run, `${name} was evaluated`);
      const models = [...new Set(policy.stages.flatMap((s) => [s.model, ...s.partners]))];
      const answeredBy = new Set<string>();
      for (const dataset of datasets) {
        const table = replayTable(dataset, models, policy.frontier, checks, 'choice');
        const rows = run.rows![dataset.name]!;
        assert.equal(rows.length, ROWS);
        for (const row of rows) {
          assert.equal(row.error, undefined, `${name} ${dataset.name} row ${row.index}: ${row.error}`);
          assert.equal(row.route, 'multiple_choice');
          const replayed = replayRow(table, policy, row.index);
          assert.equal(row.finalModel, replayed.model, `${name} ${dataset.name} row ${row.index}: answering model`);
          answeredBy.add(row.finalModel!);
          assert.ok(
            Math.abs(row.costUsd - replayed.costUsd) < 1e-12,
            `${name} ${dataset.name} row ${row.index}: ${row.costUsd} != ${replayed.costUsd}`,
          );
        }
        const score = scorePolicy(table, policy);
        const measured = run.datasets[dataset.name]!;
        assert.ok(
          Math.abs(measured.retention! - score.retention) < 1e-12,
          `${name} ${dataset.name}: retention ${measured.retention} != ${score.retention}`,
        );
        assert.ok(
          Math.abs(measured.saving! - score.saving) < 1e-12,
          `${name} ${dataset.name}: saving ${measured.saving} != ${score.saving}`,
        );
      }
      // The slice exercises every way out: each stage's model and the frontier answer some rows.
      assert.deepEqual([...answeredBy].sort(), [...policy.stages.map((s) => s.model), policy.frontier].sort(), name);
    }
  });

  it("writes configs whose routes name the policy's models and keep the other routes as they were", async () => {
    const base = await loadConfig(CONFIG);
    const tuned = await loadConfig(path.join(dir, 'two-stage.yaml'));
    const route = tuned.routes.multiple_choice!;
    assert.deepEqual(route.tiers, ['multiple-choice-1', 'multiple-choice-2', 'frontier']);
    assert.deepEqual(
      route.checks.filter((c) => c.type === 'agreement').map((c) => [c.models, c.tiers]),
      [
        [[configModelId(base, 'zero-one-ai/Yi-34B-Chat')], ['multiple-choice-1']],
        [[configModelId(base, 'WizardLM/WizardLM-13B-V1.2')], ['multiple-choice-2']],
      ],
    );
    assert.deepEqual(tuned.routes.coding, base.routes.coding);
    assert.deepEqual(tuned.routes.default, base.routes.default);
  });

  it('cascade tune prints the front, says when no policy meets the targets, and writes none then', async () => {
    const out = path.join(dir, 'never.yaml');
    const run = await runCascadeCli(
      [
        'tune',
        '--models',
        'mixtral-8x7b',
        'yi-34b',
        'mistral-7b',
        '--target-retention',
        '99.9',
        '--target-saving',
        '90',
        '--write-config',
        out,
      ],
      {},
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^\d+ policies over 3 models \(mixtral-8x7b, yi-34b, mistral-7b\), frontier gpt-4-turbo/);
    assert.match(
      run.stdout,
      /mixtral-8x7b~yi-34b > gpt-4-turbo\s+97\.97% \/ 72\.25%\s+95\.02% \/ 55\.91%\s+96\.49%\s+64\.08%/,
    );
    assert.match(run.stdout, /no searched policy meets retention >= 99\.90% and saving >= 90\.00%/);
    assert.match(run.stderr, /^error: --write-config: no policy meets the targets, so nothing was written$/m);
    await assert.rejects(readFile(out), { code: 'ENOENT' });

    const bad = await runCascadeCli(['tune', '--models', 'gpt-5', '--families', 'pair', 'quadruple'], {});
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: --families: /);
    const usage = [
      [
        ['--route', 'poetry'],
        /^error: --route: the config has no route "poetry" \(routes: multiple_choice, coding, default\)\n$/,
      ],
      [['--models', 'gpt-5'], /^error: --models: no model "gpt-5" in the config \(models: mixtral-8x7b, /],
      [['--data', path.join(dir, 'missing.csv')], /^error: --data: cannot read .*missing\.csv: ENOENT/],
      [
        ['--models', 'claude-v1', '--families', 'pair'],
        /^error: --families: pair needs more models than the 1 given\n$/,
      ],
    ] as const;
    for (const [args, message] of usage) {
      const run = await runCascadeCli(['tune', ...args], {});
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });
});
