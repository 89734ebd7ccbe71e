import { z } from 'zod';
import { Complexity } from './config';
import { ToolCall } from './request';

export const Usage = z.object({
  /** All input tokens, cached ones included. */
  inputTokens: z.number().int().nonnegative(),
  /** Input tokens served from the provider's prompt cache (a subset of `inputTokens`). */
  cachedInputTokens: z.number().int().nonnegative().default(0),
  outputTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

/**
 * Why the model stopped: `length` means it hit the output limit, so the answer may be truncated;
 * `tool_calls` that it called tools and waits for their results.
 */
export const FinishReason = z.enum(['stop', 'length', 'tool_calls', 'refusal', 'content_filter', 'other']);
export type FinishReason = z.infer<typeof FinishReason>;

export const CheckStatus = z.enum(['pass', 'fail', 'skip']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CheckResult = z.object({
  /** The check's type, or its configured name (regex checks). */
  check: z.string(),
  status: CheckStatus,
  reason: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const Outcome = z.enum(['accepted', 'exhausted', 'over_budget', 'failed']);
export type Outcome = z.infer<typeof Outcome>;

export const StepKind = z.enum(['classify', 'answer', 'agreement']);
export type StepKind = z.infer<typeof StepKind>;

/** One model call the cascade made, with what it cost and what the checks said about it. */
export const Step = z.object({
  index: z.number().int().nonnegative(),
  kind: StepKind,
  tier: z.string(),
  tierIndex: z.number().int().nonnegative(),
  model: z.string(),
  provider: z.string(),
  /** Why this call was made, e.g. `start tier` or `escalated: json_schema failed (...)`. */
  reason: z.string(),
  /** Attempts of the successful call (1 = no retry). */
  attempts: z.number().int().nonnegative(),
  latencyMs: z.number().nonnegative(),
  usage: Usage,
  costUsd: z.number().nonnegative(),
  /** Checks run on this answer; empty for agreement and classifier calls. */
  checks: z.array(CheckResult),
  /** The answer; in a result, cut to its first 16,000 characters (the final answer is whole in `output`). */
  text: z.string(),
  /** Set when the call failed for good; `text` is then empty and the call cost nothing we know of. */
  error: z.object({ type: z.string(), message: z.string() }).optional(),
  /** Why the model stopped, as its provider said (absent on failed calls and on steps recorded before it was kept). */
  finishReason: z.string().optional(),
  /** The stop sequence the model stopped at, when its provider says which (Anthropic). */
  stopSequence: z.string().optional(),
  /** The tools the model called, when it called any. */
  toolCalls: z.array(ToolCall).optional(),
});
export type Step = z.infer<typeof Step>;

export const Classification = z.object({
  taskType: z.string(),
  route: z.string(),
  complexity: Complexity,
  /**
   * `given` by the request, precise `rules`, the `learned` classifier, the small-LLM classifier
   * (`model`), or the `default` route when nothing was sure enough.
   */
  source: z.enum(['given', 'rules', 'learned', 'model', 'default']),
  /** Human-readable evidence: which rules fired with which score, or the learned model's probabilities. */
  reason: z.string(),
  /** Rule scores, or the learned model's probabilities, by task type. */
  scores: z.record(z.string(), z.number()),
  /**
   * How sure the deciding classifier was: the learned model's best probability minus the
   * runner-up's (0 to 1), or the best rule score minus the runner-up's. Absent on results recorded
   * before it was kept, and when the task type was given.
   */
  margin: z.number().optional(),
  /** The learned model that decided or was consulted: its content hash. */
  learnedModel: z.string().optional(),
});
export type Classification = z.infer<typeof Classification>;

/** What a cascade produced: its answer, how it got there, and what that cost against the frontier model alone. */
export const CascadeResult = z.object({
  id: z.string(),
  outcome: Outcome,
  /** Why the cascade ended as it did, in one sentence. */
  outcomeReason: z.string(),
  notice: z.string().optional(),
  classification: Classification,
  /** The config model the request named (`request.model`): called alone, with no cascade. */
  namedModel: z.string().optional(),
  output: z.object({
    text: z.string(),
    /** The parsed answer when the request gave a schema and the answer parsed. */
    json: z.unknown().optional(),
    /** The final answer's tool calls, when it called tools. */
    toolCalls: z.array(ToolCall).optional(),
    /** Why the final answer's model stopped (absent on results from before it was kept, and when no model answered). */
    finishReason: z.string().optional(),
    /** The stop sequence the final answer's model stopped at, when its provider says which (Anthropic). */
    stopSequence: z.string().optional(),
  }),
  finalModel: z.string().nullable(),
  finalTier: z.string().nullable(),
  finalTierIndex: z.number().int().nullable(),
  escalations: z.number().int().nonnegative(),
  steps: z.array(Step),
  costUsd: z.number().nonnegative(),
  baseline: z.object({ model: z.string(), costUsd: z.number().nonnegative() }),
  savedUsd: z.number(),
  error: z.object({ type: z.string(), message: z.string() }).optional(),
});
export type CascadeResult = z.infer<typeof CascadeResult>;
