import { money, pct } from './format';
import { type SavingsReport } from './savings-report';

/** A table as both the terminal and the HTML report show it. */
export interface ReportTable {
  columns: Array<{ label: string; align?: 'right' }>;
  rows: Array<Array<string | number>>;
}

/** The outcomes that occur in the report, in name order: one column each. */
export function outcomeNames(report: SavingsReport): string[] {
  return [...new Set(report.byTaskType.flatMap((r) => Object.keys(r.outcomes)))].sort();
}

/** The savings report's tables, the same in the terminal and the HTML page. */
export function savingsReportTables(report: SavingsReport): {
  taskTypes: ReportTable;
  tiers: ReportTable;
  checks: ReportTable;
  overTime: ReportTable;
} {
  const outcomes = outcomeNames(report);
  return {
    taskTypes: {
      columns: [
        { label: 'task type' },
        { label: 'requests', align: 'right' },
        ...outcomes.map((o) => ({ label: o, align: 'right' as const })),
        { label: 'cost', align: 'right' },
        { label: 'baseline', align: 'right' },
        { label: 'saved', align: 'right' },
      ],
      rows: report.byTaskType.map((r) => [
        r.taskType,
        r.requests,
        ...outcomes.map((o) => r.outcomes[o] ?? 0),
        money(r.costUsd),
        money(r.baselineUsd),
        money(r.savedUsd),
      ]),
    },
    tiers: {
      columns: [
        { label: 'tier' },
        { label: 'answers', align: 'right' },
        { label: 'rejected', align: 'right' },
        { label: 'rate', align: 'right' },
      ],
      rows: report.tiers.map((r) => [r.tier, r.answers, r.rejected, pct(r.rate)]),
    },
    checks: {
      columns: [
        { label: 'check' },
        { label: 'failed answers', align: 'right' },
        { label: 'per answer checked', align: 'right' },
      ],
      rows: report.checks.map((c) => [c.check, c.failures, pct(c.rate)]),
    },
    overTime: {
      columns: [
        { label: report.bucket },
        { label: 'requests', align: 'right' },
        { label: 'cost', align: 'right' },
        { label: 'baseline', align: 'right' },
        { label: 'saved', align: 'right' },
      ],
      rows: report.overTime.map((b) => [
        b.start.replace('T', ' ').slice(0, report.bucket === 'hour' ? 16 : 10),
        b.requests,
        money(b.costUsd),
        money(b.baselineUsd),
        money(b.savedUsd),
      ]),
    },
  };
}
