/**
 * What the drop-in endpoints (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`) share about a finished
 * cascade, whatever wire they speak: its record, its summed usage, and whether its answer may be
 * returned as a success at all.
 */
import { type IncomingHttpHeaders } from 'node:http';
import { type FastifyReply } from 'fastify';
import { type CascadeConfig } from '../core/config';
import { redactSecrets } from '../core/redact-secrets';
import { RequestValidationError, type CascadeRequest } from '../core/request';
import { annotateCascadeId } from '../telemetry/http-tracing';
import { type CascadeResult, type Usage } from '../core/result';
import { type ApiCaller } from './api-caller';
import { type ApiContext } from './api-context';
import { ApiError, invalidRequest } from './api-error';
import { statusUrl } from './cascade-routes';
import { type ChatCascadeExtension } from './chat-completion-schemas';

/** The request header that opts into best-effort answers: an answer that failed its checks, marked as such. */
export const BEST_EFFORT_HEADER = 'x-cascade-best-effort';

/** The cascade's record as the endpoints' `cascade` field reports it: everything but the steps' answer texts. */
export function cascadeRecord(result: CascadeResult): ChatCascadeExtension {
  return {
    id: result.id,
    outcome: result.outcome,
    // Redacted: results recorded before provider messages were kept out of them may quote one.
    outcomeReason: redactSecrets(result.outcomeReason),
    taskType: result.classification.taskType,
    route: result.classification.route,
    finalTier: result.finalTier,
    escalations: result.escalations,
    steps: result.steps.map(({ text: _text, ...step }) =>
      step.error ? { ...step, error: { ...step.error, message: redactSecrets(step.error.message) } } : step,
    ),
    costUsd: result.costUsd,
    baseline: result.baseline,
    savedUsd: result.savedUsd,
    ...(result.notice !== undefined ? { notice: result.notice } : {}),
  };
}

/** Tokens summed over every model call of the cascade, escalations and agreement checks included. */
export function usageOf(result: CascadeResult): Usage {
  return result.steps.reduce(
    (sum, step) => ({
      inputTokens: sum.inputTokens + step.usage.inputTokens,
      outputTokens: sum.outputTokens + step.usage.outputTokens,
      cachedInputTokens: sum.cachedInputTokens + step.usage.cachedInputTokens,
    }),
    { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
  );
}

/**
 * Whether the caller takes an answer that failed its checks, by the `x-cascade-best-effort`
 * header (`true` or `false`, anything else is a 400 naming it); undefined without the header, when
 * the route the cascade took decides (`bestEffortFor`).
 */
export function bestEffortWanted(headers: IncomingHttpHeaders): boolean | undefined {
  const header = headers[BEST_EFFORT_HEADER];
  if (header !== undefined) {
    const value = Array.isArray(header) ? header.join(',') : header;
    if (value.trim().toLowerCase() === 'true') return true;
    if (value.trim().toLowerCase() === 'false') return false;
    throw new ApiError({
      status: 400,
      code: 'invalid_header',
      param: `headers.${BEST_EFFORT_HEADER}`,
      message: `headers.${BEST_EFFORT_HEADER}: must be "true" or "false", got ${JSON.stringify(value)}`,
    });
  }
  return undefined;
}

/** The header's word, else the `bestEffort` setting of the route the cascade took (chosen by the classifier or named). */
export function bestEffortFor(wanted: boolean | undefined, config: CascadeConfig, result: CascadeResult): boolean {
  return wanted ?? config.routes[result.classification.route]?.bestEffort === true;
}

/** Each answering step's failed checks, e.g. `step 1 small claude-haiku-4-5: json_schema (the answer is not valid JSON)`. */
function failedChecks(result: CascadeResult): string[] {
  return result.steps
    .filter((step) => step.kind === 'answer')
    .map((step) => {
      const failed = step.checks.filter((c) => c.status === 'fail');
      const what = step.error
        ? `failed (${step.error.type})`
        : failed.map((c) => `${c.check} (${c.reason})`).join(', ') || 'passed';
      return `step ${step.index + 1} ${step.tier} ${step.model}: ${what}`;
    });
}

/**
 * Why a finished cascade's answer cannot be returned as a success, or undefined when it can. No
 * answer at all: over budget before any call is the caller's limit (400), every model failing an
 * upstream failure (502). An answer that failed its checks (`exhausted`, or `over_budget` after a
 * rejected answer) is a 422 `cascade_<outcome>` listing which checks failed at which tier, unless
 * the caller opted into best-effort answers. The error carries the cascade record either way.
 */
export function finalAnswerError(result: CascadeResult, options: { bestEffort: boolean }): ApiError | undefined {
  const details = { cascade: cascadeRecord(result) };
  if (result.finalModel === null || result.outcome === 'failed') {
    if (result.outcome === 'over_budget') {
      return new ApiError({
        status: 400,
        code: 'budget_exceeded',
        param: 'cascade.maxCostUsd',
        message: `cascade ${result.id}: over budget before any answer: ${result.outcomeReason}`,
        details,
      });
    }
    return new ApiError({
      status: 502,
      code: 'cascade_failed',
      // Redacted: results recorded before provider messages were kept out of them may quote one.
      message: `cascade ${result.id} could not produce an answer: ${redactSecrets(result.outcomeReason)}`,
      headers: { 'x-should-retry': 'false' },
      details,
    });
  }
  if (result.outcome === 'accepted' || options.bestEffort) return undefined;
  return new ApiError({
    status: 422,
    code: `cascade_${result.outcome}`,
    message: `cascade ${result.id} ended ${result.outcome}: no answer passed its checks (${failedChecks(result).join('; ')}); send ${BEST_EFFORT_HEADER}: true to receive the last answer anyway`,
    headers: { 'x-should-retry': 'false' },
    details,
  });
}

/**
 * Waits for a submitted cascade up to the chat wait limit and returns its result when its answer
 * may be returned (`bestEffort`: it failed its checks and is returned only because the caller
 * opted in); throws the ApiError to answer otherwise: still running (504, with where the result
 * will be), ended without a result (502), or no passing answer (see `finalAnswerError`).
 */
export async function awaitAnswer(
  context: ApiContext,
  submission: { id: string; workflowId: string; caller: ApiCaller },
  reply: FastifyReply,
  options: { bestEffort: boolean | undefined },
): Promise<{ result: CascadeResult; bestEffort: boolean }> {
  const { limits } = context;
  const { id, workflowId, caller } = submission;
  const waited = await context.waitForResult(workflowId, limits.chatWaitMs, reply);
  if (waited.kind === 'timeout') {
    throw new ApiError({
      status: 504,
      code: 'cascade_still_running',
      message: `cascade ${id} is still running after ${Math.round(limits.chatWaitMs / 1000)} s; its result will be at ${statusUrl(id)}`,
      // A retry without an Idempotency-Key would start a second cascade.
      headers: { 'x-should-retry': 'false', location: statusUrl(id) },
    });
  }
  if (waited.kind === 'ended') {
    throw new ApiError({
      status: 502,
      code: `cascade_${waited.status}`,
      message: waited.message,
      headers: { 'x-should-retry': 'false' },
    });
  }
  // The result as the caller sees it: its id in the caller's tenant.
  const result = context.resultFor(caller, waited.result);
  const failure = finalAnswerError(result, { bestEffort: bestEffortFor(options.bestEffort, context.config, result) });
  if (failure) throw failure;
  return { result, bestEffort: result.outcome !== 'accepted' };
}

/** The headers of a non-streamed answer: the cascade, its outcome, and whether it is a best-effort answer. */
export function answerHeaders(result: CascadeResult, bestEffort: boolean): Record<string, string> {
  return {
    'x-cascade-id': result.id,
    'x-cascade-outcome': result.outcome,
    ...(bestEffort ? { [BEST_EFFORT_HEADER]: 'true' } : {}),
  };
}

/**
 * Submits a drop-in endpoint's cascade in the caller's tenant, as `POST /v1/cascades` does (its id
 * namespace and budget ceiling), validated before Temporal is touched, with each problem renamed
 * to the field of the request the client sent (`toChatProblem`); and tags the HTTP span with the id.
 */
export async function submitDropIn(
  context: ApiContext,
  options: { caller: ApiCaller; input: CascadeRequest; toChatProblem: (problem: string) => string },
): Promise<{ id: string; workflowId: string }> {
  let submission;
  try {
    submission = await context.submitFor(options.caller, options.input);
  } catch (error) {
    if (error instanceof RequestValidationError) throw invalidRequest(error.problems.map(options.toChatProblem));
    throw error;
  }
  annotateCascadeId(submission.workflowId);
  return { id: submission.id, workflowId: submission.workflowId };
}
