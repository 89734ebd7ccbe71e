import { type AuditReport } from './audit';
import { money, pct } from './format';

/** Whether observed escalation rates cover any prompt, so the audit shows an expected cascade cost. */
export function hasObservedHistory(report: AuditReport): boolean {
  return report.history !== undefined && report.history.coveredPrompts > 0;
}

/** The task-type mix table, the same in the terminal and the HTML audit: one row per task type. */
export function auditMixTable(report: AuditReport): {
  columns: Array<{ label: string; align?: 'right' }>;
  rows: Array<Array<string | number>>;
} {
  const hasHistory = hasObservedHistory(report);
  return {
    columns: [
      { label: 'task type' },
      { label: 'prompts', align: 'right' },
      { label: 'share', align: 'right' },
      { label: 'start tiers' },
      { label: `all on ${report.baselineModel}`, align: 'right' },
      { label: 'routed', align: 'right' },
      ...(hasHistory ? [{ label: 'expected', align: 'right' as const }] : []),
    ],
    rows: report.mix.map((m) => [
      m.taskType,
      m.prompts,
      pct(m.share),
      Object.entries(m.startTiers)
        .map(([tier, n]) => `${tier} ${n}`)
        .join(', '),
      money(m.frontierUsd),
      money(m.routedUsd),
      ...(hasHistory ? [money(m.expectedUsd)] : []),
    ]),
  };
}
