import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CallModelInput, CallModelOutput, CascadeActivities } from '../activities';
import { classifyByRules, judgeAnswer, planCascade, worstCaseTierCost, type CascadePlan, type PlannedTier } from '../core/cascade-plan';
import { runAgreementCheck, runAnswerChecks, type PartnerAnswer } from '../core/checks';
import { classificationPrompt, parseClassifierAnswer } from '../core/classifier-prompt';
import { baselineModelId, type CascadeConfig } from '../core/config';
import { costOfUsage, estimateTokens, roundUsd, sumCosts } from '../core/cost';
import { parseJsonAnswer } from '../core/json-answer';
import { ESCALATING_PROVIDER_ERRORS, NON_RETRYABLE_PROVIDER_ERRORS } from '../core/provider-errors';
import { buildPrompt, promptText, type ModelPrompt } from '../core/prompt';
import { type CascadeRequest } from '../core/request';
import { type CascadeResult, type Classification, type Outcome, type Step, type StepKind } from '../core/result';
import { CascadeSearchAttributes } from '../core/search-attributes';

/** The workflow's input: the request, and optionally the config to run it under (else the worker's). */
export interface CascadeWorkflowInput {
  request: CascadeRequest;
  config?: CascadeConfig;
}

/** The live decision record, readable at any time through the `decisions` query. */
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

export const decisionsQuery = defineQuery<DecisionRecord>('decisions');

const { resolveConfig } = proxyLocalActivities<CascadeActivities>({ startToCloseTimeout: '10 seconds' });

/** A failed model call the cascade has to react to: it is either fatal for the request or a reason to climb. */
interface CallFailure {
  type: string;
  message: string;
  escalate: boolean;
}

/**
 * `cascade`: one request, one workflow. Classify (or take the given task type), start at the
 * route's tier, call the model, run the route's structural checks, and accept or climb to the next
 * tier with the failed checks' reasons, until accepted, exhausted or over budget. Every decision
 * goes into the history, the search attributes, the memo and the live `decisions` query.
 */
export async function cascade(input: CascadeWorkflowInput): Promise<CascadeResult> {
  const { request } = input;
  const record: DecisionRecord = { status: 'classifying', steps: [], escalations: 0, costUsd: 0 };
  setHandler(decisionsQuery, () => record);

  try {
    const config = input.config ?? (await resolveConfig());
    return await runCascade(request, config, record);
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        upsertSearchAttributes([{ key: CascadeSearchAttributes.outcome, value: 'cancelled' }]);
        setCurrentDetails('**cancelled**');
      });
    }
    throw error;
  }
}

async function runCascade(request: CascadeRequest, config: CascadeConfig, record: DecisionRecord): Promise<CascadeResult> {
  const classification = await classify(request, config, record);
  record.classification = classification;
  record.route = classification.route;
  upsertSearchAttributes([
    { key: CascadeSearchAttributes.taskType, value: classification.taskType },
    { key: CascadeSearchAttributes.route, value: classification.route },
    { key: CascadeSearchAttributes.escalations, value: 0 },
  ]);

  const plan = planCascade(config, classification, request);
  let rejectedReasons: string[] = [];
  let finalStep: Step | undefined;
  let outcome: Outcome = 'exhausted';
  let outcomeReason = '';
  let failure: CallFailure | undefined;

  for (let i = 0; i < plan.tiers.length; i++) {
    const tier = plan.tiers[i]!;
    const hasHigherTier = i < plan.tiers.length - 1;
    const callReason = i === 0 ? `start tier of route ${plan.route}` : `escalated: ${rejectedReasons.join('; ')}`;
    record.currentTier = tier.name;

    if (plan.budgetUsd !== undefined) {
      const prompt = buildPrompt(request, plan.routeConfig, config.models[tier.models[0]!]!, rejectedReasons);
      const inputTokens = Math.max(estimateTokens(promptText(prompt)), ...record.steps.map((s) => s.usage.inputTokens));
      const worstCase = worstCaseTierCost(config, tier, inputTokens);
      const remaining = plan.budgetUsd - record.costUsd;
      if (worstCase > remaining) {
        outcome = 'over_budget';
        outcomeReason = `tier ${tier.name} could cost up to $${worstCase.toFixed(6)} but only $${Math.max(0, remaining).toFixed(6)} of the $${plan.budgetUsd} budget remains; spent $${record.costUsd.toFixed(6)}`;
        break;
      }
    }

    const answered = await callTier(config, plan, tier, request, rejectedReasons, callReason, record);
    if ('failure' in answered) {
      if (answered.failure.escalate && hasHigherTier) {
        rejectedReasons = [`${tier.name} could not answer: ${answered.failure.message}`];
        escalate(record, tier, rejectedReasons);
        continue;
      }
      failure = answered.failure;
      outcome = 'failed';
      outcomeReason = `${answered.failure.type}: ${answered.failure.message}`;
      break;
    }

    const step = answered.step;
    step.checks = runAnswerChecks(plan.routeConfig.checks, {
      text: step.text,
      finishReason: answered.finishReason,
      ...(request.schema !== undefined ? { schema: request.schema } : {}),
      ...(request.groundTruth !== undefined ? { groundTruth: request.groundTruth } : {}),
    });
    if (tier.agreement) {
      if (step.checks.some((c) => c.status === 'fail')) {
        step.checks.push({ check: 'agreement', status: 'skip', reason: 'not run: an earlier check already failed' });
      } else {
        const partners = await askPartners(config, plan, tier, request, step, record);
        step.checks.push(runAgreementCheck(tier.agreement, step.text, partners));
      }
    }
    finalStep = step;
    const verdict = judgeAnswer(step.checks, hasHigherTier);
    if (verdict.kind === 'accept') {
      outcome = 'accepted';
      outcomeReason = `accepted at tier ${tier.name}: every check passed`;
      break;
    }
    if (verdict.kind === 'exhausted') {
      outcome = 'exhausted';
      outcomeReason = `${plan.routeConfig.cascade ? 'no tier left to climb' : 'one-shot route'}; the answer from ${step.model} failed: ${verdict.reasons.join('; ')}`;
      break;
    }
    rejectedReasons = verdict.reasons;
    escalate(record, tier, rejectedReasons);
  }

  return finish(request, config, classification, record, { outcome, outcomeReason, finalStep, failure });
}

function escalate(record: DecisionRecord, from: PlannedTier, reasons: string[]): void {
  record.escalations += 1;
  upsertSearchAttributes([{ key: CascadeSearchAttributes.escalations, value: record.escalations }]);
  setCurrentDetails(`**escalated from ${from.name}** (${record.escalations})\n\n${reasons.map((r) => `- ${r}`).join('\n')}`);
}

async function classify(request: CascadeRequest, config: CascadeConfig, record: DecisionRecord): Promise<Classification> {
  const { classification, margin } = classifyByRules(request, config);
  const classifierModel = config.classifier.model;
  if (classification.source === 'given' || !classifierModel || margin >= classifierModel.whenMarginBelow) return classification;

  const model = config.models[classifierModel.model]!;
  const prompt = classificationPrompt(request, Object.keys(config.routes));
  const reason = `rules unsure (margin ${margin.toFixed(2)} < ${classifierModel.whenMarginBelow})`;
  const outcome = await callOnce(config, classifierModel.model, prompt, `classify: ${reason}`);
  if ('failure' in outcome) {
    // The rules' answer stands: a classifier outage must not hold a request back.
    return { ...classification, reason: `${classification.reason}; small-model classifier failed (${outcome.failure.message})` };
  }
  record.steps.push(makeStep(record, 'classify', { name: 'classifier', index: 0 }, classifierModel.model, model.provider, reason, outcome.output, config));
  record.costUsd = sumCosts(record.steps.map((s) => s.costUsd));
  const taskType = parseClassifierAnswer(outcome.output.text, Object.keys(config.routes));
  if (!taskType) return { ...classification, reason: `${classification.reason}; small-model classifier gave no known task type` };
  return { ...classification, taskType, route: taskType, source: 'model', reason: `${classifierModel.model} chose ${taskType} (${reason})` };
}

type TierAnswer = { step: Step; finishReason: string } | { failure: CallFailure };

/**
 * Calls a tier: its model, then its fallbacks when the model keeps failing with retryable errors
 * (an outage). When every model of the tier is down, waits with backoff on a durable timer and
 * tries again, up to the configured outage deadline, instead of losing the request.
 */
async function callTier(
  config: CascadeConfig,
  plan: CascadePlan,
  tier: PlannedTier,
  request: CascadeRequest,
  rejectedReasons: string[],
  reason: string,
  record: DecisionRecord,
): Promise<TierAnswer> {
  const { resilience } = config;
  let backoffMs = resilience.initialRetryMs;
  // Time spent waiting on durable timers; counting it needs no clock, so replay sees the same decisions.
  let waitedMs = 0;
  for (let round = 1; ; round++) {
    const outages: string[] = [];
    for (const [position, modelId] of tier.models.entries()) {
      const model = config.models[modelId]!;
      const callReason = position === 0 ? reason : `fallback: ${outages.join('; ')}`;
      const prompt = buildPrompt(request, plan.routeConfig, model, rejectedReasons);
      record.status = 'calling';
      setCurrentDetails(`**tier ${tier.name}**: calling ${modelId}\n\n${callReason}`);
      const outcome = await callOnce(config, modelId, prompt, `${modelId} · tier ${tier.name} · ${callReason}`);
      if ('output' in outcome) {
        const step = makeStep(record, 'answer', tier, modelId, model.provider, callReason, outcome.output, config);
        record.steps.push(step);
        record.costUsd = sumCosts(record.steps.map((s) => s.costUsd));
        return { step, finishReason: outcome.output.finishReason };
      }
      record.steps.push(failedStep(record, tier, modelId, model.provider, callReason, outcome.failure));
      if (!outcome.retryable) return { failure: outcome.failure };
      outages.push(`${modelId} ${outcome.failure.type}`);
    }
    if (waitedMs + backoffMs > resilience.outageWaitMs) {
      const waited = waitedMs > 0 ? ` after waiting ${Math.round(waitedMs / 1000)} s for it to recover` : '';
      return { failure: { type: 'outage', message: `every model of tier ${tier.name} kept failing${waited} (${outages.join('; ')})`, escalate: false } };
    }
    record.status = 'waiting';
    setCurrentDetails(`**tier ${tier.name} unavailable**, retrying in ${Math.round(backoffMs / 1000)} s (round ${round})\n\n${outages.join('; ')}`);
    await sleep(backoffMs, { summary: `tier ${tier.name} down: waiting before round ${round + 1}` });
    waitedMs += backoffMs;
    backoffMs = Math.min(backoffMs * 2, resilience.maxRetryMs);
  }
}

type CallOutcome = { output: CallModelOutput } | { failure: CallFailure; retryable: boolean };

// Per-call options (timeouts from the model, the summary shown in the UI) are set with executeWithOptions.
const { callModel } = proxyActivities<CascadeActivities>({ startToCloseTimeout: '10 minutes' });

/**
 * One model call as an activity. Temporal retries transient failures per the config's resilience
 * settings (honouring `retry-after`); what still fails comes back as a value, not an exception,
 * so the cascade decides: fall back, escalate, wait, or fail the request.
 */
async function callOnce(config: CascadeConfig, modelId: string, prompt: ModelPrompt, summary: string): Promise<CallOutcome> {
  const model = config.models[modelId]!;
  const { resilience } = config;
  const callInput: CallModelInput = {
    model: modelId,
    provider: model.provider,
    providerModel: model.model,
    timeoutMs: model.timeoutMs,
    maxOutputTokens: model.maxOutputTokens,
    jsonMode: model.jsonMode,
    prompt,
    ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
  };
  try {
    const output = await callModel.executeWithOptions(
      {
        summary,
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
    );
    return { output };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause;
    // A call that timed out on Temporal's side (no ApplicationFailure) is transient like a provider timeout.
    const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'timeout';
    const message = cause?.message ?? error.message;
    return {
      failure: { type, message, escalate: (ESCALATING_PROVIDER_ERRORS as readonly string[]).includes(type) },
      retryable: !(NON_RETRYABLE_PROVIDER_ERRORS as readonly string[]).includes(type),
    };
  }
}

/** Agreement partners answer the same request concurrently; each is one more recorded, priced step. */
async function askPartners(
  config: CascadeConfig,
  plan: CascadePlan,
  tier: PlannedTier,
  request: CascadeRequest,
  answer: Step,
  record: DecisionRecord,
): Promise<PartnerAnswer[]> {
  const partners = tier.agreement?.models ?? [];
  setCurrentDetails(`**tier ${tier.name}**: asking ${partners.join(', ')} to check ${answer.model}'s answer`);
  return Promise.all(
    partners.map(async (modelId): Promise<PartnerAnswer> => {
      const model = config.models[modelId]!;
      const reason = `agreement check for ${answer.model}'s answer`;
      const outcome = await callOnce(config, modelId, buildPrompt(request, plan.routeConfig, model), `${modelId} · tier ${tier.name} · ${reason}`);
      if ('failure' in outcome) {
        record.steps.push(failedStep(record, tier, modelId, model.provider, reason, outcome.failure, 'agreement'));
        return { model: modelId, text: '', error: `${outcome.failure.type}: ${outcome.failure.message}` };
      }
      record.steps.push(makeStep(record, 'agreement', tier, modelId, model.provider, reason, outcome.output, config));
      record.costUsd = sumCosts(record.steps.map((s) => s.costUsd));
      return { model: modelId, text: outcome.output.text };
    }),
  );
}

function makeStep(
  record: DecisionRecord,
  kind: StepKind,
  tier: Pick<PlannedTier, 'name' | 'index'>,
  modelId: string,
  provider: string,
  reason: string,
  output: CallModelOutput,
  config: CascadeConfig,
): Step {
  return {
    index: record.steps.length,
    kind,
    tier: tier.name,
    tierIndex: tier.index,
    model: modelId,
    provider,
    reason,
    attempts: output.attempt,
    latencyMs: output.latencyMs,
    usage: output.usage,
    costUsd: roundUsd(costOfUsage(output.usage, config.models[modelId]!.pricing)),
    checks: [],
    text: output.text,
  };
}

function failedStep(
  record: DecisionRecord,
  tier: PlannedTier,
  modelId: string,
  provider: string,
  reason: string,
  failure: CallFailure,
  kind: StepKind = 'answer',
): Step {
  return {
    index: record.steps.length,
    kind,
    tier: tier.name,
    tierIndex: tier.index,
    model: modelId,
    provider,
    reason,
    attempts: 0,
    latencyMs: 0,
    usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
    costUsd: 0,
    checks: [],
    text: '',
    error: { type: failure.type, message: failure.message },
  };
}

interface Ending {
  outcome: Outcome;
  outcomeReason: string;
  finalStep: Step | undefined;
  failure: CallFailure | undefined;
}

/** Prices the baseline, assembles the result, and writes the final audit trail. */
function finish(
  request: CascadeRequest,
  config: CascadeConfig,
  classification: Classification,
  record: DecisionRecord,
  ending: Ending,
): CascadeResult {
  const { outcome, finalStep } = ending;
  const costUsd = sumCosts(record.steps.map((s) => s.costUsd));
  const baselineModel = baselineModelId(config);
  const answers = record.steps.filter((s) => s.kind === 'answer' && !s.error);
  // The frontier model alone would have read the same prompt and written an answer of about the final one's length.
  const baselineUsage = {
    inputTokens: answers[0]?.usage.inputTokens ?? 0,
    cachedInputTokens: 0,
    outputTokens: finalStep?.usage.outputTokens ?? 0,
  };
  const baselineCost = roundUsd(costOfUsage(baselineUsage, config.models[baselineModel]!.pricing));
  const savedUsd = roundUsd(baselineCost - costUsd);

  const output: CascadeResult['output'] = { text: finalStep?.text ?? '' };
  if (request.schema !== undefined && finalStep) {
    const parsed = parseJsonAnswer(finalStep.text);
    if (parsed.ok) output.json = parsed.value;
  }

  const result: CascadeResult = {
    id: workflowInfo().workflowId,
    outcome,
    outcomeReason: ending.outcomeReason,
    classification,
    output,
    finalModel: finalStep?.model ?? null,
    finalTier: finalStep?.tier ?? null,
    finalTierIndex: finalStep?.tierIndex ?? null,
    escalations: record.escalations,
    steps: record.steps,
    costUsd,
    baseline: { model: baselineModel, costUsd: baselineCost },
    savedUsd,
    ...(config.notice ? { notice: config.notice } : {}),
    ...(ending.failure ? { error: { type: ending.failure.type, message: ending.failure.message } } : {}),
  };

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
      reason: ending.outcomeReason,
      taskType: classification.taskType,
      route: classification.route,
      classifier: `${classification.source}: ${classification.reason}`,
      finalModel: result.finalModel,
      escalations: record.escalations,
      path: record.steps.map((s) => `${s.kind} ${s.model}@${s.tier}${s.error ? ` failed (${s.error.type})` : ''}${s.checks.some((c) => c.status === 'fail') ? ' rejected' : ''}`),
      costUsd,
      baselineUsd: baselineCost,
      savedUsd,
    },
  });
  setCurrentDetails(`**${outcome}**${finalStep ? ` at tier ${finalStep.tier} (${finalStep.model})` : ''} · $${costUsd.toFixed(6)} (saved $${savedUsd.toFixed(6)})\n\n${ending.outcomeReason}`);
  return result;
}
