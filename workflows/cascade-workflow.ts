import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { classifyByRules, classifyByRulesAfterModelFailure, type InitialClassification } from '../core/cascade-plan';
import {
  assembleResult,
  failedCall,
  newDecisionRecord,
  runCascadeDecisions,
  stepPath,
  type CallOutcome,
  type CascadeEffects,
  type DecisionRecord,
  type ModelCall,
} from '../core/cascade-run';
import { DEFAULT_MAX_HISTORY_BYTES, type CascadeConfig } from '../core/config';
import { configHash } from '../core/config-hash';
import { NON_RETRYABLE_PROVIDER_ERRORS } from '../core/provider-errors';
import { requestMessages, type CascadeRequest, type Message } from '../core/request';
import { type CascadeResult } from '../core/result';
import { CascadeSearchAttributes, classificationSearchAttributes } from '../core/search-attributes';
import { cancelledCascadeTelemetry, cascadeTelemetry } from '../core/cascade-telemetry';
import { cascadeTelemetrySink } from './cascade-sinks';
import {
  COMPACT_CASCADE,
  decisionsQuery,
  type CallModelInput,
  type CascadeActivities,
  type CascadeWorkflowInput,
} from './definitions';

const { resolveConfig, resolveWorkerConfig, prepareCascade } = proxyLocalActivities<CascadeActivities>({
  startToCloseTimeout: '10 seconds',
});
const { classifyRequest } = proxyLocalActivities<CascadeActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/**
 * Cascades started before the learned classifier classified by rules inside the workflow; their
 * histories have no classification marker and replay that way.
 */
export const LEARNED_CLASSIFIER_PATCH = 'learned-classifier';

/** Cascades started before the config hash was recorded replay without recording it. */
export const CONFIG_HASH_PATCH = 'record-config-hash';

/**
 * Cascades started before the implicit checks (`complete`, `tool_call`) replay without them: a
 * truncated answer they accepted must not escalate on replay.
 */
export const IMPLICIT_CHECKS_PATCH = 'implicit-checks';

/**
 * Cascades started while a request's `maxCostUsd` replaced its route's budget (instead of being
 * capped by it) replay under that rule. Asked only when the request has a budget of its own: without
 * one, both rules give the route's.
 */
export const BUDGET_CEILING_PATCH = 'budget-ceiling';

/**
 * Cascades started before this patch replay as they ran. From it on a cascade writes less to its
 * history for the same guarantees: the worker's config comes with its hash, computed once per
 * worker rather than in every workflow; the hash goes into the classification's search-attribute
 * update and the final memo instead of updates of its own; and the learned-classifier,
 * record-config-hash and budget-ceiling patches are implied (their markers are not written again).
 * `implicit-checks` is not: lean histories were recorded before it.
 */
export const LEAN_CASCADE_PATCH = 'lean-cascade';

/**
 * Cascades started before this patch replay as they ran (lean or not). From it on a cascade that
 * runs under the worker's config starts with one local activity, `prepareCascade`, whose recorded
 * result holds the classification and only the part of the config the cascade decides with (its
 * route, the models it can call), instead of two (`resolveWorkerConfig` with the whole config, then
 * `classifyRequest`); and it implies `lean-cascade` and `implicit-checks`, writing neither marker
 * (nor the `TemporalChangeVersion` update the SDK adds to each).
 */
export const SLIM_CASCADE_PATCH = 'slim-cascade';

/**
 * `cascade`: one request, one workflow. Classify (or take the given task type), start at the
 * route's tier, call the model, run the route's structural checks, and accept or climb to the next
 * tier with the failed checks' reasons, until accepted, exhausted or over budget. The decisions are
 * `core/cascade-run.ts`'s, shared with the what-if analysis; this workflow supplies the effects
 * (activities, durable timers) and writes every decision into the history, the search attributes,
 * the memo and the live `decisions` query.
 */
export async function cascade(input: CascadeWorkflowInput): Promise<CascadeResult> {
  const { request } = input;
  const record = newDecisionRecord();
  setHandler(decisionsQuery, () => record);

  // Decided by the input, not a patch: a compact cascade writes no marker (see COMPACT_CASCADE).
  const compact = input.shape === COMPACT_CASCADE;
  const slim = compact || patched(SLIM_CASCADE_PATCH);
  const lean = slim || patched(LEAN_CASCADE_PATCH);
  let config = input.config;
  let hash: string | undefined;
  // The classification `prepareCascade` made on the worker (slim cascades under the worker's config).
  let prepared: InitialClassification | undefined;
  try {
    if (lean) {
      if (config) {
        hash = input.configHash ?? configHash(config);
      } else if (slim) {
        ({ config, configHash: hash, classification: prepared } = await prepareCascade({ request }));
      } else {
        ({ config, configHash: hash } = await resolveWorkerConfig());
      }
    } else {
      config ??= await resolveConfig();
      if (patched(CONFIG_HASH_PATCH)) recordConfigHash(config);
    }
    // Not implied by lean-cascade: lean histories were recorded before the implicit checks existed.
    const implicitChecks = slim || patched(IMPLICIT_CHECKS_PATCH);
    const requestOverridesRouteBudget = request.maxCostUsd !== undefined && !(lean || patched(BUDGET_CEILING_PATCH));
    const ending = await runCascadeDecisions({
      request,
      config,
      record,
      effects: workflowEffects(config, {
        configHash: hash,
        learnedClassifier: lean,
        lean,
        compact,
        // A starter that sends its config sets the classification's search attributes at the start.
        startedWithAttributes: compact && input.configHash !== undefined && request.taskType !== undefined,
        request,
        ...(prepared ? { prepared } : {}),
      }),
      implicitChecks,
      ...(requestOverridesRouteBudget ? { requestOverridesRouteBudget } : {}),
    });
    const result = finish(assembleResult(workflowInfo().workflowId, request, config, record, ending), record, hash);
    cascadeTelemetrySink.finished(cascadeTelemetry(result), config, hash);
    return result;
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        upsertSearchAttributes([{ key: CascadeSearchAttributes.outcome, value: 'cancelled' }]);
        if (hash !== undefined) upsertMemo({ configHash: hash });
        setCurrentDetails('**cancelled**');
      });
      cascadeTelemetrySink.finished(cancelledCascadeTelemetry(record), config, hash);
    }
    throw error;
  }
}

/**
 * Which config decided: the one in the input (a reprocess under a new config) or the worker's, as
 * resolved above, whatever the submitter's own config was. Searchable as `CascadeConfigHash`,
 * shown in the memo.
 */
function recordConfigHash(config: CascadeConfig): void {
  const hash = configHash(config);
  upsertSearchAttributes([{ key: CascadeSearchAttributes.configHash, value: hash }]);
  upsertMemo({ configHash: hash });
}

/** How a cascade's effects are recorded: set by its patches, so that old histories replay as they ran. */
interface EffectOptions {
  /** The lean shape: the config hash to record with the classification (none before the patch). */
  configHash: string | undefined;
  /** The learned classifier is known to be patched in (lean cascades imply it, writing no marker). */
  learnedClassifier: boolean;
  /** Lean cascades pass a large request to model calls by reference and stop before their history is too large. */
  lean: boolean;
  /** Compact cascades write their escalation count once, at the end (see COMPACT_CASCADE). */
  compact: boolean;
  /** The starter set the task type, route and config hash at the start (`sendConfig`): no update for them. */
  startedWithAttributes: boolean;
  request: CascadeRequest;
  /** The classification `prepareCascade` recorded: the workflow classifies no more. */
  prepared?: InitialClassification;
}

/** Model calls as activities, outages waited out on durable timers, decisions reported to the UI and visibility. */
function workflowEffects(config: CascadeConfig, options: EffectOptions): CascadeEffects {
  const { configHash, compact } = options;
  return {
    classify: (request) => options.prepared ?? classify(request, config, options),
    call: (call) => callOnce(config, call, options),
    wait: (ms, summary) => sleep(ms, { summary }),
    status: (markdown) => setCurrentDetails(markdown),
    classified: options.startedWithAttributes
      ? () => undefined
      : (classification) =>
          upsertSearchAttributes([
            ...classificationSearchAttributes(classification.taskType, classification.route, configHash),
            // Unset rather than a count that the next escalation would make wrong.
            ...(compact ? [] : [{ key: CascadeSearchAttributes.escalations, value: 0 }]),
          ]),
    // Each update is an event and a visibility write on the server: a compact cascade writes the
    // count once, in `finish`, with the outcome.
    escalated: compact
      ? () => undefined
      : (escalations) => upsertSearchAttributes([{ key: CascadeSearchAttributes.escalations, value: escalations }]),
  };
}

/**
 * Precise rules and the learned model run on the worker (a local activity), because the model is a
 * file that may be retrained while this cascade runs: the recorded answer keeps replays on the
 * route the first run took. A given task type, or rules alone, need no file and stay in here.
 */
async function classify(
  request: CascadeRequest,
  config: CascadeConfig,
  options: EffectOptions,
): Promise<InitialClassification> {
  if (
    request.taskType ||
    config.classifier.learnedModel === false ||
    !(options.learnedClassifier || patched(LEARNED_CLASSIFIER_PATCH))
  )
    return classifyByRules(request, config);
  try {
    return await classifyRequest({ request, config });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return classifyByRulesAfterModelFailure(request, config, error.cause?.message ?? error.message);
  }
}

// Per-call options (timeouts from the model, the summary shown in the UI) are set with executeWithOptions.
const { callModel } = proxyActivities<CascadeActivities>({ startToCloseTimeout: '10 minutes' });

/**
 * One model call as an activity. Temporal retries transient failures per the config's resilience
 * settings (honouring `retry-after`); what still fails comes back as a value, not an exception,
 * so the cascade decides: fall back, escalate, wait, or fail the request.
 */
function callOnce(config: CascadeConfig, call: ModelCall, options: EffectOptions): Promise<CallOutcome> {
  const { model } = call;
  const { resilience } = config;
  const byReference = options.lean && isLargeRequestPrompt(call.prompt.messages, options.request);
  if (options.lean) {
    const tooLarge = historyLimitProblem(config, byReference ? 0 : promptChars(call.prompt.messages));
    if (tooLarge)
      return Promise.resolve({
        failure: { type: HISTORY_LIMIT_ERROR, message: tooLarge, escalate: false },
        retryable: false,
      });
  }
  const callInput: CallModelInput = {
    model: call.modelId,
    provider: model.provider,
    providerModel: model.model,
    timeoutMs: model.timeoutMs,
    maxOutputTokens: model.maxOutputTokens,
    jsonMode: model.jsonMode,
    prompt: byReference ? { ...call.prompt, messages: [] } : call.prompt,
    ...(byReference ? { requestMessages: 'workflow-input' as const } : {}),
    ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
  };
  // `then` rather than an async function and `await`: one promise per call instead of three, each of
  // which the SDK gives a captured stack trace in the sandbox (`npm run bench -- --cpu-prof`).
  return callModel
    .executeWithOptions(
      {
        summary: call.summary,
        // The SDK's own timeout fires first; this one catches a worker that hangs around it.
        startToCloseTimeout: model.timeoutMs + 5_000,
        heartbeatTimeout: resilience.heartbeatTimeoutMs,
        retry: {
          initialInterval: resilience.initialRetryMs,
          backoffCoefficient: 2,
          maximumInterval: resilience.maxRetryMs,
          maximumAttempts: resilience.maxAttemptsPerModel,
          nonRetryableErrorTypes: [...NON_RETRYABLE_PROVIDER_ERRORS],
        },
      },
      [callInput],
    )
    .then(
      (output): CallOutcome => ({ output }),
      (error: unknown): CallOutcome => {
        if (!(error instanceof ActivityFailure)) throw error;
        const cause = error.cause;
        // A call that timed out on Temporal's side (no ApplicationFailure) is transient like a provider timeout.
        const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'timeout';
        return failedCall(
          type,
          cause?.message ?? error.message,
          cause instanceof ApplicationFailure ? retryAfterMsOf(cause.details) : undefined,
        );
      },
    );
}

/**
 * From this many characters of request messages on, a model call refers to the cascade's input for
 * them instead of carrying them: each call's input is stored in the history, and a cascade waiting
 * out an outage schedules a call per model per round (a 1 MB prompt made 25 MB of history in five
 * minutes of 503s). Below it a copy costs less than the worker's read of the input.
 */
export const REQUEST_BY_REFERENCE_CHARS = 32 * 1024;

/** Why a cascade ends `failed` when its history is about to outgrow `resilience.maxHistoryBytes`. */
export const HISTORY_LIMIT_ERROR = 'history_limit';

function promptChars(messages: readonly Message[]): number {
  let chars = 0;
  for (const message of messages) chars += message.content.length;
  return chars;
}

/** Whether a call's messages are the request's own (a tier's prompt, not the classifier's) and large. */
function isLargeRequestPrompt(messages: readonly Message[], request: CascadeRequest): boolean {
  if (promptChars(messages) < REQUEST_BY_REFERENCE_CHARS) return false;
  const own = requestMessages(request);
  return (
    own.length === messages.length &&
    own.every((m, i) => m.role === messages[i]!.role && m.content === messages[i]!.content)
  );
}

/**
 * Why no further call may be scheduled: the history (its size as of this workflow task) and what
 * the call adds would pass the configured limit. Temporal terminates a workflow whose history
 * reaches its own limit, with no result; this ends the cascade first, with a reason.
 */
function historyLimitProblem(config: CascadeConfig, callChars: number): string | undefined {
  const limit = config.resilience.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES;
  const { historySize } = workflowInfo();
  // A call adds its input once when scheduled, and room for its result and the events around it.
  const next = historySize + callChars * 3 + 16 * 1024;
  if (next <= limit) return undefined;
  return `the cascade's history (${historySize} bytes) would pass its limit of ${limit} bytes with another model call (resilience.maxHistoryBytes)`;
}

/** The provider's `retry-after` that `callModel` put in a failure's details, if any. */
function retryAfterMsOf(details: unknown[] | undefined | null): number | undefined {
  const value = (details?.[0] as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** Writes the final audit trail: search attributes, the memo's summary (and a lean cascade's config hash) and the live status. */
function finish(result: CascadeResult, record: DecisionRecord, configHash: string | undefined): CascadeResult {
  const { outcome, costUsd, savedUsd } = result;
  const finalStep =
    result.finalModel === null ? undefined : { model: result.finalModel, tierIndex: result.finalTierIndex! };
  record.status = 'done';
  record.outcome = outcome;
  record.costUsd = costUsd;
  upsertSearchAttributes([
    { key: CascadeSearchAttributes.outcome, value: outcome },
    { key: CascadeSearchAttributes.costUsd, value: costUsd },
    { key: CascadeSearchAttributes.savedUsd, value: savedUsd },
    { key: CascadeSearchAttributes.escalations, value: record.escalations },
    ...(finalStep
      ? [
          { key: CascadeSearchAttributes.finalModel, value: finalStep.model },
          { key: CascadeSearchAttributes.finalTier, value: finalStep.tierIndex },
        ]
      : []),
  ]);
  upsertMemo({
    summary: {
      outcome,
      reason: result.outcomeReason,
      taskType: result.classification.taskType,
      route: result.classification.route,
      classifier: `${result.classification.source}: ${result.classification.reason}`,
      finalModel: result.finalModel,
      escalations: record.escalations,
      path: stepPath(record.steps),
      costUsd,
      baselineUsd: result.baseline.costUsd,
      savedUsd,
    },
    ...(configHash !== undefined ? { configHash } : {}),
  });
  setCurrentDetails(
    `**${outcome}**${result.finalTier !== null ? ` at tier ${result.finalTier} (${result.finalModel})` : ''} · $${costUsd.toFixed(6)} (saved $${savedUsd.toFixed(6)})\n\n${result.outcomeReason}`,
  );
  return result;
}
