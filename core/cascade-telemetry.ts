import { type DecisionRecord } from './cascade-run';
import { sumCosts } from './cost';
import { type CascadeResult, type Outcome, type Step } from './result';

/**
 * What a finished cascade contributes to the metrics and its one log line: labels and numbers
 * only, never prompt or answer text. Computed in the workflow (it is pure) and handed to the
 * worker through a sink, so the worker never needs the result itself.
 */
export interface CascadeTelemetry {
  outcome: Outcome | 'cancelled';
  route: string | null;
  taskType: string | null;
  /** How the route was chosen: `given`, `rules`, `model` or `default`; null when cancelled before classifying. */
  classifierSource: string | null;
  finalModel: string | null;
  finalTier: string | null;
  /** One entry per escalation: the tier it left and why (its first failed check, or the error that made it climb). */
  escalations: Array<{ tier: string; check: string }>;
  /** Spend per model and tier, summed over the cascade's calls. */
  modelCosts: Array<{ model: string; tier: string; costUsd: number }>;
  costUsd: number;
  /** What the baseline model alone would have cost; 0 for a cancelled cascade. */
  baselineUsd: number;
  savedUsd: number;
}

/**
 * The escalations a cascade's steps show: whenever the next answer comes from a higher tier, the
 * tier left behind escalated, because of the first check its last answer failed (in the route's
 * order) or, when it could not answer at all, because of its error (`context_too_long`, ...).
 * `count` is the cascade's own tally: an escalation whose next tier was never called (the budget
 * stopped it, or a cancellation) shows in no later step, so the last answer accounts for it.
 */
export function escalationsOf(steps: readonly Step[], count: number): Array<{ tier: string; check: string }> {
  const answers = steps.filter((step) => step.kind === 'answer');
  const reason = (step: Step) => ({
    tier: step.tier,
    check: step.checks.find((check) => check.status === 'fail')?.check ?? step.error?.type ?? 'unknown',
  });
  const escalations = answers.flatMap((step, i) => {
    const next = answers[i + 1];
    return next && next.tierIndex > step.tierIndex ? [reason(step)] : [];
  });
  const last = answers[answers.length - 1];
  if (escalations.length < count && last) escalations.push(reason(last));
  return escalations;
}

function modelCostsOf(steps: readonly Step[]): CascadeTelemetry['modelCosts'] {
  const byKey = new Map<string, { model: string; tier: string; costs: number[] }>();
  for (const step of steps) {
    const key = `${step.model}\u0000${step.tier}`;
    const entry = byKey.get(key) ?? { model: step.model, tier: step.tier, costs: [] };
    entry.costs.push(step.costUsd);
    byKey.set(key, entry);
  }
  return [...byKey.values()].map(({ model, tier, costs }) => ({ model, tier, costUsd: sumCosts(costs) }));
}

/** The telemetry of a cascade that reached a result (accepted, exhausted, over budget or failed). */
export function cascadeTelemetry(result: CascadeResult): CascadeTelemetry {
  return {
    outcome: result.outcome,
    route: result.classification.route,
    taskType: result.classification.taskType,
    classifierSource: result.classification.source,
    finalModel: result.finalModel,
    finalTier: result.finalTier,
    escalations: escalationsOf(result.steps, result.escalations),
    modelCosts: modelCostsOf(result.steps),
    costUsd: result.costUsd,
    baselineUsd: result.baseline.costUsd,
    savedUsd: result.savedUsd,
  };
}

/** The telemetry of a cancelled cascade: what it had spent and how far it had climbed when it stopped. */
export function cancelledCascadeTelemetry(record: DecisionRecord): CascadeTelemetry {
  const costUsd = sumCosts(record.steps.map((step) => step.costUsd));
  return {
    outcome: 'cancelled',
    route: record.classification?.route ?? null,
    taskType: record.classification?.taskType ?? null,
    classifierSource: record.classification?.source ?? null,
    finalModel: null,
    finalTier: null,
    escalations: escalationsOf(record.steps, record.escalations),
    modelCosts: modelCostsOf(record.steps),
    costUsd,
    baselineUsd: 0,
    savedUsd: -costUsd,
  };
}
