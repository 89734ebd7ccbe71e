/**
 * Cascade effects from a script, for unit tests of `runCascadeDecisions` without Temporal:
 * `scriptedEffects({ haiku: [answer('Paris')], nano: [failure('overloaded'), answer('x')] })`.
 * Each call to a model takes the next entry of its list; a call the script did not foresee fails
 * the test. Everything the run asked for (calls, waits, status lines, escalations) is recorded.
 */
import {
  failedCall,
  type CallOutcome,
  type CascadeEffects,
  type ModelAnswer,
  type ModelCall,
} from '../../core/cascade-run';
import { type InitialClassification } from '../../core/cascade-plan';
import { type CascadeRequest } from '../../core/request';
import { type Classification } from '../../core/result';

/** A scripted outcome of one call. */
export type Scripted = { answer: ModelAnswer } | { failure: CallOutcome };

/** A model's answer; by default 10 tokens in, 5 out, stopped normally, on the first attempt. */
export function answer(text: string, fields: Partial<ModelAnswer> = {}): Scripted {
  return {
    answer: {
      text,
      usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 5 },
      finishReason: 'stop',
      attempt: 1,
      latencyMs: 1,
      ...fields,
    },
  };
}

/** A call that failed for good with a provider error kind (as the workflow sees it after Temporal's retries). */
export function failure(type: string, options: { message?: string; retryAfterMs?: number } = {}): Scripted {
  return { failure: failedCall(type, options.message ?? `${type} from the provider`, options.retryAfterMs) };
}

export interface ScriptedEffects extends CascadeEffects {
  /** Every call made, in order. */
  readonly calls: ModelCall[];
  /** Every wait, in milliseconds. */
  readonly waits: number[];
  readonly statuses: string[];
  /** The escalation count after each escalation. */
  readonly escalations: number[];
  readonly classifications: Classification[];
  /** The script's entries not used up, by model: a test can require none. */
  unused(): Record<string, number>;
}

/**
 * `classify` stands in for the worker's classifier (a local activity in the workflow), e.g. the
 * rules alone: `(request) => classifyByRules(request, config)`.
 */
export function scriptedEffects(
  script: Record<string, Scripted[]>,
  classify: (request: CascadeRequest) => InitialClassification,
): ScriptedEffects {
  const remaining = new Map(Object.entries(script).map(([model, entries]) => [model, [...entries]]));
  const effects: ScriptedEffects = {
    calls: [],
    waits: [],
    statuses: [],
    escalations: [],
    classifications: [],
    async classify(request) {
      return classify(request);
    },
    async call(call) {
      effects.calls.push(call);
      const next = remaining.get(call.modelId)?.shift();
      if (!next) throw new Error(`unscripted call to ${call.modelId} (${call.summary})`);
      return 'answer' in next ? { output: next.answer } : next.failure;
    },
    async wait(ms) {
      effects.waits.push(ms);
    },
    status(markdown) {
      effects.statuses.push(markdown);
    },
    classified(classification) {
      effects.classifications.push(classification);
    },
    escalated(escalations) {
      effects.escalations.push(escalations);
    },
    unused() {
      return Object.fromEntries([...remaining].filter(([, left]) => left.length > 0).map(([m, l]) => [m, l.length]));
    },
  };
  return effects;
}
