/**
 * Policy search: which structural cascade, over the models a config knows, would have done best on
 * recorded data? It replays every candidate policy over every row in memory, from the recorded
 * answers, costs and correctness, with the engine's own check and normalisation code, so thousands
 * of policies take seconds. A search proposes; `cascade eval` runs the chosen config through the
 * real workflows to confirm. Only structural evidence is searched: the route's answer checks
 * (format) and agreement between models, never a model's confidence.
 */
import { z } from 'zod';
import { runAnswerChecks } from '../core/checks';
import { type AgreementNormalization, type CheckConfig } from '../core/config';
import { normalizeAnswer } from '../core/normalize-answer';
import { type EvalDataset } from './eval-dataset';

/** One rung of a policy: `model` answers; every partner must give the same normalised answer. */
export interface PolicyStage {
  model: string;
  partners: readonly string[];
}

/** A cascade over dataset models: stages in order, then the frontier model, which is always accepted. */
export interface CascadePolicy {
  stages: readonly PolicyStage[];
  frontier: string;
}

/**
 * The shapes searched. `format`: one model, escalate when the route's answer checks fail. `pair`:
 * a second model must agree. `triple`: two partners must both agree. `two-stage`: a pair, and when
 * it fails a second pair, before the frontier.
 */
export const PolicyFamily = z.enum(['format', 'pair', 'triple', 'two-stage']);
export type PolicyFamily = z.infer<typeof PolicyFamily>;

/** How a policy did on one dataset, against always-frontier. */
export interface PolicyScore {
  accuracy: number;
  costUsd: number;
  /** Policy accuracy / frontier accuracy. */
  retention: number;
  /** 1 - policy cost / frontier cost. */
  saving: number;
  /** Share of rows answered by the frontier model. */
  frontierShare: number;
}

export interface ScoredPolicy {
  policy: CascadePolicy;
  family: PolicyFamily;
  datasets: Record<string, PolicyScore>;
  /** Means over the macro datasets. */
  macro: { retention: number; saving: number };
}

/**
 * One dataset prepared for replay: per model, per row, what the engine would see. Built once, then
 * every policy is a loop over plain arrays.
 */
export interface ReplayTable {
  dataset: string;
  rows: number;
  models: ReadonlyMap<string, ModelColumn>;
}

interface ModelColumn {
  cost: Float64Array;
  correct: Uint8Array;
  /** The route's answer checks (not agreement) all pass. */
  checksPass: Uint8Array;
  /** The normalised answer as a small integer; -1 when the answer has no normalised form. */
  normalized: Int32Array;
}

/** A model, a dataset or an option the search cannot work with. */
export class PolicySearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicySearchError';
  }
}

/**
 * Prepares a dataset: runs the route's answer checks and the agreement normalisation on every
 * recorded answer of every model the search may call (`models`, plus the frontier).
 */
export function replayTable(
  dataset: EvalDataset,
  models: readonly string[],
  frontier: string,
  checks: readonly CheckConfig[],
  normalization: AgreementNormalization,
): ReplayTable {
  const missing = [...new Set([...models, frontier])].filter((m) => !dataset.models.includes(m));
  if (missing.length > 0)
    throw new PolicySearchError(
      `${dataset.name} has no answers for ${missing.join(', ')} (models: ${dataset.models.join(', ')})`,
    );
  const codes = new Map<string, number>();
  const columns = new Map<string, ModelColumn>();
  for (const model of new Set([...models, frontier])) {
    const n = dataset.rows.length;
    const column: ModelColumn = {
      cost: new Float64Array(n),
      correct: new Uint8Array(n),
      checksPass: new Uint8Array(n),
      normalized: new Int32Array(n),
    };
    dataset.rows.forEach((row, i) => {
      const answer = row.answers.get(model)!;
      column.cost[i] = answer.totalCostUsd;
      column.correct[i] = answer.correct === true ? 1 : 0;
      column.checksPass[i] = runAnswerChecks(checks, { text: answer.response, finishReason: 'stop' }).every(
        (c) => c.status !== 'fail',
      )
        ? 1
        : 0;
      const normalized = normalizeAnswer(answer.response, normalization);
      if (normalized === undefined) column.normalized[i] = -1;
      else {
        if (!codes.has(normalized)) codes.set(normalized, codes.size);
        column.normalized[i] = codes.get(normalized)!;
      }
    });
    columns.set(model, column);
  }
  return { dataset: dataset.name, rows: dataset.rows.length, models: columns };
}

/**
 * One row the way the engine runs it: each stage calls its model (paid); when the answer checks
 * pass, its partners are called (all paid) and must give the same normalised answer; the first
 * stage that passes answers, else the frontier does. Returns the model that answered and the cost.
 */
export function replayRow(table: ReplayTable, policy: CascadePolicy, row: number): { model: string; costUsd: number } {
  let cost = 0;
  for (const stage of policy.stages) {
    const own = table.models.get(stage.model)!;
    cost += own.cost[row]!;
    if (!own.checksPass[row]) continue;
    // Like the engine's agreement check: an answer with no normalised form agrees with nobody.
    let agreed = stage.partners.length === 0 || own.normalized[row]! >= 0;
    for (const partner of stage.partners) {
      const theirs = table.models.get(partner)!;
      cost += theirs.cost[row]!;
      if (theirs.normalized[row] !== own.normalized[row]) agreed = false;
    }
    if (agreed) return { model: stage.model, costUsd: cost };
  }
  cost += table.models.get(policy.frontier)!.cost[row]!;
  return { model: policy.frontier, costUsd: cost };
}

/** A policy over the rows `rowFilter` keeps (all by default). */
export function scorePolicy(
  table: ReplayTable,
  policy: CascadePolicy,
  rowFilter?: (row: number) => boolean,
): PolicyScore {
  let correct = 0;
  let cost = 0;
  let frontierRows = 0;
  let frontierCorrect = 0;
  let frontierCost = 0;
  let rows = 0;
  const top = table.models.get(policy.frontier)!;
  for (let row = 0; row < table.rows; row++) {
    if (rowFilter && !rowFilter(row)) continue;
    rows++;
    const outcome = replayRow(table, policy, row);
    correct += table.models.get(outcome.model)!.correct[row]!;
    cost += outcome.costUsd;
    if (outcome.model === policy.frontier) frontierRows++;
    frontierCorrect += top.correct[row]!;
    frontierCost += top.cost[row]!;
  }
  return {
    accuracy: correct / Math.max(1, rows),
    costUsd: cost,
    retention: frontierCorrect > 0 ? correct / frontierCorrect : 0,
    saving: frontierCost > 0 ? 1 - cost / frontierCost : 0,
    frontierShare: frontierRows / Math.max(1, rows),
  };
}

/** Every policy of the given families over `models` (dataset model names), ending at `frontier`. */
export function enumeratePolicies(
  models: readonly string[],
  frontier: string,
  families: readonly PolicyFamily[],
): { policy: CascadePolicy; family: PolicyFamily }[] {
  const out: { policy: CascadePolicy; family: PolicyFamily }[] = [];
  const others = (...taken: string[]) => models.filter((m) => !taken.includes(m));
  const pairs = models.flatMap((a) => others(a).map((b): PolicyStage => ({ model: a, partners: [b] })));
  for (const family of families) {
    switch (family) {
      case 'format':
        for (const a of models) out.push({ family, policy: { stages: [{ model: a, partners: [] }], frontier } });
        break;
      case 'pair':
        for (const stage of pairs) out.push({ family, policy: { stages: [stage], frontier } });
        break;
      case 'triple':
        for (const a of models) {
          const rest = others(a);
          // Partners are called together, so their order does not matter.
          rest.forEach((b, i) =>
            rest
              .slice(i + 1)
              .forEach((c) => out.push({ family, policy: { stages: [{ model: a, partners: [b, c] }], frontier } })),
          );
        }
        break;
      case 'two-stage':
        for (const first of pairs) {
          for (const second of pairs) {
            // A second stage that repeats the first's answering model would pay for the same answer twice.
            if (second.model === first.model || second.model === first.partners[0]) continue;
            out.push({ family, policy: { stages: [first, second], frontier } });
          }
        }
        break;
    }
  }
  return out;
}

/** Scores every policy on every table; macro means over `macroDatasets` (all by default). */
export function scorePolicies(
  tables: readonly ReplayTable[],
  policies: readonly { policy: CascadePolicy; family: PolicyFamily }[],
  macroDatasets?: readonly string[],
): ScoredPolicy[] {
  const macroTables = macroDatasets ? tables.filter((t) => macroDatasets.includes(t.dataset)) : tables;
  return policies.map(({ policy, family }) => {
    const datasets: Record<string, PolicyScore> = {};
    for (const table of tables) datasets[table.dataset] = scorePolicy(table, policy);
    const mean = (pick: (s: PolicyScore) => number) =>
      macroTables.reduce((sum, t) => sum + pick(datasets[t.dataset]!), 0) / Math.max(1, macroTables.length);
    return { policy, family, datasets, macro: { retention: mean((s) => s.retention), saving: mean((s) => s.saving) } };
  });
}

/**
 * The policies no other policy beats on both retention and saving, highest retention first.
 * `point` picks the two numbers (macro by default).
 */
export function paretoFront<T>(items: readonly T[], point: (item: T) => { retention: number; saving: number }): T[] {
  const sorted = [...items].sort(
    (a, b) => point(b).retention - point(a).retention || point(b).saving - point(a).saving,
  );
  const front: T[] = [];
  let bestSaving = Number.NEGATIVE_INFINITY;
  for (const item of sorted) {
    if (point(item).saving > bestSaving) {
      front.push(item);
      bestSaving = point(item).saving;
    }
  }
  return front;
}

/** A route per dataset: each dataset's own policy, when the classifier can tell the datasets apart. */
export interface PerDatasetChoice {
  policies: Record<string, ScoredPolicy>;
  macro: { retention: number; saving: number };
}

/**
 * The best combinations of one policy per macro dataset (from each dataset's own Pareto front),
 * as a Pareto front of their macro means.
 */
export function perDatasetFront(scored: readonly ScoredPolicy[], macroDatasets: readonly string[]): PerDatasetChoice[] {
  const fronts = macroDatasets.map((d) => paretoFront(scored, (s) => s.datasets[d]!));
  let combos: PerDatasetChoice[] = [{ policies: {}, macro: { retention: 0, saving: 0 } }];
  for (const [i, dataset] of macroDatasets.entries()) {
    const next: PerDatasetChoice[] = [];
    for (const combo of combos) {
      for (const choice of fronts[i]!) {
        const score = choice.datasets[dataset]!;
        next.push({
          policies: { ...combo.policies, [dataset]: choice },
          macro: {
            retention: combo.macro.retention + score.retention / macroDatasets.length,
            saving: combo.macro.saving + score.saving / macroDatasets.length,
          },
        });
      }
    }
    // Pruning to the front after each dataset keeps the product small and loses no front member.
    combos = paretoFront(next, (c) => c.macro);
  }
  return combos;
}

/** Targets as fractions. */
export interface SearchTargets {
  retention?: number;
  saving?: number;
}

/** Whether a point meets every target given. */
export function meetsTargets(point: { retention: number; saving: number }, targets: SearchTargets): boolean {
  return (
    (targets.retention === undefined || point.retention >= targets.retention) &&
    (targets.saving === undefined || point.saving >= targets.saving)
  );
}

/**
 * Held-out check for a policy chosen on all rows: its macro numbers on `folds` interleaved slices
 * (row i in slice i mod folds), so a choice that only fits some rows shows a wide spread.
 */
export function foldSpread(
  tables: readonly ReplayTable[],
  policy: CascadePolicy,
  macroDatasets: readonly string[],
  folds = 5,
): { retention: [number, number]; saving: [number, number] } {
  const points = Array.from({ length: folds }, (_, fold) => {
    const scores = tables
      .filter((t) => macroDatasets.includes(t.dataset))
      .map((t) => scorePolicy(t, policy, (row) => row % folds === fold));
    return {
      retention: scores.reduce((s, x) => s + x.retention, 0) / scores.length,
      saving: scores.reduce((s, x) => s + x.saving, 0) / scores.length,
    };
  });
  const range = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];
  return { retention: range(points.map((p) => p.retention)), saving: range(points.map((p) => p.saving)) };
}

/** `mixtral~yi34 > gpt-4`: short names when the caller gives them. */
export function describePolicy(policy: CascadePolicy, name: (model: string) => string = (m) => m): string {
  const stages = policy.stages.map((s) => [name(s.model), ...s.partners.map(name)].join('~'));
  return [...stages, name(policy.frontier)].join(' > ');
}
