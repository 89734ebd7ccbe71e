import { z } from 'zod';
import { classifyByRules, planCascade, type InitialClassification, type PlannedTier } from '../core/cascade-plan';
import { baselineModelId, type CascadeConfig, type ModelConfig, type RouteConfig } from '../core/config';
import { costOfUsage, estimateTokens, roundUsd, sumCosts } from '../core/cost';
import { formatIssues } from '../core/format-issues';
import { buildPrompt, promptText } from '../core/prompt';
import { lastUserText } from '../core/request';
import {
  GroundTruthValue,
  JsonSchemaDocument,
  Message,
  parseRequest,
  RequestValidationError,
  type CascadeRequest,
} from '../core/request';
import { type ObservedEscalations } from './escalation-history';

/**
 * The prompt-log audit: what routing would save on a team's own traffic, offline. Every prompt is
 * classified as the worker would (precise rules and the learned model), priced with token estimates on the frontier
 * (baseline) model and on the model of the tier its route starts on, and, where Temporal has
 * history for its route, at the expected cascade cost: each rung of its ladder weighted by how
 * often requests on that route were observed to reach it.
 */

/**
 * One line of a prompt log: a `prompt`, a `messages` conversation, or MT-Bench style `turns` (the
 * first turn is the prompt). Other fields a log carries (timestamps, categories) are ignored.
 * `response` (the answer actually given) or `outputTokens` improve the output estimate.
 */
export const PromptLogRecord = z
  .looseObject({
    id: z.union([z.string(), z.number()]).optional(),
    prompt: z.string().min(1, 'must not be empty').optional(),
    messages: z.array(Message).min(1).optional(),
    turns: z.array(z.string().min(1)).min(1).optional(),
    system: z.string().optional(),
    schema: JsonSchemaDocument.optional(),
    groundTruth: z.record(z.string().min(1), GroundTruthValue).optional(),
    taskType: z.string().optional(),
    response: z.string().optional(),
    outputTokens: z.number().int().nonnegative().optional(),
  })
  .superRefine((record, ctx) => {
    const given = ['prompt', 'messages', 'turns'].filter((key) => record[key as 'prompt'] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['prompt'],
        message:
          given.length === 0
            ? 'one of prompt, messages or turns is required'
            : `give one of ${given.join(', ')}, not several`,
      });
  });
export type PromptLogRecord = z.infer<typeof PromptLogRecord>;

/**
 * Output tokens assumed per task type when the log gives neither `response` nor `outputTokens`:
 * typical answer lengths (a label is short, an essay or a program is long). Capped by each model's
 * `maxOutputTokens`.
 */
export const DEFAULT_OUTPUT_TOKENS: Record<string, number> = {
  extraction: 150,
  classification: 20,
  summarization: 200,
  question_answering: 300,
  reasoning: 500,
  coding: 600,
  creative_generation: 700,
};
const FALLBACK_OUTPUT_TOKENS = 300;

/** One priced prompt. */
export interface AuditRow {
  id: string;
  taskType: string;
  complexity: string;
  route: string;
  startTier: string;
  /** The start tier is the cheapest tier of the ladder. */
  smallModel: boolean;
  outputTokens: number;
  frontierUsd: number;
  routedUsd: number;
  /** With observed escalation rates for the route; absent without history. */
  expectedUsd?: number;
  /** `rules`, `learned`, `default` or `given`. */
  source: string;
  /** How sure the classifier was (see `Classification.margin`); absent for a given task type. */
  margin?: number;
}

/** A prompt the classifier was least sure of: worth a person's label first (`--uncertain`). */
export interface UncertainPrompt {
  id: string;
  line: number;
  taskType: string;
  source: string;
  margin: number;
  prompt: string;
}

export interface AuditLineError {
  line: number;
  error: string;
}

export interface TaskTypeMix {
  taskType: string;
  prompts: number;
  share: number;
  /** Prompts per start tier. */
  startTiers: Record<string, number>;
  frontierUsd: number;
  routedUsd: number;
  expectedUsd: number;
}

/** Three ways of pricing the same traffic. `expected` uses the routed start tier where no history exists. */
export interface CostTriple {
  frontierUsd: number;
  routedUsd: number;
  expectedUsd: number;
}

export interface AuditReport {
  generatedAt: string;
  source: string;
  baselineModel: string;
  prompts: number;
  invalid: AuditLineError[];
  mix: TaskTypeMix[];
  startTiers: Array<{ tier: string; prompts: number; share: number }>;
  /** Share of prompts whose route starts on the cheapest tier. */
  smallModelShare: number;
  totals: CostTriple;
  volume: { perMonth: number; from: 'option' | 'log' };
  monthly: CostTriple & {
    savingUsd: number;
    savingShare: number;
    expectedSavingUsd: number;
    expectedSavingShare: number;
  };
  /** Routes with enough observed cascades to price the expected cost; absent when no history was read. */
  history?: { query: string; routes: ObservedEscalations['routes']; coveredPrompts: number };
  rows: AuditRow[];
  /** The lowest-margin prompts, least sure first, when asked for (`uncertain`). */
  uncertain?: UncertainPrompt[];
}

/** A record as the cascade request it would be (the first turn for `turns`); throws `RequestValidationError`. */
export function requestFromRecord(record: PromptLogRecord): CascadeRequest {
  const fields: Record<string, unknown> = {};
  if (record.prompt !== undefined) fields.prompt = record.prompt;
  if (record.messages !== undefined) fields.messages = record.messages;
  if (record.turns !== undefined) fields.prompt = record.turns[0];
  for (const key of ['system', 'schema', 'groundTruth', 'taskType'] as const)
    if (record[key] !== undefined) fields[key] = record[key];
  return parseRequest(fields);
}

/** Parses one JSONL line of a prompt log into a record, or says what is wrong with it. */
export function parsePromptLogLine(text: string): { record: PromptLogRecord } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `invalid JSON: ${(error as Error).message}` };
  }
  const parsed = PromptLogRecord.safeParse(value);
  if (!parsed.success) return { error: formatIssues(parsed.error.issues).join('; ') };
  return { record: parsed.data };
}

/** One call's estimated cost: the prompt as the cascade would send it to `model`, and the answer capped at the model's maximum. */
function callCost(model: ModelConfig, request: CascadeRequest, routeConfig: RouteConfig, outputTokens: number): number {
  const inputTokens = estimateTokens(promptText(buildPrompt(request, routeConfig, model)));
  return costOfUsage(
    { inputTokens, cachedInputTokens: 0, outputTokens: Math.min(outputTokens, model.maxOutputTokens) },
    model.pricing,
  );
}

/** One tier's cost for a request: its model answering, plus each agreement partner answering too. */
function tierCost(
  config: CascadeConfig,
  request: CascadeRequest,
  routeConfig: RouteConfig,
  tier: PlannedTier,
  outputTokens: number,
): number {
  const ids = [tier.models[0]!, ...(tier.agreement?.models ?? [])];
  return ids.reduce((sum, id) => sum + callCost(config.models[id]!, request, routeConfig, outputTokens), 0);
}

/** Prices one prompt three ways, classified as given (the worker's classifier) or else by the rules. */
export function auditPrompt(
  record: PromptLogRecord,
  id: string,
  config: CascadeConfig,
  options: { history?: ObservedEscalations; classified?: InitialClassification } = {},
): AuditRow {
  const { history } = options;
  const request = requestFromRecord(record);
  const { classification } = options.classified ?? classifyByRules(request, config);
  const plan = planCascade(config, classification, request);
  const outputTokens =
    record.outputTokens ??
    (record.response !== undefined
      ? estimateTokens(record.response)
      : (DEFAULT_OUTPUT_TOKENS[classification.taskType] ?? FALLBACK_OUTPUT_TOKENS));
  const baseline = config.models[baselineModelId(config)]!;
  const frontierUsd = roundUsd(callCost(baseline, request, plan.routeConfig, outputTokens));
  const tierCosts = plan.tiers.map((tier) => tierCost(config, request, plan.routeConfig, tier, outputTokens));
  const row: AuditRow = {
    id,
    taskType: classification.taskType,
    complexity: classification.complexity,
    route: plan.route,
    startTier: plan.tiers[0]!.name,
    smallModel: plan.tiers[0]!.index === 0,
    outputTokens,
    frontierUsd,
    routedUsd: roundUsd(tierCosts[0]!),
    source: classification.source,
    ...(classification.margin !== undefined ? { margin: classification.margin } : {}),
  };
  const observed = history?.routes[plan.route];
  if (observed) {
    // Rung i is paid for by the requests that escalated at least i times.
    row.expectedUsd = roundUsd(
      tierCosts.reduce((sum, cost, i) => sum + cost * (i === 0 ? 1 : (observed.reachedAtLeast[i] ?? 0)), 0),
    );
  }
  return row;
}

export interface AuditOptions {
  config: CascadeConfig;
  source: string;
  /** Requests a month to project to; the log's own size when absent. */
  volumePerMonth?: number;
  history?: ObservedEscalations;
  now?: Date;
  /** The classifier the worker runs (precise rules and the learned model); the rules alone when absent. */
  classify?: (request: CascadeRequest) => Promise<InitialClassification>;
  /** Keep this many of the lowest-margin prompts, with their text, in `uncertain`. */
  uncertain?: number;
}

/** Prompts per start tier, in the order the tiers first occur. */
function startTierCounts(rows: readonly AuditRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.startTier] = (counts[row.startTier] ?? 0) + 1;
  return counts;
}

/** The whole report from priced rows. */
export function buildAuditReport(rows: AuditRow[], invalid: AuditLineError[], options: AuditOptions): AuditReport {
  const prompts = rows.length;
  const share = (n: number) => (prompts > 0 ? n / prompts : 0);
  const expectedOf = (row: AuditRow) => row.expectedUsd ?? row.routedUsd;
  const byType = new Map<string, AuditRow[]>();
  for (const row of rows) {
    const group = byType.get(row.taskType);
    if (group) group.push(row);
    else byType.set(row.taskType, [row]);
  }
  const mix: TaskTypeMix[] = [...byType.entries()]
    .map(([taskType, group]) => ({
      taskType,
      prompts: group.length,
      share: share(group.length),
      startTiers: startTierCounts(group),
      frontierUsd: sumCosts(group.map((r) => r.frontierUsd)),
      routedUsd: sumCosts(group.map((r) => r.routedUsd)),
      expectedUsd: sumCosts(group.map(expectedOf)),
    }))
    .sort((a, b) => b.prompts - a.prompts || a.taskType.localeCompare(b.taskType));
  const ladder = options.config.tiers.map((t) => t.name);
  const startTiers = Object.entries(startTierCounts(rows))
    .sort((a, b) => ladder.indexOf(a[0]) - ladder.indexOf(b[0]))
    .map(([tier, n]) => ({ tier, prompts: n, share: share(n) }));
  const totals: CostTriple = {
    frontierUsd: sumCosts(rows.map((r) => r.frontierUsd)),
    routedUsd: sumCosts(rows.map((r) => r.routedUsd)),
    expectedUsd: sumCosts(rows.map(expectedOf)),
  };
  const perMonth = options.volumePerMonth ?? prompts;
  const scale = prompts > 0 ? perMonth / prompts : 0;
  const monthly = {
    frontierUsd: roundUsd(totals.frontierUsd * scale),
    routedUsd: roundUsd(totals.routedUsd * scale),
    expectedUsd: roundUsd(totals.expectedUsd * scale),
  };
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    source: options.source,
    baselineModel: baselineModelId(options.config),
    prompts,
    invalid,
    mix,
    startTiers,
    smallModelShare: share(rows.filter((r) => r.smallModel).length),
    totals,
    volume: { perMonth, from: options.volumePerMonth === undefined ? 'log' : 'option' },
    monthly: {
      ...monthly,
      savingUsd: roundUsd(monthly.frontierUsd - monthly.routedUsd),
      savingShare: monthly.frontierUsd > 0 ? (monthly.frontierUsd - monthly.routedUsd) / monthly.frontierUsd : 0,
      expectedSavingUsd: roundUsd(monthly.frontierUsd - monthly.expectedUsd),
      expectedSavingShare:
        monthly.frontierUsd > 0 ? (monthly.frontierUsd - monthly.expectedUsd) / monthly.frontierUsd : 0,
    },
    ...(options.history
      ? {
          history: {
            query: options.history.query,
            routes: options.history.routes,
            coveredPrompts: rows.filter((r) => r.expectedUsd !== undefined).length,
          },
        }
      : {}),
    rows,
  };
}

/** Audits every line of a prompt log, given as an async sequence of lines. */
export async function auditPromptLog(lines: AsyncIterable<string>, options: AuditOptions): Promise<AuditReport> {
  const rows: AuditRow[] = [];
  const invalid: AuditLineError[] = [];
  const uncertain: UncertainPrompt[] = [];
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    const parsed = parsePromptLogLine(text);
    if ('error' in parsed) {
      invalid.push({ line, error: parsed.error });
      continue;
    }
    const { record } = parsed;
    try {
      const id = record.id !== undefined ? String(record.id) : String(line);
      const request = requestFromRecord(record);
      const classified = options.classify ? await options.classify(request) : undefined;
      const row = auditPrompt(record, id, options.config, {
        ...(options.history ? { history: options.history } : {}),
        ...(classified ? { classified } : {}),
      });
      rows.push(row);
      if (options.uncertain !== undefined && row.margin !== undefined)
        keepLeastCertain(
          uncertain,
          { id, line, taskType: row.taskType, source: row.source, margin: row.margin, prompt: lastUserText(request) },
          options.uncertain,
        );
    } catch (error) {
      if (!(error instanceof RequestValidationError)) throw error;
      invalid.push({ line, error: error.problems.join('; ') });
    }
  }
  const report = buildAuditReport(rows, invalid, options);
  return options.uncertain !== undefined ? { ...report, uncertain } : report;
}

/**
 * Keeps the `limit` lowest margins, least sure first (ties in log order), holding only their text:
 * a log may be far too big to keep every prompt.
 */
function keepLeastCertain(kept: UncertainPrompt[], candidate: UncertainPrompt, limit: number): void {
  if (limit <= 0) return;
  if (kept.length >= limit && candidate.margin >= kept[kept.length - 1]!.margin) return;
  const at = kept.findIndex((k) => candidate.margin < k.margin);
  kept.splice(at === -1 ? kept.length : at, 0, candidate);
  if (kept.length > limit) kept.pop();
}

/**
 * A monthly volume: `50000`, `50000/month`, `50k/month`, `1.2M/mo`, `2000/day`, `500/week`.
 * Returns requests per month (30 days, 52/12 weeks), or undefined when unreadable.
 */
export function parseVolume(text: string): number | undefined {
  const match = /^\s*([\d.,_]+)\s*([kKmM])?\s*(?:\/\s*(month|mo|day|d|week|wk|w))?\s*$/.exec(text);
  if (!match) return undefined;
  const base = Number(match[1]!.replace(/[,_]/g, ''));
  if (!Number.isFinite(base) || base < 0) return undefined;
  const unit = match[2]?.toLowerCase() === 'k' ? 1e3 : match[2]?.toLowerCase() === 'm' ? 1e6 : 1;
  const period = match[3] ?? 'month';
  const perMonth = period.startsWith('d') ? 30 : period.startsWith('w') ? 52 / 12 : 1;
  return Math.round(base * unit * perMonth);
}
