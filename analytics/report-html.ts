import { barChartSvg, lineChartSvg, renderHtmlPage, type ReportSection } from '../report-kit/html-report';
import { money, pct } from './format';
import { outcomeNames, savingsReportTables } from './report-tables';
import { BUCKET_MS, type SavingsReport } from './savings-report';

/** The savings report as a self-contained HTML page with charts. */
export function renderReportHtml(report: SavingsReport): string {
  const t = report.totals;
  const tables = savingsReportTables(report);
  const outcomes = outcomeNames(report);
  const byTypeChart = barChartSvg({
    title: 'Requests by task type and outcome',
    categories: report.byTaskType.map((r) => r.taskType),
    series: outcomes.map((outcome) => ({
      name: outcome,
      values: report.byTaskType.map((r) => r.outcomes[outcome] ?? 0),
    })),
    y: { label: 'requests' },
    stacked: true,
  });
  const costChart = barChartSvg({
    title: 'Cost against the baseline by task type',
    categories: report.byTaskType.map((r) => r.taskType),
    series: [
      { name: 'baseline (frontier model alone)', values: report.byTaskType.map((r) => r.baselineUsd) },
      { name: 'cascade', values: report.byTaskType.map((r) => r.costUsd) },
    ],
    y: { label: 'USD', format: money },
  });
  const tierChart = barChartSvg({
    title: 'Answers rejected per tier',
    categories: report.tiers.map((r) => r.tier),
    series: [{ name: 'rejected share', values: report.tiers.map((r) => r.rate * 100) }],
    y: { label: '% of answers', min: 0, format: (v) => `${Math.round(v)}%` },
    showValues: true,
  });
  const checkChart = barChartSvg({
    title: 'Failures per check',
    categories: report.checks.map((c) => c.check),
    series: [{ name: 'failed answers', values: report.checks.map((c) => c.failures) }],
    y: { label: 'answers' },
    showValues: true,
  });
  const unit = BUCKET_MS[report.bucket];
  const origin = report.overTime.length > 0 ? Date.parse(report.overTime[0]!.start) : 0;
  const at = (start: string) => (Date.parse(start) - origin) / unit;
  let cumulative = 0;
  const savingsChart = lineChartSvg({
    title: `Cost and savings per ${report.bucket}`,
    x: {
      label: `${report.bucket}s since ${report.overTime[0]?.start.slice(0, report.bucket === 'hour' ? 13 : 10) ?? report.since}`,
    },
    y: { label: 'USD', format: money },
    series: [
      { name: 'baseline', points: report.overTime.map((b) => ({ x: at(b.start), y: b.baselineUsd })), dashed: true },
      { name: 'cascade cost', points: report.overTime.map((b) => ({ x: at(b.start), y: b.costUsd })) },
      {
        name: 'saved (cumulative)',
        points: report.overTime.map((b) => ({ x: at(b.start), y: (cumulative = cumulative + b.savedUsd) })),
      },
    ],
  });

  const sections: ReportSection[] = [
    {
      title: 'Summary',
      blocks: [
        {
          type: 'keyValues',
          items: [
            [
              'cascades',
              `${report.requests} started since ${report.since} (${Object.entries(report.byStatus)
                .map(([s, n]) => `${s} ${n}`)
                .join(', ')})`,
            ],
            [
              'outcomes',
              Object.entries(report.outcomes)
                .map(([o, n]) => `${o} ${n}`)
                .join(', ') || '-',
            ],
            ['cost', `${money(t.costUsd)} against ${money(t.baselineUsd)} on the frontier model alone`],
            ['saved', `${money(t.savedUsd)} (${pct(t.savingShare)})`],
            ['escalated', `${t.escalated} of ${t.completed} completed (${pct(t.escalationRate)})`],
          ],
        },
      ],
    },
    {
      title: 'Requests',
      blocks: [
        { type: 'chartRow', charts: [{ svg: byTypeChart }, { svg: costChart }] },
        {
          type: 'table',
          ...tables.taskTypes,
        },
      ],
    },
    {
      title: 'Escalations',
      intro:
        'An answer is rejected when a check fails: the cascade climbs to the next tier, or ends exhausted on the last one.',
      blocks: [
        { type: 'chartRow', charts: [{ svg: tierChart }, { svg: checkChart }] },
        { type: 'table', ...tables.tiers },
        { type: 'table', ...tables.checks },
        {
          type: 'table',
          caption: 'Particulars (quoted values, numbers) are collapsed so the same failure groups together.',
          columns: [{ label: 'top escalation reasons' }, { label: 'times', align: 'right' }],
          rows: report.topReasons.map((r) => [r.reason, r.count]),
        },
      ],
    },
    {
      title: 'Savings over time',
      blocks: [
        { type: 'chart', svg: savingsChart },
        {
          type: 'table',
          ...tables.overTime,
        },
      ],
    },
  ];
  return renderHtmlPage({
    title: 'Cascade savings report',
    subtitle: `${report.query} · generated ${report.generatedAt}`,
    sections,
    footer: `Counts, costs and savings from Temporal visibility (search attributes and memo of every cascade); checks and reasons from the ${report.resultsRead} results with a failed check.`,
  });
}
