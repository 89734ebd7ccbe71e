import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyByRules,
  failedCheckReasons,
  judgeAnswer,
  planCascade,
  routeForTaskType,
  startTierFor,
  worstCaseTierCost,
  type PlannedTier,
} from '../../core/cascade-plan';
import { roundUsd, worstCaseCallCost } from '../../core/cost';
import { type CheckResult } from '../../core/result';
import { makeConfig } from '../helpers/core-config';

const config = makeConfig((c) => {
  c.routes.extraction = {
    startTier: 'small',
    checks: [{ type: 'not_empty' }, { type: 'json_schema' }, { type: 'ground_truth' }],
    budgetUsd: 0.05,
  };
  c.routes.reasoning = { startTier: 'mid', startTierByComplexity: { low: 'small', high: 'frontier' } };
  c.routes.classification = { startTier: 'small', maxTier: 'mid' };
  c.routes.creative_generation = {
    startTier: 'mid',
    cascade: false,
    checks: [{ type: 'not_empty' }, { type: 'agreement', models: ['nano'] }],
  };
  c.routes.summarization = { startTier: 'small', tiers: ['small', 'frontier'] };
  c.routes.question_answering = {
    startTier: 'small',
    checks: [{ type: 'not_empty' }, { type: 'agreement', models: ['nano', 'mini'], normalize: 'choice' }],
  };
  c.routes.coding = {
    startTier: 'small',
    checks: [
      { type: 'agreement', models: ['nano'], normalize: 'code', tiers: ['mid', 'frontier'] },
      { type: 'agreement', models: ['mini'], normalize: 'text', tiers: ['small', 'mid'] },
    ],
  };
});

const names = (tiers: PlannedTier[]) => tiers.map((t) => t.name);

describe('routeForTaskType', () => {
  it('is the task type when the config has that route', () => {
    assert.equal(routeForTaskType('extraction', config), 'extraction');
    assert.equal(routeForTaskType('default', config), 'default');
  });

  it('is the classifier’s default route otherwise', () => {
    assert.equal(routeForTaskType('translation', config), 'default');
    const custom = makeConfig((c) => {
      c.routes = { general: { startTier: 'small' } };
      c.classifier = { defaultRoute: 'general' };
    });
    assert.equal(routeForTaskType('extraction', custom), 'general');
  });
});

describe('classifyByRules', () => {
  it('takes a given task type as is, with source "given", skipping the rules', () => {
    const { classification, margin } = classifyByRules(
      { prompt: 'Write a haiku about autumn leaves.', taskType: 'extraction' },
      config,
    );
    assert.equal(classification.taskType, 'extraction');
    assert.equal(classification.route, 'extraction');
    assert.equal(classification.source, 'given');
    assert.equal(classification.reason, 'task type given by the request');
    assert.deepEqual(classification.scores, {});
    assert.equal(margin, Number.POSITIVE_INFINITY);
  });

  it('sends a given task type without a route of its own to the default route', () => {
    const { classification } = classifyByRules({ prompt: 'hello', taskType: 'translation' }, config);
    assert.equal(classification.taskType, 'translation');
    assert.equal(classification.route, 'default');
    assert.equal(classification.source, 'given');
  });

  it('falls back to the default route, with source "default", when no rule fires', () => {
    const { classification } = classifyByRules({ prompt: 'zzz' }, config);
    assert.equal(classification.source, 'default');
    assert.equal(classification.taskType, 'default');
    assert.equal(classification.route, 'default');
  });
});

describe('startTierFor', () => {
  it('uses the complexity’s start tier where one is set, else the route’s', () => {
    const route = config.routes.reasoning!;
    assert.equal(startTierFor(route, 'low'), 'small');
    assert.equal(startTierFor(route, 'medium'), 'mid');
    assert.equal(startTierFor(route, 'high'), 'frontier');
    assert.equal(startTierFor(config.routes.default!, 'high'), 'small');
  });
});

describe('planCascade', () => {
  it('climbs from the start tier to the top, each tier with its model then its fallbacks', () => {
    const plan = planCascade(config, { route: 'default', complexity: 'low' }, {});
    assert.equal(plan.route, 'default');
    assert.equal(plan.routeConfig, config.routes.default);
    assert.deepEqual(plan.tiers, [
      { name: 'small', index: 0, models: ['haiku', 'nano'] },
      { name: 'mid', index: 1, models: ['mini', 'sonnet'] },
      { name: 'frontier', index: 2, models: ['opus'] },
    ]);
    assert.equal('budgetUsd' in plan, false);
  });

  it('starts where the route says, keeping ladder indices', () => {
    const plan = planCascade(config, { route: 'reasoning', complexity: 'medium' }, {});
    assert.deepEqual(names(plan.tiers), ['mid', 'frontier']);
    assert.deepEqual(
      plan.tiers.map((t) => t.index),
      [1, 2],
    );
  });

  it('starts by complexity where the route sets startTierByComplexity', () => {
    assert.deepEqual(names(planCascade(config, { route: 'reasoning', complexity: 'low' }, {}).tiers), [
      'small',
      'mid',
      'frontier',
    ]);
    assert.deepEqual(names(planCascade(config, { route: 'reasoning', complexity: 'high' }, {}).tiers), ['frontier']);
    assert.equal(planCascade(config, { route: 'reasoning', complexity: 'high' }, {}).tiers[0]!.index, 2);
  });

  it('stops at the route’s maxTier', () => {
    assert.deepEqual(names(planCascade(config, { route: 'classification', complexity: 'high' }, {}).tiers), [
      'small',
      'mid',
    ]);
  });

  it('climbs only the route’s own tiers when it lists them, skipping the rest', () => {
    const plan = planCascade(config, { route: 'summarization', complexity: 'low' }, {});
    assert.deepEqual(plan.tiers, [
      { name: 'small', index: 0, models: ['haiku', 'nano'] },
      { name: 'frontier', index: 2, models: ['opus'] },
    ]);
  });

  it('plans exactly one tier, without agreement, on a one-shot route', () => {
    const plan = planCascade(config, { route: 'creative_generation', complexity: 'low' }, {});
    assert.deepEqual(plan.tiers, [{ name: 'mid', index: 1, models: ['mini', 'sonnet'] }]);
    assert.equal(plan.tiers[0]!.agreement, undefined);
  });

  it('attaches agreement to the route’s start tier by default', () => {
    const plan = planCascade(config, { route: 'question_answering', complexity: 'low' }, {});
    assert.deepEqual(plan.tiers[0]!.agreement, { type: 'agreement', models: ['nano', 'mini'], normalize: 'choice' });
    assert.equal('agreement' in plan.tiers[1]!, false);
    assert.equal('agreement' in plan.tiers[2]!, false);
  });

  it('attaches agreement to the tiers a check lists, the first listing check winning', () => {
    const plan = planCascade(config, { route: 'coding', complexity: 'low' }, {});
    assert.deepEqual(
      plan.tiers.map((t) => [t.name, t.agreement?.normalize]),
      [
        ['small', 'text'],
        ['mid', 'code'],
        ['frontier', 'code'],
      ],
    );
  });

  it('takes the request’s budget over the route’s default', () => {
    assert.equal(planCascade(config, { route: 'extraction', complexity: 'low' }, {}).budgetUsd, 0.05);
    assert.equal(planCascade(config, { route: 'extraction', complexity: 'low' }, { maxCostUsd: 0.01 }).budgetUsd, 0.01);
    assert.equal(planCascade(config, { route: 'default', complexity: 'low' }, { maxCostUsd: 2 }).budgetUsd, 2);
  });

  it('throws for a route the config does not have', () => {
    assert.throws(() => planCascade(config, { route: 'missing', complexity: 'low' }, {}), {
      message: 'no route named "missing"',
    });
  });
});

describe('worstCaseTierCost', () => {
  const model = (id: string) => config.models[id]!;

  it('is one model spending every output token on a single-model tier', () => {
    const tier: PlannedTier = { name: 'frontier', index: 2, models: ['opus'] };
    // 1000 input x $15 + 4000 output x $75, per million.
    assert.equal(worstCaseTierCost(config, tier, 1000), 0.315);
  });

  it('takes the dearest of the tier’s models, even when a fallback is dearer than the primary', () => {
    const tier: PlannedTier = { name: 'mid', index: 1, models: ['mini', 'sonnet'] };
    assert.equal(worstCaseCallCost(model('mini'), 1000), 0.0036);
    assert.equal(worstCaseCallCost(model('sonnet'), 1000), 0.033);
    assert.equal(worstCaseTierCost(config, tier, 1000), 0.033);
  });

  it('adds every agreement partner’s worst case', () => {
    const plan = planCascade(config, { route: 'question_answering', complexity: 'low' }, {});
    // haiku 0.006 (dearer than nano 0.0005) + partners nano 0.0005 + mini 0.0036.
    assert.equal(roundUsd(worstCaseTierCost(config, plan.tiers[0]!, 1000)), 0.0101);
    assert.equal(worstCaseTierCost(config, plan.tiers[1]!, 1000), 0.033);
  });
});

describe('judgeAnswer', () => {
  const passed: CheckResult[] = [
    { check: 'not_empty', status: 'pass', reason: '12 characters' },
    { check: 'json_schema', status: 'skip', reason: 'the request gives no schema' },
  ];
  const failed: CheckResult[] = [
    { check: 'not_empty', status: 'pass', reason: '12 characters' },
    { check: 'json_schema', status: 'fail', reason: 'the answer is not valid JSON (x)' },
    {
      check: 'ground_truth',
      status: 'fail',
      reason: 'contradicts the ground truth: total is 1 but the ground truth says 2',
    },
  ];

  it('accepts when no check failed, skipped ones included', () => {
    assert.deepEqual(judgeAnswer(passed, true), { kind: 'accept' });
    assert.deepEqual(judgeAnswer(passed, false), { kind: 'accept' });
    assert.deepEqual(judgeAnswer([], true), { kind: 'accept' });
  });

  it('escalates with one reason per failed check while a higher tier is left', () => {
    assert.deepEqual(judgeAnswer(failed, true), {
      kind: 'escalate',
      reasons: [
        'json_schema: the answer is not valid JSON (x)',
        'ground_truth: contradicts the ground truth: total is 1 but the ground truth says 2',
      ],
    });
  });

  it('is exhausted when a check failed on the last tier', () => {
    assert.deepEqual(judgeAnswer(failed, false), { kind: 'exhausted', reasons: failedCheckReasons(failed) });
    assert.equal(failedCheckReasons(failed).length, 2);
    assert.deepEqual(failedCheckReasons(passed), []);
  });
});
