/** What a finished or cancelled cascade contributes to the metrics, derived from its steps (pure, no Temporal). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecisionRecord } from '../core/cascade-run';
import { cancelledCascadeTelemetry, escalationsOf } from '../core/cascade-telemetry';
import { type Step } from '../core/result';

function step(tier: string, tierIndex: number, overrides: Partial<Step> = {}): Step {
  return {
    index: 0,
    kind: 'answer',
    tier,
    tierIndex,
    model: `${tier}-model`,
    provider: 'p',
    reason: '',
    attempts: 1,
    latencyMs: 1,
    usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 5 },
    costUsd: 0.001,
    checks: [],
    text: 'x',
    ...overrides,
  };
}
const failed = (check: string) => ({ check, status: 'fail' as const, reason: 'r' });
const passed = (check: string) => ({ check, status: 'pass' as const, reason: 'r' });

describe('escalationsOf', () => {
  it('names the tier left and its first failed check, in the route order', () => {
    const steps = [
      step('small', 0, { checks: [passed('not_empty'), failed('json_schema'), failed('ground_truth')] }),
      step('mid', 1, { checks: [failed('ground_truth')] }),
      step('frontier', 2, { checks: [passed('ground_truth')] }),
    ];
    assert.deepEqual(escalationsOf(steps, 2), [
      { tier: 'small', check: 'json_schema' },
      { tier: 'mid', check: 'ground_truth' },
    ]);
  });

  it('skips fallbacks within a tier, agreement and classifier calls, and names an error that made it climb', () => {
    const steps = [
      step('classifier', 0, { kind: 'classify' }),
      step('small', 0, { error: { type: 'rate_limited', message: '' }, checks: [] }),
      step('small', 0, { model: 'small-backup', checks: [passed('not_empty')] }),
      step('small', 0, { kind: 'agreement', model: 'partner' }),
      step('small', 0, { checks: [failed('agreement')] }),
      step('mid', 1, { error: { type: 'context_too_long', message: '' } }),
      step('frontier', 2, { checks: [passed('not_empty')] }),
    ];
    // The small tier's answer step that counts is its last one (the agreement failure).
    assert.deepEqual(escalationsOf(steps, 2), [
      { tier: 'small', check: 'agreement' },
      { tier: 'mid', check: 'context_too_long' },
    ]);
  });

  it('counts an escalation whose next tier was never called (over budget) on the last answer', () => {
    const steps = [step('small', 0, { checks: [failed('not_refusal')] })];
    assert.deepEqual(escalationsOf(steps, 1), [{ tier: 'small', check: 'not_refusal' }]);
    assert.deepEqual(escalationsOf(steps, 0), [], 'an exhausted last tier did not escalate');
  });
});

describe('cancelledCascadeTelemetry', () => {
  it('keeps what was spent, with no baseline: the spend is a loss', () => {
    const record: DecisionRecord = {
      status: 'calling',
      steps: [
        step('small', 0, { checks: [failed('json_schema')], costUsd: 0.002 }),
        step('mid', 1, { costUsd: 0.003 }),
      ],
      escalations: 1,
      costUsd: 0.005,
      classification: {
        taskType: 'extraction',
        route: 'extraction',
        complexity: 'low',
        source: 'rules',
        reason: '',
        scores: {},
      },
    };
    const telemetry = cancelledCascadeTelemetry(record);
    assert.equal(telemetry.outcome, 'cancelled');
    assert.equal(telemetry.route, 'extraction');
    assert.equal(telemetry.classifierSource, 'rules');
    assert.deepEqual(telemetry.escalations, [{ tier: 'small', check: 'json_schema' }]);
    assert.deepEqual(telemetry.modelCosts, [
      { model: 'small-model', tier: 'small', costUsd: 0.002 },
      { model: 'mid-model', tier: 'mid', costUsd: 0.003 },
    ]);
    assert.equal(telemetry.costUsd, 0.005);
    assert.equal(telemetry.baselineUsd, 0);
    assert.equal(telemetry.savedUsd, -0.005);
  });
});
