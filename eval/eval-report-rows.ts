import {
  meetsTargets,
  ms,
  pct,
  usd,
  type EvalReport,
  type MacroAverages,
  type PolicyDatasetReport,
  type PolicyReport,
  type SingleModelReport,
} from './eval-report';

// The table rows the terminal and the HTML report both print, built once so the two never drift
// apart; each renderer keeps only its own labels and layout.

/** Table cells both renderers take: cli-table3 cells and HTML table cells alike. */
export type ReportRow = Array<string | number>;

/** A policy's figures on one dataset, after its label: accuracy, retention, cost, saving, escalated, calls/row, p50/p95/p99 ms, errors. */
export function datasetFigures(m: PolicyDatasetReport): ReportRow {
  return [
    pct(m.accuracy),
    pct(m.retention, 2),
    usd(m.costUsd),
    pct(m.saving, 2),
    pct(m.rows === 0 ? 0 : m.escalatedRows / m.rows),
    (m.rows === 0 ? 0 : m.calls / m.rows).toFixed(2),
    ms(m.latencyMs.p50),
    ms(m.latencyMs.p95),
    ms(m.latencyMs.p99),
    m.errors,
  ];
}

/** A single model's figures in the same columns: one call per row, no escalation or latency of its own. */
export function singleModelFigures(m: SingleModelReport['datasets'][string]): ReportRow {
  return [pct(m.accuracy), pct(m.retention, 2), usd(m.costUsd), pct(m.saving, 2), '', '1.00', '', '', '', ''];
}

/** Macro accuracy, retention and saving, after the label. */
export function macroFigures(macro: MacroAverages): ReportRow {
  return [pct(macro.accuracy), pct(macro.retention, 2), pct(macro.saving, 2)];
}

/** `met` or `missed` for a config when targets are set; empty for references or without targets. */
export function targetVerdict(report: EvalReport, policy: PolicyReport): string {
  const verdict = meetsTargets(report, policy);
  return verdict === null || policy.kind !== 'config' ? '' : verdict ? 'met' : 'missed';
}

/**
 * A config's tiers on every dataset: dataset, its routes (most used first), tier, reached, answered,
 * escalated, escalation rate; the dataset and routes only on its first tier's row.
 */
export function tierRows(report: EvalReport, policy: PolicyReport): ReportRow[] {
  return report.datasets.flatMap((d) => {
    const m = policy.datasets[d.name]!;
    const routes = Object.entries(m.routes)
      .sort((a, b) => b[1] - a[1])
      .map(([route, n]) => `${route} ${n}`)
      .join(', ');
    return m.tiers.map((t, i): ReportRow => [
      i === 0 ? d.name : '',
      i === 0 ? routes : '',
      t.tier,
      t.reached,
      t.final,
      t.escalated,
      pct(t.escalationRate),
    ]);
  });
}

/** A config's failing checks on every dataset: dataset, tier, check, rows, % of tier, % of rows. */
export function failedCheckRows(report: EvalReport, policy: PolicyReport): ReportRow[] {
  return report.datasets.flatMap((d) =>
    policy.datasets[d.name]!.failedChecks.map((f): ReportRow => [
      d.name,
      f.tier,
      f.check,
      f.failed,
      pct(f.rateOfReached),
      pct(f.rateOfRows),
    ]),
  );
}
