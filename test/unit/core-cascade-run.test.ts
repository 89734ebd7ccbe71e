/**
 * The cascade's decision loop (`runCascadeDecisions`) with scripted model answers: every way a
 * run ends, in milliseconds, without Temporal. The workflow runs the same function with
 * activities as its effects; test/workflows-cascade.test.ts checks that on a real server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyByRules, overBudgetReason, planCascade } from '../../core/cascade-plan';
import { assembleResult, newDecisionRecord, runCascadeDecisions } from '../../core/cascade-run';
import { type CascadeConfigInput } from '../../core/config';
import { parseRequest } from '../../core/request';
import { makeConfig } from '../helpers/core-config';
import { answer, failure, scriptedEffects, type Scripted } from '../helpers/scripted-effects';

interface RunOptions {
  tweak?: (config: CascadeConfigInput) => void;
  request?: Record<string, unknown>;
}

/** Runs one request (on the `default` route unless the request says otherwise) through the scripted models. */
async function run(script: Record<string, Scripted[]>, options: RunOptions = {}) {
  const config = makeConfig(options.tweak);
  const request = parseRequest({ prompt: 'What is the capital of France?', taskType: 'default', ...options.request });
  const effects = scriptedEffects(script, (r) => classifyByRules(r, config));
  const record = newDecisionRecord();
  const ending = await runCascadeDecisions({ request, config, record, effects });
  const result = assembleResult('req-1', request, config, record, ending);
  assert.deepEqual(effects.unused(), {}, 'every scripted answer was asked for');
  return { ending, record, effects, result, config };
}

/** Each step as `kind model@tier`, with its error or failed checks. */
function path(
  steps: {
    kind: string;
    model: string;
    tier: string;
    error?: { type: string };
    checks: { check: string; status: string }[];
  }[],
) {
  return steps.map(
    (s) =>
      `${s.kind} ${s.model}@${s.tier}${s.error ? ` ${s.error.type}` : ''}${s.checks
        .filter((c) => c.status !== 'pass')
        .map((c) => ` ${c.check}:${c.status}`)
        .join('')}`,
  );
}

const SCHEMA = {
  type: 'object',
  required: ['city'],
  properties: { city: { type: 'string' } },
  additionalProperties: false,
};

describe('runCascadeDecisions: accept', () => {
  it('accepts the start tier’s answer when every check passes, calling nothing else', async () => {
    const { ending, record, effects, result } = await run({ haiku: [answer('Paris')] });
    assert.equal(ending.outcome, 'accepted');
    assert.equal(ending.outcomeReason, 'accepted at tier small: every check passed');
    assert.deepEqual(path(record.steps), ['answer haiku@small']);
    assert.deepEqual(
      effects.calls.map((c) => c.summary),
      ['haiku · tier small · start tier of route default'],
    );
    assert.equal(record.escalations, 0);
    assert.equal(record.currentTier, 'small');
    assert.deepEqual(effects.escalations, []);
    assert.equal(effects.classifications[0]!.source, 'given');
    assert.equal(result.output.text, 'Paris');
    assert.equal(result.finalModel, 'haiku');
    // 10 tokens in at $1/M, 5 out at $5/M.
    assert.equal(record.costUsd, 0.000035);
  });
});

describe('runCascadeDecisions: escalate on each check', () => {
  const cases: Array<{
    check: string;
    when: string;
    answer: Scripted;
    tweak?: RunOptions['tweak'];
    request?: Record<string, unknown>;
  }> = [
    { check: 'not_empty', when: 'the answer is blank', answer: answer('   ') },
    { check: 'not_refusal', when: 'the answer is a refusal', answer: answer("I'm sorry, but I can't help with that.") },
    {
      check: 'not_refusal',
      when: 'the provider stopped on its content filter',
      answer: answer('Paris', { finishReason: 'content_filter' }),
    },
    {
      check: 'json_schema',
      when: 'the answer breaks the schema',
      answer: answer('{"city": 42}'),
      tweak: (c) => (c.routes.default!.checks = [{ type: 'json_schema' }]),
      request: { schema: SCHEMA },
    },
    {
      check: 'ground_truth',
      when: 'the answer contradicts the ground truth',
      answer: answer('{"city": "Lyon"}'),
      tweak: (c) => (c.routes.default!.checks = [{ type: 'ground_truth' }]),
      request: { groundTruth: { city: 'Paris' } },
    },
    {
      check: 'capital',
      when: 'the answer misses a regex',
      answer: answer('Lyon'),
      tweak: (c) => (c.routes.default!.checks = [{ type: 'regex', name: 'capital', pattern: '^Paris$' }]),
    },
    {
      check: 'max_length',
      when: 'the answer is too long',
      answer: answer('Paris, which has been the capital since the Middle Ages'),
      tweak: (c) => (c.routes.default!.checks = [{ type: 'max_length', maxChars: 20 }]),
    },
  ];
  for (const { check, when, answer: rejected, tweak, request } of cases) {
    it(`climbs from small to mid when ${when} (${check}), telling mid why`, async () => {
      const good = request?.schema || request?.groundTruth ? '{"city": "Paris"}' : 'Paris';
      const { ending, record, effects } = await run(
        { haiku: [rejected], mini: [answer(good)] },
        { ...(tweak ? { tweak } : {}), ...(request ? { request } : {}) },
      );
      assert.equal(ending.outcome, 'accepted');
      assert.equal(ending.finalStep!.model, 'mini');
      const failed = record.steps[0]!.checks.filter((c) => c.status === 'fail');
      assert.deepEqual(
        failed.map((c) => c.check),
        [check],
      );
      assert.equal(record.escalations, 1);
      assert.deepEqual(effects.escalations, [1]);
      const reason = `${check}: ${failed[0]!.reason}`;
      assert.equal(record.steps[1]!.reason, `escalated: ${reason}`);
      assert.match(effects.calls[1]!.prompt.system ?? '', /An earlier answer to this request was rejected/);
      assert.ok(effects.calls[1]!.prompt.system!.includes(reason));
      assert.match(
        effects.statuses.find((s) => s.startsWith('**escalated'))!,
        /escalated from small\*\* \(1\)/,
      );
    });
  }

  it('is exhausted, with the last answer kept as such, when the top tier fails its checks too', async () => {
    const { ending, record, result } = await run({ haiku: [answer('')], mini: [answer('')], opus: [answer('')] });
    assert.equal(ending.outcome, 'exhausted');
    assert.equal(
      ending.outcomeReason,
      'no tier left to climb; the answer from opus failed: not_empty: the answer is empty',
    );
    assert.equal(record.escalations, 2);
    assert.equal(result.finalModel, 'opus');
    assert.deepEqual(path(record.steps), [
      'answer haiku@small not_empty:fail',
      'answer mini@mid not_empty:fail',
      'answer opus@frontier not_empty:fail',
    ]);
  });

  it('does not climb on a one-shot route: its checks only annotate the answer', async () => {
    const { ending, record } = await run(
      { haiku: [answer('')] },
      { tweak: (c) => (c.routes.default!.cascade = false) },
    );
    assert.equal(ending.outcome, 'exhausted');
    assert.match(ending.outcomeReason, /^one-shot route; the answer from haiku failed: not_empty/);
    assert.equal(record.escalations, 0);
  });

  it('stops at the route’s maxTier', async () => {
    const { ending, record } = await run(
      { haiku: [answer('')], mini: [answer('')] },
      { tweak: (c) => (c.routes.default!.maxTier = 'mid') },
    );
    assert.equal(ending.outcome, 'exhausted');
    assert.deepEqual(
      record.steps.map((s) => s.tier),
      ['small', 'mid'],
    );
  });
});

describe('runCascadeDecisions: provider errors', () => {
  it('escalates on an escalating error (context too long), without trying the tier’s fallback', async () => {
    const { ending, record } = await run({ haiku: [failure('context_too_long')], mini: [answer('Paris')] });
    assert.equal(ending.outcome, 'accepted');
    assert.deepEqual(path(record.steps), ['answer haiku@small context_too_long', 'answer mini@mid']);
    assert.equal(record.steps[0]!.costUsd, 0);
    assert.equal(record.steps[1]!.reason, 'escalated: small could not answer: context_too_long from the provider');
    assert.equal(record.escalations, 1);
  });

  it('fails the request when the top tier cannot take it either', async () => {
    const { ending, result } = await run({
      haiku: [failure('content_filtered')],
      mini: [failure('content_filtered')],
      opus: [failure('content_filtered')],
    });
    assert.equal(ending.outcome, 'failed');
    assert.equal(ending.outcomeReason, 'content_filtered: content_filtered from the provider');
    assert.deepEqual(result.error, { type: 'content_filtered', message: 'content_filtered from the provider' });
  });

  it('fails at once on a non-retryable error, trying no fallback and no other tier', async () => {
    const { ending, record, effects } = await run({ haiku: [failure('auth', { message: 'invalid x-api-key' })] });
    assert.equal(ending.outcome, 'failed');
    assert.equal(ending.failure!.type, 'auth');
    assert.equal(effects.calls.length, 1);
    assert.deepEqual(path(record.steps), ['answer haiku@small auth']);
  });

  it('keeps the rejected answer of a lower tier as the final step when a higher tier then fails', async () => {
    const { ending, result } = await run({ haiku: [answer('')], mini: [failure('bad_request')] });
    assert.equal(ending.outcome, 'failed');
    assert.equal(result.finalModel, 'haiku');
  });
});

describe('runCascadeDecisions: outages', () => {
  it('falls back to the tier’s next model when its model keeps failing transiently', async () => {
    const { ending, record, effects } = await run({ haiku: [failure('overloaded')], nano: [answer('Paris')] });
    assert.equal(ending.outcome, 'accepted');
    assert.equal(ending.finalStep!.model, 'nano');
    assert.equal(ending.finalStep!.tier, 'small');
    assert.equal(record.steps[1]!.reason, 'fallback: haiku overloaded');
    assert.equal(record.escalations, 0);
    assert.deepEqual(effects.waits, []);
  });

  it('waits out a tier whose models are all down, no sooner than their retry-after, then calls it again', async () => {
    const { ending, record, effects } = await run({
      haiku: [failure('rate_limited', { retryAfterMs: 4000 }), answer('Paris')],
      nano: [failure('server_error')],
    });
    assert.equal(ending.outcome, 'accepted');
    // The backoff floor is initialRetryMs (1 s); the provider asked for 4 s.
    assert.deepEqual(effects.waits, [4000]);
    assert.deepEqual(path(record.steps), [
      'answer haiku@small rate_limited',
      'answer nano@small server_error',
      'answer haiku@small',
    ]);
    assert.ok(effects.statuses.some((s) => s.startsWith('**tier small unavailable**, retrying in 4 s (round 1)')));
  });

  it('fails with an outage once the next wait would pass the outage deadline', async () => {
    const rounds = 4;
    const { ending, effects } = await run(
      {
        haiku: Array.from({ length: rounds }, () => failure('overloaded')),
        nano: Array.from({ length: rounds }, () => failure('connection')),
      },
      {
        tweak: (c) => (c.resilience = { initialRetryMs: 1000, maxRetryMs: 4000, outageWaitMs: 8000 }),
      },
    );
    // Waits double from 1 s, capped at 4 s: 1 + 2 + 4 = 7 s; another 4 s would pass the 8 s deadline.
    assert.deepEqual(effects.waits, [1000, 2000, 4000]);
    assert.equal(ending.outcome, 'failed');
    assert.equal(ending.failure!.type, 'outage');
    assert.equal(
      ending.outcomeReason,
      'outage: every model of tier small kept failing after waiting 7 s for it to recover (haiku overloaded; nano connection)',
    );
  });
});

describe('runCascadeDecisions: budget', () => {
  it('ends over budget before calling a tier whose worst case the budget cannot cover', async () => {
    // haiku can spend 1,000 output tokens at $5/M: $0.005 and more; the budget is a tenth of that.
    const { ending, record, effects } = await run({}, { request: { maxCostUsd: 0.0005 } });
    assert.equal(ending.outcome, 'over_budget');
    assert.match(
      ending.outcomeReason,
      /^tier small could cost up to \$0\.005\d+ but only \$0\.000500 of the \$0\.0005 budget remains; spent \$0\.000000$/,
    );
    assert.deepEqual(effects.calls, []);
    assert.equal(record.steps.length, 0);
  });

  it('stops climbing when the next tier would not fit what is left, keeping the rejected answer', async () => {
    const { ending, result } = await run({ haiku: [answer('')] }, { request: { maxCostUsd: 0.01 } });
    assert.equal(ending.outcome, 'over_budget');
    assert.match(ending.outcomeReason, /^tier mid could cost up to/);
    assert.equal(result.finalModel, 'haiku');
  });

  it('is one pure rule beside the worst case: a tier fits or it does not', () => {
    const config = makeConfig();
    const plan = planCascade(config, { route: 'default', complexity: 'low' }, {});
    const small = plan.tiers[0]!;
    // haiku and its fallback nano: the dearer one, 100 in + 1,000 out at $1/$5 per M = $0.0051.
    assert.equal(overBudgetReason(config, small, { budgetUsd: 0.0051, spentUsd: 0, inputTokens: 100 }), undefined);
    assert.equal(
      overBudgetReason(config, small, { budgetUsd: 0.0051, spentUsd: 0.001, inputTokens: 100 }),
      'tier small could cost up to $0.005100 but only $0.004100 of the $0.0051 budget remains; spent $0.001000',
    );
  });
});

describe('runCascadeDecisions: agreement', () => {
  const withAgreement = (c: CascadeConfigInput) =>
    (c.routes.default!.checks = [{ type: 'not_empty' }, { type: 'agreement', models: ['nano'], normalize: 'text' }]);

  it('accepts when the partner agrees, each partner call a priced step', async () => {
    const { ending, record } = await run(
      { haiku: [answer('Paris')], nano: [answer('paris')] },
      { tweak: withAgreement },
    );
    assert.equal(ending.outcome, 'accepted');
    assert.deepEqual(path(record.steps), ['answer haiku@small', 'agreement nano@small']);
    assert.equal(record.steps[1]!.reason, "agreement check for haiku's answer");
    assert.ok(record.steps[1]!.costUsd > 0);
  });

  it('escalates when the partner disagrees', async () => {
    const { ending, record } = await run(
      { haiku: [answer('Paris')], nano: [answer('Lyon')], mini: [answer('Paris')] },
      { tweak: withAgreement },
    );
    assert.equal(ending.outcome, 'accepted');
    assert.deepEqual(path(record.steps), [
      'answer haiku@small agreement:fail',
      'agreement nano@small',
      'answer mini@mid',
    ]);
  });

  it('escalates when the partner’s call fails: no evidence of agreement', async () => {
    const { record } = await run(
      { haiku: [answer('Paris')], nano: [failure('overloaded')], mini: [answer('Paris')] },
      { tweak: withAgreement },
    );
    assert.deepEqual(path(record.steps), [
      'answer haiku@small agreement:fail',
      'agreement nano@small overloaded',
      'answer mini@mid',
    ]);
  });

  it('skips the partner when an earlier check already failed', async () => {
    const { record, effects } = await run({ haiku: [answer('')], mini: [answer('Paris')] }, { tweak: withAgreement });
    assert.deepEqual(path(record.steps), ['answer haiku@small not_empty:fail agreement:skip', 'answer mini@mid']);
    assert.ok(!effects.calls.some((c) => c.kind === 'agreement'));
  });
});

describe('runCascadeDecisions: classification', () => {
  const withClassifier = (c: CascadeConfigInput) => {
    c.routes.extraction = { startTier: 'mid' };
    c.classifier = { model: { model: 'nano', whenMarginBelow: 1000 } };
  };
  const request = { prompt: 'Pull the invoice number out of this text: INV-1', taskType: undefined };

  it('asks the small-model classifier when the rules are unsure, and takes its route', async () => {
    const { ending, record, effects } = await run(
      { nano: [answer('extraction')], mini: [answer('INV-1')] },
      { tweak: withClassifier, request },
    );
    assert.equal(ending.classification.source, 'model');
    assert.equal(ending.classification.route, 'extraction');
    assert.deepEqual(path(record.steps), ['classify nano@classifier', 'answer mini@mid']);
    assert.equal(effects.calls[0]!.kind, 'classify');
    assert.equal(record.route, 'extraction');
  });

  it('keeps the rules’ answer when the classifier fails, and goes on', async () => {
    const { ending, record } = await run(
      { nano: [failure('overloaded')], mini: [answer('INV-1')] },
      {
        tweak: withClassifier,
        request,
      },
    );
    assert.equal(ending.outcome, 'accepted');
    assert.equal(ending.classification.source, 'rules');
    assert.equal(ending.classification.route, 'extraction');
    assert.match(ending.classification.reason, /small-model classifier failed \(overloaded from the provider\)$/);
    assert.deepEqual(path(record.steps), ['answer mini@mid']);
  });

  it('keeps the rules’ answer when the classifier names no known task type', async () => {
    const { ending } = await run(
      { nano: [answer('poetry')], mini: [answer('INV-1')] },
      {
        tweak: withClassifier,
        request,
      },
    );
    assert.match(ending.classification.reason, /small-model classifier gave no known task type$/);
  });
});
