import { type EvalDataset } from './eval-dataset';
import {
  compareTo,
  meanOf,
  singleModelMetrics,
  type Comparison,
  type DatasetMetrics,
  type RowOutcome,
  type SingleModelMetrics,
} from './eval-metrics';
import { type EvalRun, type PolicyKind } from './eval-runner';

/** A policy's numbers on one dataset, beside always-frontier's. */
export type PolicyDatasetReport = DatasetMetrics & Comparison;

/** Averages over the macro datasets (each dataset weighs the same, whatever its size). */
export interface MacroAverages {
  accuracy: number | null;
  retention: number | null;
  saving: number | null;
}

export interface PolicyReport {
  name: string;
  kind: PolicyKind;
  source?: string;
  /** For one-shot references: the model always called. */
  model?: string;
  /** The config's tier names, cheapest first. */
  ladder: string[];
  datasets: Record<string, PolicyDatasetReport>;
  macro: MacroAverages;
  /** Every row's fate, by dataset (only when asked for: it is large). */
  rows?: Record<string, RowOutcome[]>;
}

export interface SingleModelReport {
  model: string;
  datasets: Record<string, SingleModelMetrics & Comparison>;
  macro: MacroAverages;
}

export interface DatasetReport {
  name: string;
  file: string;
  rows: number;
  totalRows: number;
  /** Always-frontier on this dataset, as run through the workflows: what retention and saving compare with. */
  frontier: { model: string; accuracy: number; costUsd: number };
}

/** What `cascade eval` writes as JSON. Fractions are in [0, 1]; costs in USD; times in ms. */
export interface EvalReport {
  version: 1;
  generatedAt: string;
  durationMs: number;
  settings: {
    concurrency: number;
    /** Rows per file, when limited. */
    limit: number | null;
    taskType: string | null;
    temporal: { address: string; embedded: boolean };
    frontierModel: string;
    macroDatasets: string[];
    /** Targets to judge configs by, as fractions, when given. */
    targets: { retention: number | null; saving: number | null };
  };
  datasets: DatasetReport[];
  policies: PolicyReport[];
  singleModels: SingleModelReport[];
  warnings: string[];
}

export interface BuildEvalReportOptions {
  run: EvalRun;
  datasets: readonly EvalDataset[];
  concurrency: number;
  limit?: number;
  taskType?: string;
  temporal: { address: string; embedded: boolean };
  /** Datasets the macro averages run over; all of them by default. */
  macroDatasets?: readonly string[];
  targets?: { retention?: number; saving?: number };
  includeRows?: boolean;
  generatedAt?: Date;
}

/**
 * Turns a run into the report: every policy compared with always-frontier on each dataset, every
 * dataset model as a single-model reference computed straight from the CSV, macro averages.
 */
export function buildEvalReport(options: BuildEvalReportOptions): EvalReport {
  const { run, datasets } = options;
  const frontierRun = run.policies.find((p) => p.policy.kind === 'always-frontier');
  if (!frontierRun) throw new Error('the run has no always-frontier policy to compare with');
  const frontierModel = frontierRun.policy.model ?? frontierRun.policy.name;
  const macroDatasets =
    options.macroDatasets && options.macroDatasets.length > 0
      ? [...options.macroDatasets]
      : datasets.map((d) => d.name);
  const unknown = macroDatasets.filter((name) => !datasets.some((d) => d.name === name));
  if (unknown.length > 0)
    throw new Error(
      `--macro names unknown datasets: ${unknown.join(', ')} (datasets: ${datasets.map((d) => d.name).join(', ')})`,
    );

  const frontierOf = (dataset: string) => {
    const m = frontierRun.datasets[dataset]!.metrics;
    return { accuracy: m.accuracy, costUsd: m.costUsd };
  };
  const macro = (perDataset: Record<string, { accuracy: number } & Comparison>): MacroAverages => ({
    accuracy: meanOf(macroDatasets.map((d) => perDataset[d]?.accuracy)),
    retention: meanOf(macroDatasets.map((d) => perDataset[d]?.retention)),
    saving: meanOf(macroDatasets.map((d) => perDataset[d]?.saving)),
  });

  const policies = run.policies.map((policyRun): PolicyReport => {
    const perDataset: Record<string, PolicyDatasetReport> = {};
    for (const dataset of datasets) {
      const metrics = policyRun.datasets[dataset.name]!.metrics;
      perDataset[dataset.name] = { ...metrics, ...compareTo(metrics, frontierOf(dataset.name)) };
    }
    const { policy } = policyRun;
    return {
      name: policy.name,
      kind: policy.kind,
      ...(policy.source ? { source: policy.source } : {}),
      ...(policy.model ? { model: policy.model } : {}),
      ladder: policy.config.tiers.map((t) => t.name),
      datasets: perDataset,
      macro: macro(perDataset),
      ...(options.includeRows
        ? { rows: Object.fromEntries(Object.entries(policyRun.datasets).map(([name, d]) => [name, d.rows])) }
        : {}),
    };
  });

  const models = [...new Set(datasets.flatMap((d) => d.models))];
  const singleModels = models.map((model): SingleModelReport => {
    const perDataset: Record<string, SingleModelMetrics & Comparison> = {};
    for (const dataset of datasets) {
      if (!dataset.models.includes(model)) continue;
      const metrics = singleModelMetrics(dataset.rows, model);
      perDataset[dataset.name] = { ...metrics, ...compareTo(metrics, frontierOf(dataset.name)) };
    }
    return { model, datasets: perDataset, macro: macro(perDataset) };
  });

  return {
    version: 1,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    durationMs: Math.round(run.durationMs),
    settings: {
      concurrency: options.concurrency,
      limit: options.limit ?? null,
      taskType: options.taskType ?? null,
      temporal: options.temporal,
      frontierModel,
      macroDatasets,
      targets: { retention: options.targets?.retention ?? null, saving: options.targets?.saving ?? null },
    },
    datasets: datasets.map((d) => ({
      name: d.name,
      file: d.file,
      rows: d.rows.length,
      totalRows: d.totalRows,
      frontier: { model: frontierModel, ...frontierOf(d.name) },
    })),
    policies,
    singleModels,
    warnings: run.warnings,
  };
}

/** Whether a config meets the targets on its macro averages (`null` when no target is set). */
export function meetsTargets(report: EvalReport, policy: PolicyReport): boolean | null {
  const { retention, saving } = report.settings.targets;
  if (retention === null && saving === null) return null;
  const okRetention = retention === null || (policy.macro.retention !== null && policy.macro.retention >= retention);
  const okSaving = saving === null || (policy.macro.saving !== null && policy.macro.saving >= saving);
  return okRetention && okSaving;
}

/** A fraction as a percentage with `digits` decimals, or `-` when undefined. */
export function pct(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : `${(value * 100).toFixed(digits)}%`;
}

/** USD with four significant decimals for totals of many small calls. */
export function usd(value: number): string {
  return `$${value.toFixed(value >= 100 ? 2 : 4)}`;
}

/** Milliseconds, rounded to a readable precision. */
export function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)}` : value.toFixed(1);
}

/** A short label for a policy in tables and charts: the name, and for references the model. */
export function policyLabel(policy: Pick<PolicyReport, 'name' | 'kind' | 'model'>): string {
  return policy.kind === 'config' ? policy.name : `${policy.kind} (${shortModel(policy.model ?? '')})`;
}

/** A model name without its organisation prefix: `mixtral-8x7b-chat` for `mistralai/mixtral-8x7b-chat`. */
export function shortModel(model: string): string {
  return model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
}
