import { type Client } from '@temporalio/client';
import { listExecutions } from '../client/list-executions';
import { listQuery } from '../client/cascade-client';
import { roundUsd, sumCosts } from '../core/cost';
import { type CascadeResult, type Step } from '../core/result';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { readCascadeOutcome } from '../client/cascade-history';

/**
 * The savings report: what the cascade did over a time window, from Temporal itself. Counts,
 * outcomes, costs and savings come from the search attributes and memo every cascade records, so
 * they cover every cascade in the window; which check sent an answer up and why comes from the
 * results of the cascades that escalated or ended without an accepted answer (the only ones with a
 * failed check), read a few at a time.
 */

/** One cascade as visibility lists it. */
export interface ListedCascade {
  id: string;
  status: string;
  startTime: Date;
  taskType?: string;
  outcome?: string;
  escalations?: number;
  costUsd?: number;
  savedUsd?: number;
  /** From the memo's summary, written when the cascade finished. */
  baselineUsd?: number;
  path?: string[];
}

export interface TierEscalation {
  tier: string;
  /** Answers produced on the tier (failed calls excluded). */
  answers: number;
  /** Of them, rejected by a check (the cascade climbed, or was exhausted). */
  rejected: number;
  rate: number;
}

export interface CheckEscalation {
  check: string;
  /** Answers this check failed. */
  failures: number;
  /** Failures per answer checked (every answer in the window). */
  rate: number;
}

export interface TimeBucket {
  start: string;
  requests: number;
  costUsd: number;
  baselineUsd: number;
  savedUsd: number;
}

export interface SavingsReport {
  generatedAt: string;
  since: string;
  query: string;
  /** Cascades started in the window, any status. */
  requests: number;
  /** Workflow statuses: completed, running, failed, cancelled, terminated... */
  byStatus: Record<string, number>;
  /** Outcomes of the completed cascades. */
  outcomes: Record<string, number>;
  byTaskType: Array<{
    taskType: string;
    requests: number;
    outcomes: Record<string, number>;
    costUsd: number;
    baselineUsd: number;
    savedUsd: number;
  }>;
  totals: {
    completed: number;
    costUsd: number;
    baselineUsd: number;
    savedUsd: number;
    savingShare: number;
    escalated: number;
    escalationRate: number;
  };
  tiers: TierEscalation[];
  checks: CheckEscalation[];
  topReasons: Array<{ reason: string; count: number }>;
  bucket: 'hour' | 'day';
  overTime: TimeBucket[];
  /** Results read for the check and reason breakdowns. */
  resultsRead: number;
}

/** The width of a time bucket in milliseconds. */
export const BUCKET_MS: Record<SavingsReport['bucket'], number> = { hour: 3_600_000, day: 86_400_000 };

export interface SavingsReportOptions {
  client: Client;
  since: Date;
  /** An extra visibility filter, e.g. `CascadeBatchId = 'b1'`. */
  query?: string;
  /** Results read at once. */
  concurrency?: number;
  now?: Date;
}

/** Every cascade in the window, with its labels and numbers (no history read). */
export async function listCascades(client: Client, query: string): Promise<ListedCascade[]> {
  const rows: ListedCascade[] = [];
  for await (const execution of listExecutions(client, { query })) {
    const attributes = execution.typedSearchAttributes;
    const summary = (execution.memo?.summary ?? {}) as { baselineUsd?: unknown; path?: unknown };
    const row: ListedCascade = {
      id: execution.workflowId,
      status: execution.status.name.toLowerCase(),
      startTime: execution.startTime,
    };
    const set = <K extends keyof ListedCascade>(key: K, value: ListedCascade[K] | undefined) => {
      if (value !== undefined) row[key] = value;
    };
    set('taskType', attributes.get(CascadeSearchAttributes.taskType));
    set('outcome', attributes.get(CascadeSearchAttributes.outcome));
    set('escalations', attributes.get(CascadeSearchAttributes.escalations));
    set('costUsd', attributes.get(CascadeSearchAttributes.costUsd));
    set('savedUsd', attributes.get(CascadeSearchAttributes.savedUsd));
    if (typeof summary.baselineUsd === 'number') row.baselineUsd = summary.baselineUsd;
    if (Array.isArray(summary.path)) row.path = summary.path.filter((p): p is string => typeof p === 'string');
    rows.push(row);
  }
  return rows;
}

function count(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Collapses the particulars of a reason (quoted values, numbers) so the same failure groups together. */
export function reasonPattern(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\$?\d+(?:\.\d+)?/g, 'N')
    .replace(/\s+/g, ' ')
    .slice(0, 160);
}

/** Answer steps of a memo path (`answer <model>@<tier>[ failed (...)][ rejected]`), by tier. */
function answersOf(path: readonly string[]): Array<{ tier: string; rejected: boolean }> {
  return path.flatMap((entry) => {
    const match = /^answer \S+@(\S+)( failed \([^)]*\))?( rejected)?$/.exec(entry);
    return match && !match[2] ? [{ tier: match[1]!, rejected: match[3] !== undefined }] : [];
  });
}

/** The reasons a cascade climbed, as recorded on the next tier's call (`escalated: a; b`). */
function escalationReasons(steps: readonly Step[]): string[] {
  return steps
    .filter((s) => s.kind === 'answer' && s.reason.startsWith('escalated: '))
    .flatMap((s) => s.reason.slice('escalated: '.length).split('; '));
}

/** Builds the report from the listed cascades and the results of those with a failed check. */
export function buildSavingsReport(
  cascades: readonly ListedCascade[],
  results: readonly CascadeResult[],
  options: { since: Date; query: string; now?: Date },
): SavingsReport {
  const now = options.now ?? new Date();
  const byStatus: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const types = new Map<
    string,
    { requests: number; outcomes: Record<string, number>; cost: number[]; baseline: number[]; saved: number[] }
  >();
  const tierCounts = new Map<string, { answers: number; rejected: number }>();
  const completed = cascades.filter((c) => c.status === 'completed');
  let answersChecked = 0;
  for (const cascade of cascades) {
    count(byStatus, cascade.status);
    const taskType = cascade.taskType ?? '(unclassified)';
    const type = types.get(taskType) ?? { requests: 0, outcomes: {}, cost: [], baseline: [], saved: [] };
    types.set(taskType, type);
    type.requests += 1;
    count(type.outcomes, cascade.status === 'completed' ? (cascade.outcome ?? 'unknown') : cascade.status);
    if (cascade.status !== 'completed') continue;
    count(outcomes, cascade.outcome ?? 'unknown');
    type.cost.push(cascade.costUsd ?? 0);
    type.baseline.push(baselineOf(cascade));
    type.saved.push(cascade.savedUsd ?? 0);
    for (const answer of answersOf(cascade.path ?? [])) {
      const tier = tierCounts.get(answer.tier) ?? { answers: 0, rejected: 0 };
      tierCounts.set(answer.tier, tier);
      tier.answers += 1;
      if (answer.rejected) tier.rejected += 1;
      answersChecked += 1;
    }
  }

  const checkFailures: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  for (const result of results) {
    for (const step of result.steps)
      for (const check of step.checks) if (check.status === 'fail') count(checkFailures, check.check);
    for (const reason of escalationReasons(result.steps)) count(reasons, reasonPattern(reason));
  }

  const costUsd = sumCosts(completed.map((c) => c.costUsd ?? 0));
  const baselineUsd = sumCosts(completed.map(baselineOf));
  const savedUsd = sumCosts(completed.map((c) => c.savedUsd ?? 0));
  const escalated = completed.filter((c) => (c.escalations ?? 0) > 0).length;
  const spanMs = now.getTime() - options.since.getTime();
  const bucket = spanMs <= 2 * BUCKET_MS.day ? 'hour' : 'day';
  return {
    generatedAt: now.toISOString(),
    since: options.since.toISOString(),
    query: options.query,
    requests: cascades.length,
    byStatus,
    outcomes,
    byTaskType: [...types.entries()]
      .map(([taskType, t]) => ({
        taskType,
        requests: t.requests,
        outcomes: t.outcomes,
        costUsd: sumCosts(t.cost),
        baselineUsd: sumCosts(t.baseline),
        savedUsd: sumCosts(t.saved),
      }))
      .sort((a, b) => b.requests - a.requests || a.taskType.localeCompare(b.taskType)),
    totals: {
      completed: completed.length,
      costUsd,
      baselineUsd,
      savedUsd,
      savingShare: baselineUsd > 0 ? savedUsd / baselineUsd : 0,
      escalated,
      escalationRate: completed.length > 0 ? escalated / completed.length : 0,
    },
    tiers: [...tierCounts.entries()].map(([tier, t]) => ({
      tier,
      answers: t.answers,
      rejected: t.rejected,
      rate: t.answers > 0 ? t.rejected / t.answers : 0,
    })),
    checks: Object.entries(checkFailures)
      .map(([check, failures]) => ({ check, failures, rate: answersChecked > 0 ? failures / answersChecked : 0 }))
      .sort((a, b) => b.failures - a.failures),
    topReasons: Object.entries(reasons)
      .map(([reason, n]) => ({ reason, count: n }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
      .slice(0, 10),
    bucket,
    overTime: buckets(completed, bucket),
    resultsRead: results.length,
  };
}

/** The baseline as recorded in the memo; cost plus saving for a cascade without one. */
function baselineOf(cascade: ListedCascade): number {
  return cascade.baselineUsd ?? roundUsd((cascade.costUsd ?? 0) + (cascade.savedUsd ?? 0));
}

function buckets(completed: readonly ListedCascade[], size: SavingsReport['bucket']): TimeBucket[] {
  const width = BUCKET_MS[size];
  const groups = new Map<number, ListedCascade[]>();
  for (const cascade of completed) {
    const start = Math.floor(cascade.startTime.getTime() / width) * width;
    const group = groups.get(start);
    if (group) group.push(cascade);
    else groups.set(start, [cascade]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, group]) => ({
      start: new Date(start).toISOString(),
      requests: group.length,
      costUsd: sumCosts(group.map((c) => c.costUsd ?? 0)),
      baselineUsd: sumCosts(group.map(baselineOf)),
      savedUsd: sumCosts(group.map((c) => c.savedUsd ?? 0)),
    }));
}

/** Lists the window, reads the results that carry failed checks, and builds the report. */
export async function savingsReport(options: SavingsReportOptions): Promise<SavingsReport> {
  const query = [listQuery({ startedAfter: options.since }), ...(options.query ? [`(${options.query})`] : [])].join(
    ' AND ',
  );
  const cascades = await listCascades(options.client, query);
  const withFailures = cascades.filter(
    (c) =>
      c.status === 'completed' && ((c.escalations ?? 0) > 0 || (c.outcome !== undefined && c.outcome !== 'accepted')),
  );
  const results: CascadeResult[] = [];
  let next = 0;
  const reader = async () => {
    while (next < withFailures.length) {
      const cascade = withFailures[next++]!;
      const outcome = await readCascadeOutcome(options.client, cascade.id);
      if (outcome.state === 'completed') results.push(outcome.result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, reader));
  return buildSavingsReport(cascades, results, {
    since: options.since,
    query,
    ...(options.now ? { now: options.now } : {}),
  });
}
