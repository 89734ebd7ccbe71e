/**
 * `configForRoute`: the part of the worker's config a slim cascade records. A cascade run with it
 * must decide exactly as with the whole config (the first run had the whole config; a replay and
 * every later workflow task have only the part), and the part must leave out what no decision on
 * that route reads. `needsClassifierModel` says when the route is not final yet, so the whole
 * config is recorded instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyByRules, type InitialClassification } from '../../core/cascade-plan';
import { assembleResult, needsClassifierModel, newDecisionRecord, runCascadeDecisions } from '../../core/cascade-run';
import { type CascadeConfig, type CascadeConfigInput } from '../../core/config';
import { configForRoute } from '../../core/config-for-route';
import { parseRequest } from '../../core/request';
import { makeConfig } from '../helpers/core-config';
import { answer, failure, scriptedEffects, type Scripted } from '../helpers/scripted-effects';

/** Two routes beside `default`, a model in no tier (`sonnet` as a fallback stays), an agreement partner. */
const tweak = (c: CascadeConfigInput) => {
  c.tiers = [
    { name: 'small', model: 'haiku' },
    { name: 'mid', model: 'mini', fallbacks: ['sonnet'] },
    { name: 'frontier', model: 'opus' },
  ];
  c.routes = {
    default: { startTier: 'small', checks: [{ type: 'not_empty' }, { type: 'regex', pattern: '^Paris' }] },
    agreeing: {
      startTier: 'small',
      checks: [{ type: 'agreement', models: ['nano'], normalize: 'text' }],
      feedbackOnEscalation: true,
    },
    coding: { startTier: 'mid', checks: [{ type: 'not_empty' }] },
  };
};

async function decide(config: CascadeConfig, taskType: string, script: Record<string, Scripted[]>) {
  const full = makeConfig(tweak);
  const request = parseRequest({ prompt: 'What is the capital of France?', taskType });
  // Classified under the whole config, as `prepareCascade` does on the worker.
  const initial: InitialClassification = classifyByRules(request, full);
  const record = newDecisionRecord();
  const effects = scriptedEffects(script, () => initial);
  const ending = await runCascadeDecisions({ request, config, record, effects });
  return { result: assembleResult('req-1', request, config, record, ending), calls: effects.calls };
}

describe('configForRoute', () => {
  const full = makeConfig(tweak);

  it('keeps the route alone and the models a cascade on it can call', () => {
    const part = configForRoute(full, 'default');
    assert.deepEqual(Object.keys(part.routes), ['default']);
    // nano is the agreeing route's partner only: nothing on `default` calls it.
    assert.deepEqual(Object.keys(part.models).sort(), ['haiku', 'mini', 'opus', 'sonnet']);
    assert.deepEqual(Object.keys(configForRoute(full, 'agreeing').models).sort(), [
      'haiku',
      'mini',
      'nano',
      'opus',
      'sonnet',
    ]);
    assert.deepEqual({ ...part, routes: {}, models: {} }, { ...full, routes: {}, models: {} });
    assert.equal(configForRoute(full, 'no-such-route'), full);
  });

  const scenarios: Array<[string, string, Record<string, Scripted[]>]> = [
    [
      'escalates twice on a failed check',
      'default',
      { haiku: [answer('no')], mini: [answer('no')], opus: [answer('Paris')] },
    ],
    [
      'falls back within a tier',
      'default',
      { haiku: [answer('no')], mini: [failure('overloaded')], sonnet: [answer('Paris')] },
    ],
    ['agrees with a partner', 'agreeing', { haiku: [answer('Paris')], nano: [answer('paris')] }],
    [
      'escalates on disagreement',
      'agreeing',
      { haiku: [answer('Paris')], nano: [answer('Lyon')], mini: [answer('Paris')] },
    ],
    ['starts at its own tier', 'coding', { mini: [answer('def f(): pass')] }],
  ];
  for (const [name, route, script] of scenarios) {
    it(`decides as the whole config does: ${name}`, async () => {
      const copy = () => structuredClone(script);
      const whole = await decide(full, route, copy());
      const part = await decide(configForRoute(full, route), route, copy());
      assert.deepEqual(part.result, whole.result);
      assert.deepEqual(part.calls, whole.calls);
    });
  }
});

describe('needsClassifierModel', () => {
  const withClassifier = makeConfig((c) => {
    tweak(c);
    c.classifier = { learnedModel: false, model: { model: 'nano', whenMarginBelow: 2, whenLearnedMarginBelow: 0.3 } };
  });
  const rules = (margin: number): InitialClassification => ({
    classification: {
      taskType: 'default',
      route: 'default',
      complexity: 'low',
      source: 'rules',
      reason: 'r',
      scores: {},
    },
    margin,
  });

  it('asks the small model only when there is one, the route was not given and the margin is low', () => {
    assert.equal(needsClassifierModel(withClassifier, rules(1)), true);
    assert.equal(needsClassifierModel(withClassifier, rules(2)), false);
    assert.equal(needsClassifierModel(full(), rules(1)), false);
    const given = classifyByRules(parseRequest({ prompt: 'x', taskType: 'default' }), withClassifier);
    assert.equal(needsClassifierModel(withClassifier, given), false);
    const learned = rules(0.2);
    learned.classification.learnedModel = 'task-type-model';
    assert.equal(needsClassifierModel(withClassifier, learned), true);
    learned.margin = 0.4;
    assert.equal(needsClassifierModel(withClassifier, learned), false);
  });

  function full() {
    return makeConfig(tweak);
  }
});
