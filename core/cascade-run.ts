import {
  judgeAnswer,
  overBudgetReason,
  pinnedTier,
  planCascade,
  type CascadePlan,
  type InitialClassification,
  type PlannedTier,
} from './cascade-plan';
import {
  runAgreementCheck,
  runAnswerCheck,
  runAnswerChecks,
  type AnswerCheckContext,
  type PartnerAnswer,
} from './checks';
import { classificationPrompt, parseClassifierAnswer } from './classifier-prompt';
import { baselineModelId, type CascadeConfig, type CheckConfig, type ModelConfig } from './config';
import { costOfUsage, estimateTokens, roundUsd, sumCosts } from './cost';
import { parseJsonAnswer } from './json-answer';
import { buildPrompt, promptText, type ModelPrompt } from './prompt';
import { ESCALATING_PROVIDER_ERRORS, NON_RETRYABLE_PROVIDER_ERRORS } from './provider-errors';
import { type CascadeRequest, type ToolCall } from './request';
import {
  type CascadeResult,
  type CheckResult,
  type Classification,
  type Outcome,
  type Step,
  type StepKind,
  type Usage,
} from './result';

/**
 * The cascade's decisions as a pure function of the request, the config and a source of model
 * answers. The `cascade` workflow runs it with answers from `callModel` activities; the what-if
 * analysis runs it with answers recorded in history, so both take exactly the same decisions.
 */

/** The live decision record, readable at any time through the workflow's `decisions` query. */
export interface DecisionRecord {
  status: 'classifying' | 'calling' | 'waiting' | 'done';
  classification?: Classification;
  route?: string;
  currentTier?: string;
  steps: Step[];
  escalations: number;
  costUsd: number;
  outcome?: Outcome;
}

/** What a successful model call returned; `callModel`'s output has this shape. */
export interface ModelAnswer {
  text: string;
  /** The tools the model called, when it called any. */
  toolCalls?: ToolCall[];
  usage: Usage;
  finishReason: string;
  /** The stop sequence the model stopped at, when its provider says which. */
  stopSequence?: string;
  /** Which attempt succeeded (1 = first try). */
  attempt: number;
  latencyMs: number;
}

/** A failed model call the cascade has to react to: it is either fatal for the request or a reason to climb. */
export interface CallFailure {
  type: string;
  message: string;
  escalate: boolean;
  /** How long the provider asked us to wait (its `retry-after`) before calling this model again. */
  retryAfterMs?: number;
}

/** A model call's outcome as a value: what still fails after retries comes back here, not as an exception. */
export type CallOutcome = { output: ModelAnswer } | { failure: CallFailure; retryable: boolean };

/**
 * A call that failed for good as the cascade sees it: escalate past a model that cannot take the
 * request, fall back or wait when the failure is transient, fail the request otherwise.
 */
export function failedCall(type: string, message: string, retryAfterMs?: number): CallOutcome {
  return {
    failure: {
      type,
      message,
      escalate: (ESCALATING_PROVIDER_ERRORS as readonly string[]).includes(type),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    retryable: !(NON_RETRYABLE_PROVIDER_ERRORS as readonly string[]).includes(type),
  };
}

/** One model call the cascade wants made. */
export interface ModelCall {
  /** The config's model id. */
  modelId: string;
  model: ModelConfig;
  prompt: ModelPrompt;
  kind: StepKind;
  /** Why the call is made, as shown in the UI: model, tier and reason. */
  summary: string;
}

/**
 * The cascade's effects on the world. Only `call` and `wait` shape decisions; the rest report them
 * (live status, search attributes) and may do nothing.
 */
export interface CascadeEffects {
  /**
   * Classifies the request: precise rules and the learned model, whose file lives outside the
   * workflow (the workflow records the worker's answer), or rules alone (`classifyByRules`). A
   * classification at hand (recorded already) may come back as is: in the workflow sandbox every
   * promise and every `await` costs a stack trace the SDK captures for its stack-trace query.
   */
  classify(request: CascadeRequest): InitialClassification | Promise<InitialClassification>;
  /** Makes one model call (with the retry policy the source applies) and returns its outcome. */
  call(call: ModelCall): Promise<CallOutcome>;
  /** Waits before another round on a tier whose models are all down. */
  wait(ms: number, summary: string): Promise<void>;
  /** The live one-line status, in markdown. */
  status(markdown: string): void;
  /** The request has been classified (escalations are 0 at this point). */
  classified(classification: Classification): void;
  /** The cascade climbed; `escalations` is the new count. */
  escalated(escalations: number): void;
}

/** A fresh decision record, before the request is classified. */
export function newDecisionRecord(): DecisionRecord {
  return { status: 'classifying', steps: [], escalations: 0, costUsd: 0 };
}

/** How a cascade ended, before the result is assembled. */
export interface CascadeEnding {
  classification: Classification;
  outcome: Outcome;
  outcomeReason: string;
  /** The last answer that went through the checks (accepted or not); none if no model answered. */
  finalStep: Step | undefined;
  failure: CallFailure | undefined;
}

/** What `runCascadeDecisions` decides with. */
export interface CascadeRunInput {
  request: CascadeRequest;
  config: CascadeConfig;
  /** Filled in as the run goes (see `newDecisionRecord`); the workflow's `decisions` query reads it. */
  record: DecisionRecord;
  effects: CascadeEffects;
  /**
   * Runs the checks every route has without listing them (`complete`, and `tool_call` when the
   * request gives tools); default true. The workflow turns them off when replaying a cascade
   * started before they existed, so its recorded decisions replay unchanged.
   */
  implicitChecks?: boolean;
  /** The budget rule of cascades started before a request could no longer raise its route's budget (see `planCascade`). */
  requestOverridesRouteBudget?: boolean;
}

/** One run's context, handed to every step of it. */
interface Run extends CascadeRunInput {
  plan: CascadePlan;
}

/**
 * Classify, plan, then climb the ladder: call the tier (falling back and waiting out outages),
 * check the answer, accept or escalate, until accepted, exhausted, over budget or failed. Every
 * step goes into `record` as it happens.
 */
export async function runCascadeDecisions(input: CascadeRunInput): Promise<CascadeEnding> {
  const { request, config, record, effects } = input;
  const classifying = effects.classify(request);
  const initial = 'then' in classifying ? await classifying : classifying;
  const classification = needsClassifierModel(config, initial, request)
    ? await classifyWithModel(input, initial)
    : initial.classification;
  record.classification = classification;
  record.route = classification.route;
  effects.classified(classification);

  const ending = (
    outcome: Outcome,
    outcomeReason: string,
    finalStep: Step | undefined,
    failure?: CallFailure,
  ): CascadeEnding => ({ classification, outcome, outcomeReason, finalStep, failure });
  // Validation refuses a model no tier has; a worker whose config lacks it (another config than the
  // submitter's) must still end the request rather than fail its workflow task over and over.
  if (request.model !== undefined && !pinnedTier(config, request.model))
    return ending('failed', `model "${request.model}" named by the request is on no tier of this config`, undefined);
  const budgetRule = input.requestOverridesRouteBudget ? { requestOverridesRouteBudget: true } : {};
  const run: Run = { ...input, plan: planCascade(config, classification, request, budgetRule) };
  const { plan } = run;

  // What the climb carries from one tier to the next: why the last tier was left, and its checked answer.
  let rejectedReasons: string[] = [];
  let lastChecked: Step | undefined;
  for (const [i, tier] of plan.tiers.entries()) {
    const hasHigherTier = i < plan.tiers.length - 1;
    record.currentTier = tier.name;

    const overBudget = budgetProblem(run, tier, rejectedReasons);
    if (overBudget) return ending('over_budget', overBudget, lastChecked);

    const callReason = i === 0 ? `start tier of route ${plan.route}` : `escalated: ${rejectedReasons.join('; ')}`;
    const answered = await callTier(run, tier, rejectedReasons, callReason);
    if ('failure' in answered) {
      const { failure } = answered;
      if (!failure.escalate || !hasHigherTier)
        return ending('failed', `${failure.type}: ${failure.message}`, lastChecked, failure);
      rejectedReasons = [`${tier.name} could not answer: ${failure.message}`];
      escalate(run, tier, rejectedReasons);
      continue;
    }

    lastChecked = checkAnswer(run, answered.step, answered.finishReason);
    // Only a tier with an agreement check waits here (its partners' calls): see `CascadeEffects.classify`.
    if (tier.agreement) await checkAgreement(run, tier, lastChecked);
    const verdict = judgeAnswer(lastChecked.checks, hasHigherTier);
    if (verdict.kind === 'accept')
      return ending('accepted', `accepted at tier ${tier.name}: every check passed`, lastChecked);
    if (verdict.kind === 'exhausted') {
      const why = plan.routeConfig.cascade
        ? 'no tier left to climb'
        : request.model !== undefined
          ? `model ${request.model} named by the request`
          : 'one-shot route';
      return ending(
        'exhausted',
        `${why}; the answer from ${lastChecked.model} failed: ${verdict.reasons.join('; ')}`,
        lastChecked,
      );
    }
    rejectedReasons = verdict.reasons;
    escalate(run, tier, rejectedReasons);
  }
  // Not reached: the last tier either answers (accepted or exhausted) or fails; a plan always has a tier.
  return ending('exhausted', 'the plan has no tier to call', lastChecked);
}

/** Whether the tier's worst case still fits the budget, for the prompt it would be sent; why not, if not. */
function budgetProblem(run: Run, tier: PlannedTier, rejectedReasons: string[]): string | undefined {
  const { request, config, plan, record } = run;
  if (plan.budgetUsd === undefined) return undefined;
  const prompt = buildPrompt(request, plan.routeConfig, config.models[tier.models[0]!]!, rejectedReasons);
  // The next prompt is at least as long as any sent so far (it carries the same request).
  const inputTokens = Math.max(estimateTokens(promptText(prompt)), ...record.steps.map((s) => s.usage.inputTokens));
  return overBudgetReason(config, tier, { budgetUsd: plan.budgetUsd, spentUsd: record.costUsd, inputTokens });
}

/** Runs the route's checks on a tier's answer (`checkAgreement` adds the agreement check's). */
function checkAnswer(run: Run, step: Step, finishReason: string): Step {
  const { request, plan } = run;
  const context = {
    text: step.text,
    finishReason,
    ...(request.schema !== undefined ? { schema: request.schema } : {}),
    ...(request.groundTruth !== undefined ? { groundTruth: request.groundTruth } : {}),
    ...(step.toolCalls ? { toolCalls: step.toolCalls } : {}),
    ...(request.tools ? { tools: request.tools } : {}),
    ...(request.toolChoice !== undefined ? { toolChoice: request.toolChoice } : {}),
    ...(request.parallelToolCalls !== undefined ? { parallelToolCalls: request.parallelToolCalls } : {}),
  };
  step.checks = runAnswerChecks(plan.routeConfig.checks, context);
  if (run.implicitChecks !== false) step.checks.push(...implicitChecks(plan.routeConfig.checks, context));
  return step;
}

/** A tier's agreement check, after its other checks: its partners answer only when those passed. */
async function checkAgreement(run: Run, tier: PlannedTier, step: Step): Promise<void> {
  if (!tier.agreement) return;
  if (step.checks.some((c) => c.status === 'fail')) {
    step.checks.push({ check: 'agreement', status: 'skip', reason: 'not run: an earlier check already failed' });
  } else {
    const partners = await askPartners(run, tier, step);
    step.checks.push(runAgreementCheck(tier.agreement, step.text, partners));
  }
}

/**
 * The checks a route runs without listing them: `complete` (shown only when it fails, so routes'
 * check lists read as configured) and, when the request gives tools, `tool_call`.
 */
function implicitChecks(listed: readonly CheckConfig[], context: AnswerCheckContext): CheckResult[] {
  const results: CheckResult[] = [];
  if (!listed.some((c) => c.type === 'complete')) {
    const complete = runAnswerCheck({ type: 'complete', enabled: true }, context);
    if (complete.status === 'fail') results.push(complete);
  }
  if (context.tools && !listed.some((c) => c.type === 'tool_call'))
    results.push(runAnswerCheck({ type: 'tool_call' }, context));
  return results;
}

function escalate({ record, effects }: Run, from: PlannedTier, reasons: string[]): void {
  record.escalations += 1;
  effects.escalated(record.escalations);
  effects.status(
    `**escalated from ${from.name}** (${record.escalations})\n\n${reasons.map((r) => `- ${r}`).join('\n')}`,
  );
}

/**
 * Whether an initial classification goes on to the config's small-model classifier (a model call
 * that may change the route): only when there is one, the task type was not given, the request
 * names no model of its own, and the rules' or learned model's margin is below its threshold.
 * Otherwise the route is final.
 */
export function needsClassifierModel(
  config: CascadeConfig,
  { classification, margin }: InitialClassification,
  request: Pick<CascadeRequest, 'model'> = {},
): boolean {
  const classifierModel = config.classifier.model;
  // A request naming its model calls that model and no other: the route's checks are not worth a second call.
  if (classification.source === 'given' || !classifierModel || request.model !== undefined) return false;
  // The learned model's margin is a difference of probabilities, the rules' one of scores.
  const learned = classification.learnedModel !== undefined;
  return margin < (learned ? classifierModel.whenLearnedMarginBelow : classifierModel.whenMarginBelow);
}

/** Asks the config's small-model classifier (`needsClassifierModel`); its failure leaves the first answer standing. */
async function classifyWithModel(
  { request, config, record, effects }: CascadeRunInput,
  { classification, margin }: InitialClassification,
): Promise<Classification> {
  const classifierModel = config.classifier.model!;
  const learned = classification.learnedModel !== undefined;
  const threshold = learned ? classifierModel.whenLearnedMarginBelow : classifierModel.whenMarginBelow;

  const modelId = classifierModel.model;
  const prompt = classificationPrompt(request, Object.keys(config.routes));
  const reason = `${learned ? 'learned model' : 'rules'} unsure (margin ${margin.toFixed(2)} < ${threshold})`;
  const outcome = await effects.call({
    modelId,
    model: config.models[modelId]!,
    prompt,
    kind: 'classify',
    summary: `classify: ${reason}`,
  });
  if ('failure' in outcome) {
    // The rules' answer stands: a classifier outage must not hold a request back.
    return {
      ...classification,
      reason: `${classification.reason}; small-model classifier failed (${outcome.failure.message})`,
    };
  }
  addStep(record, config, { kind: 'classify', tier: CLASSIFIER_TIER, modelId, reason, answer: outcome.output });
  const taskType = parseClassifierAnswer(outcome.output.text, Object.keys(config.routes));
  if (!taskType)
    return { ...classification, reason: `${classification.reason}; small-model classifier gave no known task type` };
  return {
    ...classification,
    taskType,
    route: taskType,
    source: 'model',
    reason: `${modelId} chose ${taskType} (${reason})`,
  };
}

/** Where a classifier call is recorded: before the ladder. */
const CLASSIFIER_TIER = { name: 'classifier', index: 0 };

type TierAnswer = { step: Step; finishReason: string } | { failure: CallFailure };

/**
 * Calls a tier: its model, then its fallbacks when the model keeps failing with retryable errors
 * (an outage). When every model of the tier is down, waits with backoff and tries again, up to the
 * configured outage deadline, instead of losing the request.
 */
async function callTier(run: Run, tier: PlannedTier, rejectedReasons: string[], reason: string): Promise<TierAnswer> {
  const { request, config, plan, record, effects } = run;
  const { resilience } = config;
  let backoffMs = resilience.initialRetryMs;
  // Time spent waiting counted from the waits themselves, not a clock, so replay sees the same decisions.
  let waitedMs = 0;
  for (let round = 1; ; round++) {
    const outages: string[] = [];
    // The next round calls these models again, so it must not come before any of them allows.
    let retryAfterMs = 0;
    for (const [position, modelId] of tier.models.entries()) {
      const model = config.models[modelId]!;
      const callReason = position === 0 ? reason : `fallback: ${outages.join('; ')}`;
      const prompt = buildPrompt(request, plan.routeConfig, model, rejectedReasons);
      record.status = 'calling';
      effects.status(`**tier ${tier.name}**: calling ${modelId}\n\n${callReason}`);
      const outcome = await effects.call({
        modelId,
        model,
        prompt,
        kind: 'answer',
        summary: `${modelId} · tier ${tier.name} · ${callReason}`,
      });
      const called = { kind: 'answer' as const, tier, modelId, reason: callReason };
      if ('output' in outcome) {
        const step = addStep(record, config, { ...called, answer: outcome.output });
        return { step, finishReason: outcome.output.finishReason };
      }
      addStep(record, config, { ...called, failure: outcome.failure });
      if (!outcome.retryable) return { failure: outcome.failure };
      outages.push(`${modelId} ${outcome.failure.type}`);
      retryAfterMs = Math.max(retryAfterMs, outcome.failure.retryAfterMs ?? 0);
    }
    const waitMs = Math.max(backoffMs, retryAfterMs);
    if (waitedMs + waitMs > resilience.outageWaitMs) {
      const waited = waitedMs > 0 ? ` after waiting ${Math.round(waitedMs / 1000)} s for it to recover` : '';
      return {
        failure: {
          type: 'outage',
          message: `every model of tier ${tier.name} kept failing${waited} (${outages.join('; ')})`,
          escalate: false,
        },
      };
    }
    record.status = 'waiting';
    effects.status(
      `**tier ${tier.name} unavailable**, retrying in ${Math.round(waitMs / 1000)} s (round ${round})\n\n${outages.join('; ')}`,
    );
    await effects.wait(waitMs, `tier ${tier.name} down: waiting before round ${round + 1}`);
    waitedMs += waitMs;
    backoffMs = Math.min(backoffMs * 2, resilience.maxRetryMs);
  }
}

/** Agreement partners answer the same request concurrently; each is one more recorded, priced step. */
async function askPartners(run: Run, tier: PlannedTier, answer: Step): Promise<PartnerAnswer[]> {
  const { request, config, plan, record, effects } = run;
  const partners = tier.agreement?.models ?? [];
  effects.status(`**tier ${tier.name}**: asking ${partners.join(', ')} to check ${answer.model}'s answer`);
  return Promise.all(
    partners.map(async (modelId): Promise<PartnerAnswer> => {
      const model = config.models[modelId]!;
      const reason = `agreement check for ${answer.model}'s answer`;
      const outcome = await effects.call({
        modelId,
        model,
        prompt: buildPrompt(request, plan.routeConfig, model),
        kind: 'agreement',
        summary: `${modelId} · tier ${tier.name} · ${reason}`,
      });
      const called = { kind: 'agreement' as const, tier, modelId, reason };
      if ('failure' in outcome) {
        addStep(record, config, { ...called, failure: outcome.failure });
        return { model: modelId, text: '', error: `${outcome.failure.type}: ${outcome.failure.message}` };
      }
      addStep(record, config, { ...called, answer: outcome.output });
      return { model: modelId, text: outcome.output.text };
    }),
  );
}

/** One finished model call to record: its answer, or the failure it ended with. */
type CallRecord = {
  kind: StepKind;
  tier: Pick<PlannedTier, 'name' | 'index'>;
  modelId: string;
  reason: string;
} & ({ answer: ModelAnswer } | { failure: CallFailure });

/**
 * Records a call as the next step, priced at its model's prices; a failed call has no answer, no
 * tokens and no cost. The running cost is always the sum of the recorded steps.
 */
function addStep(record: DecisionRecord, config: CascadeConfig, call: CallRecord): Step {
  const model = config.models[call.modelId]!;
  const answer = 'answer' in call ? call.answer : NO_ANSWER;
  const step: Step = {
    index: record.steps.length,
    kind: call.kind,
    tier: call.tier.name,
    tierIndex: call.tier.index,
    model: call.modelId,
    provider: model.provider,
    reason: call.reason,
    attempts: answer.attempt,
    latencyMs: answer.latencyMs,
    usage: answer.usage,
    costUsd: roundUsd(costOfUsage(answer.usage, model.pricing)),
    checks: [],
    text: answer.text,
    ...('failure' in call
      ? { error: { type: call.failure.type, message: call.failure.message } }
      : {
          finishReason: answer.finishReason,
          ...(answer.stopSequence !== undefined ? { stopSequence: answer.stopSequence } : {}),
        }),
    ...(answer.toolCalls ? { toolCalls: answer.toolCalls } : {}),
  };
  record.steps.push(step);
  record.costUsd = sumCosts(record.steps.map((s) => s.costUsd));
  return step;
}

/** What a failed call contributes to its step. */
const NO_ANSWER: ModelAnswer = {
  text: '',
  usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
  finishReason: 'other',
  attempt: 0,
  latencyMs: 0,
};

/**
 * The most characters of a step's answer the result keeps. The result is one Temporal payload,
 * limited to 2 MB: three huge rejected answers (or a big JSON answer with its text twice and its
 * parsed form) exceeded it, and the server terminated the cascade. The final answer is kept whole
 * in `output`; every step's full answer stays in the history, where each call's result is recorded.
 */
export const RESULT_STEP_TEXT_LIMIT = 16_000;

function boundedStep(step: Step): Step {
  if (step.text.length <= RESULT_STEP_TEXT_LIMIT) return step;
  const cut = step.text.slice(0, RESULT_STEP_TEXT_LIMIT);
  return {
    ...step,
    text: `${cut}\n[... ${step.text.length - cut.length} more characters, kept in the workflow history]`,
  };
}

/**
 * The result of a finished cascade: its answer, path, cost, and the baseline (the frontier model
 * alone reading the same prompt and writing an answer of about the final one's length).
 */
export function assembleResult(
  id: string,
  request: CascadeRequest,
  config: CascadeConfig,
  record: DecisionRecord,
  ending: CascadeEnding,
): CascadeResult {
  const { outcome, finalStep } = ending;
  const costUsd = sumCosts(record.steps.map((s) => s.costUsd));
  const baselineModel = baselineModelId(config);
  const answers = record.steps.filter((s) => s.kind === 'answer' && !s.error);
  const baselineUsage = {
    inputTokens: answers[0]?.usage.inputTokens ?? 0,
    cachedInputTokens: 0,
    outputTokens: finalStep?.usage.outputTokens ?? 0,
  };
  const baselineCost = roundUsd(costOfUsage(baselineUsage, config.models[baselineModel]!.pricing));
  const savedUsd = roundUsd(baselineCost - costUsd);

  const output: CascadeResult['output'] = {
    text: finalStep?.text ?? '',
    ...(finalStep?.toolCalls ? { toolCalls: finalStep.toolCalls } : {}),
    ...(finalStep?.finishReason !== undefined ? { finishReason: finalStep.finishReason } : {}),
    ...(finalStep?.stopSequence !== undefined ? { stopSequence: finalStep.stopSequence } : {}),
  };
  if (request.schema !== undefined && finalStep && !finalStep.toolCalls) {
    const parsed = parseJsonAnswer(finalStep.text);
    if (parsed.ok) output.json = parsed.value;
  }

  return {
    id,
    outcome,
    outcomeReason: ending.outcomeReason,
    classification: ending.classification,
    ...(request.model !== undefined ? { namedModel: request.model } : {}),
    output,
    finalModel: finalStep?.model ?? null,
    finalTier: finalStep?.tier ?? null,
    finalTierIndex: finalStep?.tierIndex ?? null,
    escalations: record.escalations,
    steps: record.steps.map(boundedStep),
    costUsd,
    baseline: { model: baselineModel, costUsd: baselineCost },
    savedUsd,
    ...(config.notice ? { notice: config.notice } : {}),
    ...(ending.failure ? { error: { type: ending.failure.type, message: ending.failure.message } } : {}),
  };
}

/** The path a cascade took, one entry per model call, e.g. `answer small@small rejected`: the memo's and the what-if's notation. */
export function stepPath(steps: readonly Step[]): string[] {
  return steps.map(
    (s) =>
      `${s.kind} ${s.model}@${s.tier}${s.error ? ` failed (${s.error.type})` : ''}${s.checks.some((c) => c.status === 'fail') ? ' rejected' : ''}`,
  );
}
