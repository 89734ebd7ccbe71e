import { textTable } from '../report-kit/text-table';
import { pct, policyLabel, shortModel, usd, type EvalReport } from './eval-report';
import {
  datasetFigures,
  failedCheckRows,
  macroFigures,
  singleModelFigures,
  targetVerdict,
  tierRows,
} from './eval-report-rows';

/** A borderless, colourless table: reads the same in a terminal, a log file and a pipe. */
function table(head: string[], rows: (string | number)[][], rightAligned: number[] = []): string {
  return textTable(head, rows, { rightAligned });
}

function duration(msTotal: number): string {
  const seconds = Math.round(msTotal / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * The report for a terminal: per dataset, every policy and single model beside always-frontier;
 * then each config's escalations (per tier, per failing check); then the macro averages.
 */
export function renderEvalTerminal(report: EvalReport): string {
  const out: string[] = [];
  const configs = report.policies.filter((p) => p.kind === 'config');
  const temporal = report.settings.temporal;
  out.push(
    `cascade eval: ${report.datasets.length} dataset(s), ${configs.length} config(s), concurrency ${report.settings.concurrency}, ` +
      `Temporal ${temporal.embedded ? 'embedded' : 'at'} ${temporal.address}, ${duration(report.durationMs)}` +
      (report.settings.limit !== null ? `, first ${report.settings.limit} rows per file` : ''),
  );

  for (const dataset of report.datasets) {
    out.push('');
    out.push(
      `${dataset.name}: ${dataset.rows} rows; always-frontier (${dataset.frontier.model}) ${pct(dataset.frontier.accuracy)} accurate for ${usd(dataset.frontier.costUsd)}`,
    );
    const rows: (string | number)[][] = report.policies.map((policy) => [
      policyLabel(policy),
      ...datasetFigures(policy.datasets[dataset.name]!),
    ]);
    rows.push(['single models (CSV):', '', '', '', '', '', '', '', '', '', '']);
    for (const single of report.singleModels) {
      const m = single.datasets[dataset.name];
      if (m) rows.push([`  ${shortModel(single.model)}`, ...singleModelFigures(m)]);
    }
    out.push(
      table(
        [
          'policy',
          'accuracy',
          'retention',
          'cost',
          'saving',
          'escalated',
          'calls/row',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'errors',
        ],
        rows,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      ),
    );
  }

  for (const policy of configs) {
    out.push('');
    out.push(`${policy.name}: routes, tiers and failing checks`);
    out.push(
      table(
        ['dataset', 'routes', 'tier', 'reached', 'answered', 'escalated', 'escalation rate'],
        tierRows(report, policy),
        [3, 4, 5, 6],
      ),
    );
    const checkRows = failedCheckRows(report, policy);
    if (checkRows.length > 0) {
      out.push('');
      out.push(table(['dataset', 'tier', 'failing check', 'rows', '% of tier', '% of rows'], checkRows, [3, 4, 5]));
    }
  }

  out.push('');
  const targets = report.settings.targets;
  const targetText =
    targets.retention !== null || targets.saving !== null
      ? ` (target: retention >= ${pct(targets.retention)}, saving >= ${pct(targets.saving)})`
      : '';
  out.push(`macro average over ${report.settings.macroDatasets.join(', ')}${targetText}`);
  const macroRows: (string | number)[][] = report.policies.map((policy) => [
    policyLabel(policy),
    ...macroFigures(policy.macro),
    targetVerdict(report, policy),
  ]);
  for (const single of report.singleModels)
    macroRows.push([`  ${shortModel(single.model)} (CSV)`, ...macroFigures(single.macro), '']);
  out.push(table(['policy', 'accuracy', 'retention', 'saving', 'target'], macroRows, [1, 2, 3]));

  if (report.warnings.length > 0) {
    out.push('');
    out.push('warnings:');
    for (const warning of report.warnings) out.push(`  - ${warning}`);
  }
  return out.join('\n');
}
