import { type AgreementNormalization, type CheckConfig } from './config';
import { findJsonContradictions, findTextContradictions, type Contradiction } from './ground-truth';
import { parseJsonAnswer } from './json-answer';
import { validateAgainstSchema } from './json-schema';
import { normalizeAnswer } from './normalize-answer';
import {
  type GroundTruthValue,
  type JsonSchemaDocument,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
} from './request';
import { type CheckResult } from './result';

/** A check that looks only at the answer (every check but agreement, which needs more model calls). */
export type AnswerCheckConfig = Exclude<CheckConfig, { type: 'agreement' }>;
export type AgreementCheckConfig = Extract<CheckConfig, { type: 'agreement' }>;

/** What the answer checks may look at. */
export interface AnswerCheckContext {
  text: string;
  /** `refusal` / `content_filter` from the provider count as a refusal whatever the text says. */
  finishReason?: string;
  schema?: JsonSchemaDocument;
  groundTruth?: Record<string, GroundTruthValue>;
  /** The tools the model called (an answer may be tool calls instead of, or beside, text). */
  toolCalls?: readonly ToolCall[];
  /** What the request offered and asked of tool calls. */
  tools?: readonly ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
}

/** The name a check goes by in results, reasons and reports. */
export function checkName(check: CheckConfig): string {
  return check.type === 'regex' && check.name ? check.name : check.type;
}

/**
 * The longest reason a check gives. Reasons quote the answer (a contradicting value, a property
 * name), and they travel in every later model call's prompt as feedback and in the history, so an
 * answer must not be able to make them large.
 */
export const MAX_CHECK_REASON_CHARS = 1_000;

function bounded(reason: string): string {
  return reason.length <= MAX_CHECK_REASON_CHARS ? reason : `${reason.slice(0, MAX_CHECK_REASON_CHARS - 3)}...`;
}

const pass = (check: CheckConfig, reason: string): CheckResult => ({
  check: checkName(check),
  status: 'pass',
  reason: bounded(reason),
});
const fail = (check: CheckConfig, reason: string): CheckResult => ({
  check: checkName(check),
  status: 'fail',
  reason: bounded(reason),
});
const skip = (check: CheckConfig, reason: string): CheckResult => ({
  check: checkName(check),
  status: 'skip',
  reason: bounded(reason),
});

/**
 * A check that throws is a failed check with the error as its reason, never an exception: in the
 * workflow an exception would fail the workflow task, which Temporal retries forever, and the
 * cascade would never end. Failing escalates to the next tier, or ends the cascade with the reason.
 */
function guarded(check: CheckConfig, run: () => CheckResult): CheckResult {
  try {
    return run();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return fail(check, `the check could not run on this answer (${message})`);
  }
}

// Phrases models open a refusal with. Matched only near the start of an answer: a long answer that
// quotes "I cannot" somewhere in its middle is not a refusal.
const REFUSAL_OPENINGS: readonly RegExp[] = [
  /^(?:i'?m|i am) (?:sorry|afraid)\b[^.]{0,80}\b(?:can(?:'|no)?t|cannot|unable|not able|won'?t)\b/i,
  /^(?:sorry|unfortunately)[,!.]?\s[^.]{0,60}\b(?:can(?:'|no)?t|cannot|unable|not able)\b/i,
  /^i (?:can(?:'|no)?t|cannot|won'?t|will not|am unable to|am not able to|must decline to)\s+(?:help|assist|comply|provide|answer|do|fulfil|fulfill|complete|create|generate|write|share)\b/i,
  /^as an ai(?: language model)?\b[^.]{0,80}\b(?:can(?:'|no)?t|cannot|unable|not able|don'?t)\b/i,
  /^i (?:apologi[sz]e|regret)\b[^.]{0,80}\b(?:can(?:'|no)?t|cannot|unable|not able)\b/i,
];

/** Whether an answer is a refusal rather than an attempt. */
export function isRefusal(text: string): boolean {
  // Typographic apostrophes ("I’m sorry, I can’t") read as plain ones.
  const opening = text
    .trim()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/^["'*_\s]+/, '')
    .slice(0, 300);
  return REFUSAL_OPENINGS.some((pattern) => pattern.test(opening));
}

function describeContradictions(contradictions: Contradiction[]): string {
  const shown = contradictions
    .slice(0, 3)
    .map((c) => `${c.path} is ${JSON.stringify(c.actual)} but the ground truth says ${JSON.stringify(c.expected)}`)
    .join('; ');
  return contradictions.length > 3 ? `${shown}; and ${contradictions.length - 3} more` : shown;
}

/** Runs one answer check. Pure and deterministic: safe in workflow code and replay. Never throws. */
export function runAnswerCheck(check: AnswerCheckConfig, context: AnswerCheckContext): CheckResult {
  return guarded(check, () => answerCheck(check, context));
}

function answerCheck(check: AnswerCheckConfig, context: AnswerCheckContext): CheckResult {
  const text = context.text;
  const calls = context.toolCalls ?? [];
  // An answer that calls tools says what it has to say in the calls, which tool_call checks.
  const callsTools = calls.length > 0;
  switch (check.type) {
    case 'not_empty':
      if (text.trim() === '' && callsTools) return pass(check, `${calls.length} tool call(s)`);
      return text.trim() === '' ? fail(check, 'the answer is empty') : pass(check, `${text.trim().length} characters`);
    case 'complete':
      if (!check.enabled) return skip(check, 'turned off for this route');
      return context.finishReason === 'length'
        ? fail(check, 'the answer was cut off at the output token limit (finish reason length)')
        : pass(check, `finished (${context.finishReason ?? 'finish reason unknown'})`);
    case 'tool_call':
      return toolCallCheck(check, context);
    case 'not_refusal':
      if (context.finishReason === 'refusal' || context.finishReason === 'content_filter') {
        return fail(check, `the provider stopped with ${context.finishReason}`);
      }
      return isRefusal(text)
        ? fail(check, `the answer is a refusal: "${text.trim().slice(0, 80)}"`)
        : pass(check, 'not a refusal');
    case 'json_schema': {
      if (context.schema === undefined) return skip(check, 'the request gives no schema');
      if (callsTools && text.trim() === '') return skip(check, 'the answer is tool calls; tool_call checks them');
      const parsed = parseJsonAnswer(text);
      if (!parsed.ok) return fail(check, parsed.reason);
      const problems = validateAgainstSchema(parsed.value, context.schema);
      return problems.length === 0
        ? pass(check, 'valid against the schema')
        : fail(check, `schema violations: ${problems.join('; ')}`);
    }
    case 'ground_truth': {
      const groundTruth = context.groundTruth;
      if (!groundTruth || Object.keys(groundTruth).length === 0)
        return skip(check, 'the request gives no ground truth');
      if (callsTools && text.trim() === '') return skip(check, 'the answer is tool calls, not an answer to compare');
      const parsed = parseJsonAnswer(text);
      const contradictions = parsed.ok
        ? findJsonContradictions(parsed.value, groundTruth)
        : findTextContradictions(text, groundTruth);
      return contradictions.length === 0
        ? pass(check, `consistent with ${Object.keys(groundTruth).length} ground-truth fact(s)`)
        : fail(check, `contradicts the ground truth: ${describeContradictions(contradictions)}`);
    }
    case 'regex': {
      const matches = new RegExp(check.pattern, check.flags).test(text);
      if (matches === check.mustMatch)
        return pass(check, check.mustMatch ? `matches /${check.pattern}/` : `does not match /${check.pattern}/`);
      return fail(
        check,
        check.mustMatch ? `does not match /${check.pattern}/` : `matches /${check.pattern}/, which it must not`,
      );
    }
    case 'max_length':
      return text.length <= check.maxChars
        ? pass(check, `${text.length} <= ${check.maxChars} characters`)
        : fail(check, `${text.length} characters, more than the ${check.maxChars} allowed`);
  }
}

/**
 * Tool calls as structural output: the tool exists, the arguments are JSON and validate against
 * its `parameters` schema (the same dialects and linear-time patterns as `json_schema`), and the
 * request's tool choice and parallelism were obeyed. Every problem is named, so the next tier is
 * told exactly what to fix.
 */
function toolCallCheck(check: AnswerCheckConfig, context: AnswerCheckContext): CheckResult {
  const tools = context.tools ?? [];
  if (tools.length === 0) return skip(check, 'the request gives no tools');
  const calls = context.toolCalls ?? [];
  const choice = context.toolChoice;
  const problems: string[] = [];
  if (calls.length === 0) {
    if (choice === 'required') return fail(check, 'tool_choice is "required" but the answer calls no tool');
    if (typeof choice === 'object')
      return fail(check, `tool_choice names "${choice.name}" but the answer calls no tool`);
    return pass(check, 'no tool called');
  }
  if (choice === 'none')
    problems.push(`tool_choice is "none" but the answer calls ${calls.map((c) => c.name).join(', ')}`);
  if (context.parallelToolCalls === false && calls.length > 1)
    problems.push(`parallel_tool_calls is false but the answer makes ${calls.length} calls`);
  for (const call of calls) {
    const tool = tools.find((t) => t.name === call.name);
    if (!tool) {
      problems.push(
        `calls "${call.name}", which is not a tool of this request (tools: ${tools.map((t) => t.name).join(', ')})`,
      );
      continue;
    }
    if (typeof choice === 'object' && choice.name !== call.name)
      problems.push(`tool_choice names "${choice.name}" but the answer calls "${call.name}"`);
    let args: unknown;
    try {
      args = JSON.parse(call.arguments);
    } catch (error) {
      problems.push(`${call.name}: arguments are not valid JSON (${(error as Error).message})`);
      continue;
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      problems.push(`${call.name}: arguments must be a JSON object`);
      continue;
    }
    if (tool.parameters !== undefined) {
      const violations = validateAgainstSchema(args, tool.parameters);
      if (violations.length > 0) problems.push(`${call.name}: arguments violate its schema: ${violations.join('; ')}`);
    }
  }
  return problems.length === 0
    ? pass(check, `${calls.map((c) => c.name).join(', ')}: valid against the tools' schemas`)
    : fail(check, problems.join('; '));
}

/** Runs every answer check of a route (agreement excluded) in order. */
export function runAnswerChecks(checks: readonly CheckConfig[], context: AnswerCheckContext): CheckResult[] {
  return checks
    .filter((c): c is AnswerCheckConfig => c.type !== 'agreement')
    .map((check) => runAnswerCheck(check, context));
}

/** A second model's answer for the agreement check. */
export interface PartnerAnswer {
  model: string;
  text: string;
  /** Set when the partner's call failed for good; a failed partner gives no evidence either way. */
  error?: string;
}

/**
 * Agreement: every partner's normalised answer must equal the tier's. An answer with no normalised
 * form (no choice letter, unparsable JSON) is a disagreement, since it is no evidence of correctness.
 */
export function runAgreementCheck(
  check: AgreementCheckConfig,
  answer: string,
  partners: readonly PartnerAnswer[],
): CheckResult {
  return guarded(check, () => agreementCheck(check, answer, partners));
}

function agreementCheck(check: AgreementCheckConfig, answer: string, partners: readonly PartnerAnswer[]): CheckResult {
  const normalization: AgreementNormalization = check.normalize;
  const own = normalizeAnswer(answer, normalization);
  if (own === undefined) return fail(check, `the answer has no ${normalization} form to compare`);
  const disagreements: string[] = [];
  for (const partner of partners) {
    if (partner.error) {
      disagreements.push(`${partner.model} could not answer (${partner.error})`);
      continue;
    }
    const theirs = normalizeAnswer(partner.text, normalization);
    if (theirs !== own)
      disagreements.push(
        `${partner.model} says ${theirs === undefined ? `nothing comparable` : JSON.stringify(shorten(theirs))}`,
      );
  }
  if (disagreements.length === 0) {
    return pass(
      check,
      `${partners.map((p) => p.model).join(', ')} agree${partners.length === 1 ? 's' : ''}: ${JSON.stringify(shorten(own))}`,
    );
  }
  return fail(check, `the answer is ${JSON.stringify(shorten(own))} but ${disagreements.join('; ')}`);
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
