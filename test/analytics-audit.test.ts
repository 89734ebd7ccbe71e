import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditPrompt, auditPromptLog, DEFAULT_OUTPUT_TOKENS, parseVolume, type AuditReport } from '../analytics/audit';
import { renderAuditHtml } from '../analytics/audit-html';
import { observedEscalations } from '../analytics/escalation-history';
import { resultsOfBatch } from '../batch/batch-results';
import { classifyForCascade } from '../classifier/request-classifier';
import { planCascade } from '../core/cascade-plan';
import { baselineModelId, parseConfig, type CascadeConfig } from '../core/config';
import { costOfUsage, estimateTokens, roundUsd } from '../core/cost';
import { buildPrompt, promptText } from '../core/prompt';
import { parseRequest } from '../core/request';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config';
import { threeTierConfig } from './helpers/engine';
import { collect, openBatchEngine, writeJsonl } from './helpers/batch-engine';
import { eventually } from './helpers/simulated-cascade';
import { resolveSharedDataDir } from '../lib/shared-data-dir';
import { runCascadeCli } from './helpers/cascade-cli';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

const MT_BENCH = path.join(resolveSharedDataDir(), 'data', 'task-types', 'mt_bench_question.jsonl');

let dir: string;
let temporal: TestTemporal;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-audit-'));
  temporal = await connectTestTemporal();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await temporal?.close();
});

async function* linesOf(texts: string[]): AsyncGenerator<string> {
  yield* texts;
}

describe('audit: pricing', () => {
  it('reads monthly volumes in the usual spellings', () => {
    assert.equal(parseVolume('50000'), 50_000);
    assert.equal(parseVolume('50000/month'), 50_000);
    assert.equal(parseVolume('50k/month'), 50_000);
    assert.equal(parseVolume('1.2M/mo'), 1_200_000);
    assert.equal(parseVolume('2,000/day'), 60_000);
    assert.equal(parseVolume('1200/week'), 5200);
    assert.equal(parseVolume('lots'), undefined);
    assert.equal(parseVolume('5/year'), undefined);
  });

  it('prices a prompt on the frontier model and at its routed start tier from token estimates', () => {
    const config = parseConfig(threeTierConfig());
    const prompt = 'Extract the invoice number and total as JSON from: invoice INV-9, total 12.5 EUR.';
    const row = auditPrompt({ prompt, taskType: 'extraction' }, 'p1', config);
    const request = parseRequest({ prompt, taskType: 'extraction' });
    const route = config.routes.extraction!;
    const output = DEFAULT_OUTPUT_TOKENS.extraction!;
    const price = (modelId: string) => {
      const model = config.models[modelId]!;
      return costOfUsage(
        {
          inputTokens: estimateTokens(promptText(buildPrompt(request, route, model))),
          cachedInputTokens: 0,
          outputTokens: output,
        },
        model.pricing,
      );
    };
    assert.equal(row.route, 'extraction');
    assert.equal(row.startTier, 'small');
    assert.equal(row.smallModel, true);
    assert.equal(row.outputTokens, output);
    assert.equal(row.frontierUsd, roundUsd(price('frontier')));
    assert.equal(row.routedUsd, roundUsd(price('small')));
    assert.equal(row.expectedUsd, undefined, 'no history given');

    // Observed: half the extraction cascades climbed once, a tenth twice.
    const history = { query: 'q', routes: { extraction: { samples: 10, reachedAtLeast: [1, 0.5, 0.1] } } };
    const withHistory = auditPrompt({ prompt, taskType: 'extraction' }, 'p1', config, { history });
    assert.equal(withHistory.expectedUsd, roundUsd(price('small') + 0.5 * price('mid') + 0.1 * price('frontier')));

    // The log's own answer length beats the task-type default.
    assert.equal(auditPrompt({ prompt, response: 'x'.repeat(400) }, 'p2', config).outputTokens, 100);
    assert.equal(auditPrompt({ prompt, outputTokens: 7 }, 'p3', config).outputTokens, 7);
  });

  it('lists invalid lines with their errors and audits the rest', async () => {
    const config = parseConfig(threeTierConfig());
    const report = await auditPromptLog(
      linesOf([
        '{"prompt": "Summarise this."}',
        '{"prompt": ',
        '',
        '{"turns": []}',
        '{"prompt": "a", "messages": [{"role": "user", "content": "b"}]}',
        '{"turns": ["First turn?", "Second"]}',
      ]),
      { config, source: 'test' },
    );
    assert.equal(report.prompts, 2);
    assert.deepEqual(
      report.invalid.map((e) => e.line),
      [2, 4, 5],
    );
    assert.match(report.invalid[0]!.error, /invalid JSON/);
    assert.match(report.invalid[1]!.error, /turns/);
    assert.match(report.invalid[2]!.error, /not several/);
    assert.equal(report.rows[1]!.id, '6');
  });
});

describe('audit: MT-Bench first turns', () => {
  it('produces the terminal, JSON and HTML reports', async () => {
    const questions = (await readFile(MT_BENCH, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { question_id: number; category: string; turns: string[] });
    const log = await writeJsonl(
      path.join(dir, 'mt-bench-first-turns.jsonl'),
      questions.map((q) => ({ id: q.question_id, prompt: q.turns[0] })),
    );
    const jsonFile = path.join(dir, 'audit.json');
    const htmlFile = path.join(dir, 'audit.html');

    const run = await runCascadeCli(
      ['audit', log, '--volume', '100k/month', '--json-out', jsonFile, '--html', htmlFile, '--no-history'],
      { timeoutMs: 120_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /task type\s+prompts\s+share/);
    assert.match(run.stdout, /small-model territory\s+\d+(\.\d)?% start on the cheapest tier/);
    assert.match(run.stdout, /per month\s+100,000 requests/);

    const report = JSON.parse(await readFile(jsonFile, 'utf8')) as AuditReport;
    assert.equal(report.prompts, 80);
    assert.equal(report.invalid.length, 0);
    assert.equal(
      report.mix.reduce((n, m) => n + m.prompts, 0),
      80,
    );
    assert.ok(Math.abs(report.mix.reduce((n, m) => n + m.share, 0) - 1) < 1e-9);
    assert.ok(report.mix.length >= 5, `several task types (${report.mix.map((m) => m.taskType).join(', ')})`);
    const config = await loadConfig(DEFAULT_CONFIG_PATH);
    assert.equal(report.baselineModel, baselineModelId(config));
    const smallTier = config.tiers[0]!.name;
    const expectedSmall = report.rows.filter((r) => r.startTier === smallTier).length / 80;
    assert.equal(report.smallModelShare, expectedSmall);
    // Each row agrees with the classifier as the cascade runs it.
    for (const row of report.rows.slice(0, 10)) {
      const question = questions.find((q) => String(q.question_id) === row.id)!;
      const request = parseRequest({ prompt: question.turns[0] });
      const { classification } = await classifyForCascade(request, config);
      assert.equal(row.taskType, classification.taskType);
      assert.equal(row.source, classification.source);
      assert.equal(row.startTier, planCascade(config, classification, request).tiers[0]!.name);
    }
    assert.ok(report.totals.routedUsd < report.totals.frontierUsd);
    assert.equal(report.volume.perMonth, 100_000);
    assert.ok(Math.abs(report.monthly.frontierUsd - report.totals.frontierUsd * (100_000 / 80)) < 1e-6);
    assert.ok(Math.abs(report.monthly.routedUsd - report.totals.routedUsd * (100_000 / 80)) < 1e-6);

    const html = await readFile(htmlFile, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok((html.match(/<svg/g) ?? []).length >= 4, 'charts inline');
    assert.doesNotMatch(html, /<script|src="http|href="http/, 'self-contained');
    for (const m of report.mix) assert.ok(html.includes(m.taskType));
    assert.match(html, /Projected monthly cost/);
  });

  it('reads MT-Bench turns directly, the first turn as the prompt', async () => {
    const config = await loadConfig(DEFAULT_CONFIG_PATH);
    const lines = (await readFile(MT_BENCH, 'utf8')).trim().split('\n');
    const direct = await auditPromptLog(linesOf(lines), { config, source: 'mt_bench' });
    const first = await auditPromptLog(
      linesOf(
        lines.map((l) => {
          const q = JSON.parse(l) as { question_id: number; turns: string[] };
          return JSON.stringify({ id: q.question_id, prompt: q.turns[0] });
        }),
      ),
      { config, source: 'first turns' },
    );
    assert.equal(direct.prompts, 80);
    assert.deepEqual(direct.mix, first.mix);
  });
});

describe('audit: observed escalation rates', () => {
  it('prices the expected cascade from how often cascades on the route climbed', async () => {
    const script = {
      models: {
        'sim-small': {
          rules: [{ when: { promptContains: 'hard' }, answer: { type: 'invalid_json' as const } }],
          defaultAnswer: { type: 'schema_json' as const, facts: 'use' as const },
        },
        'sim-mid': { defaultAnswer: { type: 'schema_json' as const, facts: 'use' as const } },
      },
    };
    const engine = await openBatchEngine(temporal, { label: 'audit-history', script });
    try {
      const schema = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };
      const lines = Array.from({ length: 8 }, (_, i) => ({
        prompt: `Extract the total as JSON: total: ${i}.5 (${i < 2 ? 'hard' : 'easy'} ${i})`,
        taskType: 'extraction',
        schema,
      }));
      const file = await writeJsonl(path.join(engine.workDir, 'history.jsonl'), lines);
      const batchId = `audit-history-${Date.now()}`;
      await engine.batches.start({ batchId, source: { kind: 'file', path: file }, options: { concurrency: 4 } });
      await engine.batches.wait(batchId);
      assert.equal(
        (await collect(resultsOfBatch(engine.batches, batchId))).filter((r) => r.result?.escalations === 1).length,
        2,
      );
      const query = `TaskQueue = '${engine.config.taskQueue}'`;
      await eventually(
        async () =>
          (await temporal.client.workflow.count(`${query} AND ${CascadeSearchAttributes.outcome.name} = 'accepted'`))
            .count === 8
            ? true
            : undefined,
        'the cascades in visibility',
        60_000,
      );

      const history = await observedEscalations(temporal.client, engine.config, { query });
      assert.deepEqual(history.routes, { extraction: { samples: 8, reachedAtLeast: [1, 0.25, 0] } });

      const config: CascadeConfig = engine.config;
      const prompt = 'Extract the amount due as JSON from this invoice: amount 40.';
      const report = await auditPromptLog(
        linesOf([
          JSON.stringify({ prompt, taskType: 'extraction', schema }),
          JSON.stringify({ prompt: 'Say hi.', taskType: 'default' }),
        ]),
        { config, source: 'test', history },
      );
      const [extraction, other] = report.rows;
      const plain = auditPrompt({ prompt, taskType: 'extraction', schema }, 'x', config);
      const midOnly = auditPrompt({ prompt, taskType: 'extraction', schema }, 'x', {
        ...config,
        routes: { ...config.routes, extraction: { ...config.routes.extraction!, startTier: 'mid' } },
      });
      assert.equal(extraction!.expectedUsd, roundUsd(plain.routedUsd + 0.25 * midOnly.routedUsd));
      assert.equal(other!.expectedUsd, undefined, 'no history for the default route');
      assert.equal(report.history?.coveredPrompts, 1);
      assert.equal(report.totals.expectedUsd, roundUsd(extraction!.expectedUsd! + other!.routedUsd));
      assert.match(renderAuditHtml(report), /Observed escalations/);
    } finally {
      await engine.close();
    }
  });
});

describe('audit: CLI', () => {
  it('rejects an unreadable volume and a missing file', async () => {
    const log = path.join(dir, 'one.jsonl');
    await writeFile(log, '{"prompt": "hi"}\n');
    const volume = await runCascadeCli(['audit', log, '--volume', 'plenty', '--no-history']);
    assert.equal(volume.code, 2);
    assert.match(volume.stderr, /--volume: expected requests per month like 50000\/month/);
    const missing = await runCascadeCli(['audit', path.join(dir, 'nope.jsonl'), '--no-history']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read ".*nope\.jsonl" \(ENOENT\)/);
  });
});
