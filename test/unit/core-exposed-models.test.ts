/**
 * A request that names a config model (`model`, which the HTTP API accepts for the models its
 * `api.exposeModels` exposes): which models may be exposed, the one rung such a request is called
 * on, and that the cascade's own decision loop then calls that model alone, checks annotating it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRequest } from '../../client/validate-request';
import { classifyByRules, pinnedTier, planCascade } from '../../core/cascade-plan';
import { assembleResult, needsClassifierModel, newDecisionRecord, runCascadeDecisions } from '../../core/cascade-run';
import { ConfigError, type CascadeConfigInput } from '../../core/config';
import { CASCADE_MODEL, exposedModels, isGatewayModelName } from '../../core/exposed-models';
import { parseRequest, RequestValidationError } from '../../core/request';
import { requestParamProblems } from '../../providers/provider-table';
import { makeConfig } from '../helpers/core-config';
import { answer, failure, scriptedEffects, type Scripted } from '../helpers/scripted-effects';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RequestValidationError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError or RequestValidationError');
}

describe('exposedModels', () => {
  const config = makeConfig((c) => {
    // A model of the config that no tier has (only an agreement check would call it).
    c.models.judge = { provider: 'openai', model: 'gpt-judge', pricing: { inputPerMTok: 1, outputPerMTok: 1 } };
  });

  it('exposes none unless asked', () => {
    assert.deepEqual(exposedModels({}, config), []);
    assert.deepEqual(exposedModels({ exposeModels: false }, config), []);
  });

  it('exposes every model on the tiers for true, cheapest tier first, and a list as given', () => {
    assert.deepEqual(exposedModels({ exposeModels: true }, config), ['haiku', 'nano', 'mini', 'sonnet', 'opus']);
    assert.deepEqual(exposedModels({ exposeModels: ['opus', 'nano'] }, config), ['opus', 'nano']);
  });

  it('refuses, naming the entry, an unknown model, one on no tier, and one listed twice', () => {
    assert.deepEqual(
      problemsOf(() => exposedModels({ exposeModels: ['haiku', 'gpt-9', 'judge', 'haiku'] }, config)),
      [
        'api.exposeModels[1]: unknown model "gpt-9" (models: haiku, nano, mini, sonnet, opus, judge)',
        'api.exposeModels[2]: model "judge" is on no tier; only a tier\'s model or fallback can be called directly',
        'api.exposeModels[3]: "haiku" is listed twice',
      ],
    );
  });

  it('refuses an id the gateway reads as its own, listed or exposed by true', () => {
    const clashing = makeConfig((c: CascadeConfigInput) => {
      c.models['cascade/fast'] = { ...c.models.nano! };
      c.tiers[0]!.fallbacks = ['cascade/fast'];
    });
    const listed = problemsOf(() => exposedModels({ exposeModels: ['cascade/fast'] }, clashing));
    assert.equal(listed.length, 1);
    assert.match(listed[0]!, /^api\.exposeModels\[0\]: model "cascade\/fast" would be read as the gateway's own/);
    const all = problemsOf(() => exposedModels({ exposeModels: true }, clashing));
    assert.match(all[0]!, /^api\.exposeModels: model "cascade\/fast" .*list the models to expose without it$/);
  });

  it('tells the gateway namespace by the exact name and its prefix', () => {
    assert.equal(isGatewayModelName(CASCADE_MODEL), true);
    assert.equal(isGatewayModelName('cascade/coding'), true);
    assert.equal(isGatewayModelName('cascade-7b'), false);
    assert.equal(isGatewayModelName('openai/cascade'), false);
  });
});

describe('pinnedTier', () => {
  const config = makeConfig((c) => {
    c.tiers[1] = { name: 'mid', model: 'mini', fallbacks: ['sonnet', 'nano'] };
  });

  it('is the first tier with the model, from the model on', () => {
    assert.deepEqual(pinnedTier(config, 'haiku'), { name: 'small', index: 0, models: ['haiku', 'nano'] });
    // nano is small's fallback before it is mid's: the cheaper tier's rung, with no fallback after it.
    assert.deepEqual(pinnedTier(config, 'nano'), { name: 'small', index: 0, models: ['nano'] });
    assert.deepEqual(pinnedTier(config, 'sonnet'), { name: 'mid', index: 1, models: ['sonnet', 'nano'] });
    assert.deepEqual(pinnedTier(config, 'opus'), { name: 'frontier', index: 2, models: ['opus'] });
    assert.equal(pinnedTier(config, 'gpt-9'), undefined);
  });
});

describe('planCascade for a request that names its model', () => {
  const config = makeConfig((c) => {
    c.routes.default = {
      startTier: 'small',
      budgetUsd: 0.5,
      checks: [{ type: 'not_empty' }, { type: 'agreement', models: ['nano'] }],
    };
  });

  it('is one rung, the route one-shot, its budget kept, no agreement check', () => {
    const plan = planCascade(config, { route: 'default', complexity: 'low' }, { model: 'mini', maxCostUsd: 0.1 });
    assert.deepEqual(plan.tiers, [{ name: 'mid', index: 1, models: ['mini', 'sonnet'] }]);
    assert.equal(plan.routeConfig.cascade, false);
    assert.deepEqual(plan.routeConfig.checks, config.routes.default!.checks);
    assert.equal(plan.budgetUsd, 0.1);
    // Without a model the same route climbs all three tiers with its agreement check on the first.
    const climbing = planCascade(config, { route: 'default', complexity: 'low' }, {});
    assert.equal(climbing.tiers.length, 3);
    assert.ok(climbing.tiers[0]!.agreement);
  });
});

describe('runCascadeDecisions for a request that names its model', () => {
  async function run(script: Record<string, Scripted[]>, request: Record<string, unknown>, config = makeConfig()) {
    const parsed = parseRequest({ prompt: 'What is the capital of France?', ...request });
    const effects = scriptedEffects(script, (r) => classifyByRules(r, config));
    const record = newDecisionRecord();
    const ending = await runCascadeDecisions({ request: parsed, config, record, effects });
    const result = assembleResult('req-1', parsed, config, record, ending);
    assert.deepEqual(effects.unused(), {}, 'every scripted answer was asked for');
    return { ending, effects, result };
  }

  it('calls the named model, and only it, on the classified route', async () => {
    const { ending, effects, result } = await run({ mini: [answer('Paris')] }, { model: 'mini' });
    assert.equal(ending.outcome, 'accepted');
    assert.equal(ending.classification.route, 'default');
    assert.deepEqual(
      effects.calls.map((c) => c.modelId),
      ['mini'],
    );
    assert.equal(result.finalModel, 'mini');
    assert.equal(result.finalTier, 'mid');
    assert.equal(result.namedModel, 'mini');
  });

  it('ends exhausted when the answer fails a check, climbing to no other tier', async () => {
    const { ending, effects, result } = await run({ haiku: [answer('')] }, { model: 'haiku' });
    assert.equal(ending.outcome, 'exhausted');
    assert.match(ending.outcomeReason, /^model haiku named by the request; the answer from haiku failed: not_empty/);
    assert.deepEqual(
      effects.calls.map((c) => c.modelId),
      ['haiku'],
    );
    assert.equal(result.escalations, 0);
  });

  it('rides out the named model’s outage on the fallbacks after it in its tier', async () => {
    const { ending, effects } = await run(
      { haiku: [failure('overloaded')], nano: [answer('Paris')] },
      { model: 'haiku' },
    );
    assert.equal(ending.outcome, 'accepted');
    assert.deepEqual(
      effects.calls.map((c) => c.modelId),
      ['haiku', 'nano'],
    );
  });

  it('asks no small-model classifier, however unsure the rules', async () => {
    const config = makeConfig((c) => {
      c.classifier = { learnedModel: false, model: { model: 'nano', whenMarginBelow: 100 } };
    });
    const initial = classifyByRules(parseRequest({ prompt: 'x' }), config);
    assert.equal(needsClassifierModel(config, initial), true);
    assert.equal(needsClassifierModel(config, initial, { model: 'mini' }), false);
    const { effects } = await run({ mini: [answer('Paris')] }, { model: 'mini' }, config);
    assert.deepEqual(
      effects.calls.map((c) => c.modelId),
      ['mini'],
    );
  });

  it('fails, calling nothing, when the worker’s config has the model on no tier', async () => {
    const { ending, effects } = await run({}, { model: 'gpt-9' });
    assert.equal(ending.outcome, 'failed');
    assert.equal(ending.outcomeReason, 'model "gpt-9" named by the request is on no tier of this config');
    assert.deepEqual(effects.calls, []);
  });
});

describe('validating a request that names its model', () => {
  const config = makeConfig();

  it('refuses a model no tier has, naming the field', () => {
    assert.deepEqual(
      problemsOf(() => validateRequest({ prompt: 'x', model: 'gpt-9' }, config)),
      ['model: no tier has the model "gpt-9" (models on the tiers: haiku, nano, mini, sonnet, opus)'],
    );
    assert.equal(validateRequest({ prompt: 'x', model: 'opus' }, config).model, 'opus');
  });

  it('checks the generation parameters against the named model and its later fallbacks only', () => {
    const params = { seed: 7 };
    // mini's tier falls back to sonnet (Anthropic: no seed); nano is the last of small's.
    assert.deepEqual(requestParamProblems({ model: 'nano', params }, config), []);
    const problems = requestParamProblems({ model: 'mini', params }, config);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^params\.seed: not honoured by sonnet, the fallback of mini: /);
    assert.match(
      requestParamProblems({ model: 'haiku', params }, config)[0]!,
      /^params\.seed: not honoured by haiku, the model the request names: /,
    );
  });
});
