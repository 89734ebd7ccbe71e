import { type Outcome, type StepKind } from '../core/result';
import { type RouterbenchRow } from '../simulator';

/** One model call of a row's cascade, reduced to what the metrics read. */
export interface RowStep {
  kind: StepKind;
  tier: string;
  /** The dataset's name for the model (the provider model name), e.g. `gpt-4-1106-preview`. */
  model: string;
  /** Names of the checks that failed on this answer. */
  failedChecks: string[];
  /** Set when the call failed for good. */
  error?: string;
}

/** What became of one row under one policy. */
export interface RowOutcome {
  /** Position of the row in its dataset (0-based). */
  index: number;
  sampleId: string;
  /** Set when the workflow produced no usable answer (it failed, or ended without a final answer). */
  error?: string;
  outcome?: Outcome;
  taskType?: string;
  route?: string;
  /** The dataset model whose answer the cascade returned: the final step's model. */
  finalModel?: string;
  finalTier?: string;
  /** The recorded correctness of the returned answer; unknown correctness and errors count as wrong. */
  correct: boolean;
  /** `false` when the data records no correctness for the returned answer. */
  correctnessKnown: boolean;
  escalations: number;
  steps: RowStep[];
  /** The recorded cost of every call made for this row, from the simulator's call log. */
  costUsd: number;
  calls: number;
  /** Submit to result, as the client saw it. */
  latencyMs: number;
}

/** How often a tier was reached, answered for good, or climbed from. */
export interface TierStats {
  tier: string;
  /** Rows whose cascade got an answer from this tier's model. */
  reached: number;
  /** Rows whose returned answer came from this tier. */
  final: number;
  /** Rows that went on to a higher tier after this one. */
  escalated: number;
  /** `escalated / reached`. */
  escalationRate: number;
}

/** How often one check failed on one tier. */
export interface CheckFailureStats {
  tier: string;
  check: string;
  failed: number;
  /** `failed / rows that reached the tier`. */
  rateOfReached: number;
  /** `failed / all rows`. */
  rateOfRows: number;
}

/** Latency percentiles (nearest rank) in milliseconds. */
export interface LatencyStats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** One policy on one dataset. Rates and accuracy are fractions in [0, 1]. */
export interface DatasetMetrics {
  rows: number;
  errors: number;
  correct: number;
  accuracy: number;
  /** Returned answers whose correctness the data does not record (counted as wrong). */
  unknownCorrectness: number;
  /** Sum of the recorded cost of every call made (call log), wasted cascade calls included. */
  costUsd: number;
  calls: number;
  /** Calls without a recorded cost; non-zero means the cost is incomplete. */
  unpricedCalls: number;
  /** Calls whose prompt matched no row; non-zero means attribution failed. */
  unattributedCalls: number;
  /** Calls that did not complete with HTTP 200. */
  failedCalls: number;
  /** Rows that escalated at least once. */
  escalatedRows: number;
  outcomes: Record<string, number>;
  routes: Record<string, number>;
  /** Rows per model whose answer was returned. */
  finalModels: Record<string, number>;
  /** Calls and cost per model, from the call log. */
  costByModel: Record<string, { calls: number; costUsd: number }>;
  tiers: TierStats[];
  failedChecks: CheckFailureStats[];
  latencyMs: LatencyStats;
  /** Wall time of the whole dataset run and the cascades completed per second over it. */
  wallMs: number;
  cascadesPerSecond: number;
}

/** The nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** p50/p95/p99, mean and max of a sample. */
export function latencyStats(values: readonly number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? 0 : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean,
    max: sorted[sorted.length - 1] ?? 0,
  };
}

function count(into: Record<string, number>, key: string | undefined): void {
  if (key === undefined) return;
  into[key] = (into[key] ?? 0) + 1;
}

/** Extra facts about a dataset run that do not come from the rows themselves. */
export interface RunFacts {
  /** Every call in the dataset run's call log, and the sum of the recorded costs of those matched to a row. */
  calls: number;
  costUsd: number;
  costByModel: Map<string, { calls: number; costUsd: number }>;
  unpricedCalls: number;
  unattributedCalls: number;
  failedCalls: number;
  wallMs: number;
}

/**
 * Aggregates one policy's rows on one dataset. `tierOrder` lists the config's tiers cheapest
 * first, so the per-tier numbers read up the ladder.
 */
export function datasetMetrics(
  rows: readonly RowOutcome[],
  tierOrder: readonly string[],
  facts: RunFacts,
): DatasetMetrics {
  const outcomes: Record<string, number> = {};
  const routes: Record<string, number> = {};
  const finalModels: Record<string, number> = {};
  const reached = new Map<string, number>();
  const final = new Map<string, number>();
  const escalated = new Map<string, number>();
  const failures = new Map<string, { tier: string; check: string; failed: number }>();
  let correct = 0;
  let errors = 0;
  let unknown = 0;
  let escalatedRows = 0;
  for (const row of rows) {
    if (row.correct) correct++;
    if (row.error !== undefined) errors++;
    if (!row.correctnessKnown && row.error === undefined) unknown++;
    if (row.escalations > 0) escalatedRows++;
    count(outcomes, row.error !== undefined && row.outcome === undefined ? 'error' : row.outcome);
    count(routes, row.route);
    count(finalModels, row.finalModel);
    if (row.finalTier !== undefined) final.set(row.finalTier, (final.get(row.finalTier) ?? 0) + 1);
    // A tier counts once per row, however many calls it took (fallbacks, agreement partners).
    const answerTiers = [...new Set(row.steps.filter((s) => s.kind === 'answer').map((s) => s.tier))];
    answerTiers.forEach((tier, i) => {
      reached.set(tier, (reached.get(tier) ?? 0) + 1);
      if (i < answerTiers.length - 1) escalated.set(tier, (escalated.get(tier) ?? 0) + 1);
    });
    for (const step of row.steps) {
      for (const check of step.failedChecks) {
        const key = `${step.tier}\u0000${check}`;
        const entry = failures.get(key) ?? { tier: step.tier, check, failed: 0 };
        entry.failed++;
        failures.set(key, entry);
      }
    }
  }
  const tierRank = (tier: string) => {
    const i = tierOrder.indexOf(tier);
    return i < 0 ? tierOrder.length : i;
  };
  const tiers = [...new Set([...reached.keys(), ...final.keys()])]
    .sort((a, b) => tierRank(a) - tierRank(b) || a.localeCompare(b))
    .map((tier): TierStats => {
      const r = reached.get(tier) ?? 0;
      const e = escalated.get(tier) ?? 0;
      return { tier, reached: r, final: final.get(tier) ?? 0, escalated: e, escalationRate: r === 0 ? 0 : e / r };
    });
  const failedChecks = [...failures.values()]
    .sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || b.failed - a.failed || a.check.localeCompare(b.check))
    .map((f): CheckFailureStats => {
      const r = reached.get(f.tier) ?? 0;
      return {
        ...f,
        rateOfReached: r === 0 ? 0 : f.failed / r,
        rateOfRows: rows.length === 0 ? 0 : f.failed / rows.length,
      };
    });
  const costByModel = Object.fromEntries([...facts.costByModel.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return {
    rows: rows.length,
    errors,
    correct,
    accuracy: rows.length === 0 ? 0 : correct / rows.length,
    unknownCorrectness: unknown,
    // From the call log, not the rows: wasted cascade calls count too. A call whose prompt is no row's
    // has no recorded cost to charge; it is counted in `unattributedCalls` instead.
    costUsd: facts.costUsd,
    calls: facts.calls,
    unpricedCalls: facts.unpricedCalls,
    unattributedCalls: facts.unattributedCalls,
    failedCalls: facts.failedCalls,
    escalatedRows,
    outcomes,
    routes,
    finalModels,
    costByModel,
    tiers,
    failedChecks,
    latencyMs: latencyStats(rows.map((r) => r.latencyMs)),
    wallMs: facts.wallMs,
    cascadesPerSecond: facts.wallMs > 0 ? rows.length / (facts.wallMs / 1000) : 0,
  };
}

/** A single model answering every row, straight from the CSV: its recorded correctness and cost. */
export interface SingleModelMetrics {
  model: string;
  rows: number;
  correct: number;
  accuracy: number;
  /** Rows whose correctness the data does not record (counted as wrong). */
  unknownCorrectness: number;
  costUsd: number;
}

/** Sums a model's recorded correctness and cost over rows, as the CSV has them. */
export function singleModelMetrics(rows: readonly RouterbenchRow[], model: string): SingleModelMetrics {
  let correct = 0;
  let unknown = 0;
  let costUsd = 0;
  for (const row of rows) {
    const answer = row.answers.get(model);
    if (!answer) {
      unknown++;
      continue;
    }
    if (answer.correct === true) correct++;
    if (answer.correct === null) unknown++;
    costUsd += answer.totalCostUsd;
  }
  return {
    model,
    rows: rows.length,
    correct,
    accuracy: rows.length === 0 ? 0 : correct / rows.length,
    unknownCorrectness: unknown,
    costUsd,
  };
}

/** Quality retention and cost saving against a reference (always-frontier): fractions; `null` when undefined. */
export interface Comparison {
  /** accuracy / reference accuracy. */
  retention: number | null;
  /** 1 - cost / reference cost. */
  saving: number | null;
}

export function compareTo(
  subject: { accuracy: number; costUsd: number },
  reference: { accuracy: number; costUsd: number },
): Comparison {
  return {
    retention: reference.accuracy > 0 ? subject.accuracy / reference.accuracy : null,
    saving: reference.costUsd > 0 ? 1 - subject.costUsd / reference.costUsd : null,
  };
}

/** The mean of the values that are defined; `null` when none is. */
export function meanOf(values: ReadonlyArray<number | null | undefined>): number | null {
  const defined = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return defined.length === 0 ? null : defined.reduce((s, v) => s + v, 0) / defined.length;
}
