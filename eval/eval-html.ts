import {
  barChartSvg,
  CHART_PALETTE,
  lineChartSvg,
  renderHtmlPage,
  scatterChartSvg,
  type ChartGuide,
  type ReportBlock,
  type ReportSection,
  type ScatterSeries,
  type TableCell,
} from '../report-kit/html-report';
import { ms, pct, policyLabel, shortModel, usd, type EvalReport, type PolicyReport } from './eval-report';
import {
  datasetFigures,
  failedCheckRows,
  macroFigures,
  singleModelFigures,
  targetVerdict,
  tierRows,
} from './eval-report-rows';

const GREY = '#8c959f';
const FRONTIER_COLOUR = '#000000';
const CHEAPEST_COLOUR = '#7f7f7f';

/** Percent with one decimal for chart axes. */
const percentAxis = (v: number) => `${Number(v.toFixed(1))}%`;

/** The cost axis: from 0 to a little past the dearest point (always-frontier is at 100%). */
function costAxis(series: ScatterSeries[]): { label: string; min: number; max: number; format: (v: number) => string } {
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter(Number.isFinite);
  return { label: 'cost, % of always-frontier', min: 0, max: Math.max(100, ...xs) * 1.05, format: percentAxis };
}

function costShare(saving: number | null): number {
  return saving === null ? Number.NaN : (1 - saving) * 100;
}

interface PlotPoint {
  label: string;
  /** Cost as a share of always-frontier's, in percent. */
  x: number;
  y: number;
}

/**
 * The scatter series for one view (a dataset, or the macro averages): each config in its own
 * colour, the reference policies in black and grey, the single models as hollow grey circles.
 */
function policySeries(
  report: EvalReport,
  point: (policy: PolicyReport) => PlotPoint,
  singles: PlotPoint[],
): ScatterSeries[] {
  const series: ScatterSeries[] = [];
  const configs = report.policies.filter((p) => p.kind === 'config');
  configs.forEach((policy, i) => {
    const p = point(policy);
    series.push({
      name: policy.name,
      color: CHART_PALETTE[i % CHART_PALETTE.length]!,
      shape: 'diamond',
      size: 7,
      points: [{ ...p, tooltip: `${p.label}: cost ${percentAxis(p.x)} of always-frontier, ${percentAxis(p.y)}` }],
    });
  });
  for (const policy of report.policies.filter((p) => p.kind !== 'config')) {
    const p = point(policy);
    series.push({
      name: policyLabel(policy),
      color: policy.kind === 'always-frontier' ? FRONTIER_COLOUR : CHEAPEST_COLOUR,
      shape: policy.kind === 'always-frontier' ? 'square' : 'triangle',
      size: 6,
      points: [{ ...p, label: policy.kind }],
    });
  }
  series.push({
    name: 'single models (from the CSV)',
    color: GREY,
    shape: 'circle',
    hollow: true,
    size: 4.5,
    points: singles.map((s) => ({ ...s })),
  });
  return series;
}

function targetGuides(report: EvalReport, retentionAxis: boolean): ChartGuide[] {
  const guides: ChartGuide[] = [];
  const { retention, saving } = report.settings.targets;
  if (saving !== null)
    guides.push({ axis: 'x', value: costShare(saving), label: `target: saving >= ${pct(saving, 0)}` });
  if (retention !== null && retentionAxis)
    guides.push({ axis: 'y', value: retention * 100, label: `target: retention >= ${pct(retention, 0)}` });
  return guides;
}

/** The table rows of the configs (policies come first, in report order): highlighted in the policy tables. */
function configRows(report: EvalReport): number[] {
  return report.policies.flatMap((p, i) => (p.kind === 'config' ? [i] : []));
}

function summarySection(report: EvalReport): ReportSection {
  const configs = report.policies.filter((p) => p.kind === 'config');
  const blocks: ReportBlock[] = [];
  blocks.push({
    type: 'keyValues',
    items: [
      ['generated', report.generatedAt],
      [
        'datasets',
        report.datasets
          .map((d) => `${d.name} (${d.rows}${d.rows !== d.totalRows ? ` of ${d.totalRows}` : ''} rows)`)
          .join(', '),
      ],
      ['configs', configs.map((c) => `${c.name}${c.source ? ` (${c.source})` : ''}`).join(', ')],
      ['always-frontier model', report.settings.frontierModel],
      [
        'Temporal',
        `${report.settings.temporal.embedded ? 'embedded dev server' : 'server'} at ${report.settings.temporal.address}`,
      ],
      ['concurrency', String(report.settings.concurrency)],
      [
        'classifier',
        report.settings.taskType
          ? `skipped: every request has task type "${report.settings.taskType}"`
          : "the config's rules route each prompt",
      ],
      ['duration', `${(report.durationMs / 1000).toFixed(1)} s`],
    ],
  });
  const singles = report.singleModels.map((s) => ({
    label: shortModel(s.model),
    x: costShare(s.macro.saving),
    y: (s.macro.retention ?? Number.NaN) * 100,
  }));
  const macroSeries = policySeries(
    report,
    (p) => ({ label: p.name, x: costShare(p.macro.saving), y: (p.macro.retention ?? Number.NaN) * 100 }),
    singles,
  );
  blocks.push({
    type: 'chart',
    svg: scatterChartSvg({
      title: `Macro average over ${report.settings.macroDatasets.join(', ')}`,
      width: 760,
      height: 470,
      x: costAxis(macroSeries),
      y: { label: 'quality retention', format: percentAxis },
      series: macroSeries,
      guides: targetGuides(report, true),
    }),
    caption:
      'Each config beside always-frontier, cheapest-only and every single model. Up and to the left is better: more of the frontier quality for less of its cost.',
  });
  const rows: TableCell[][] = report.policies.map((policy) => [
    policyLabel(policy),
    ...macroFigures(policy.macro),
    targetVerdict(report, policy),
  ]);
  for (const single of report.singleModels) rows.push([`${single.model} (CSV)`, ...macroFigures(single.macro), '']);
  blocks.push({
    type: 'table',
    columns: [
      { label: 'policy' },
      { label: 'accuracy', align: 'right' },
      { label: 'retention', align: 'right' },
      { label: 'saving', align: 'right' },
      { label: 'target' },
    ],
    rows,
    highlightRows: configRows(report),
    caption: 'Macro averages: each dataset weighs the same.',
  });
  if (report.warnings.length > 0) blocks.push({ type: 'list', items: report.warnings.map((w) => `warning: ${w}`) });
  return { id: 'summary', title: 'Summary', blocks };
}

function datasetSection(report: EvalReport, name: string): ReportSection {
  const dataset = report.datasets.find((d) => d.name === name)!;
  const singles = report.singleModels.flatMap((s) => {
    const m = s.datasets[name];
    return m ? [{ label: shortModel(s.model), x: costShare(m.saving), y: m.accuracy * 100 }] : [];
  });
  const series = policySeries(
    report,
    (p) => ({ label: p.name, x: costShare(p.datasets[name]!.saving), y: p.datasets[name]!.accuracy * 100 }),
    singles,
  );
  const chart = scatterChartSvg({
    title: `${name}: accuracy against cost`,
    width: 760,
    height: 470,
    x: costAxis(series),
    y: { label: 'accuracy', format: percentAxis },
    series,
    guides: targetGuides(report, false),
  });
  const rows: TableCell[][] = report.policies.map((policy) => [
    policyLabel(policy),
    ...datasetFigures(policy.datasets[name]!),
  ]);
  for (const single of report.singleModels) {
    const m = single.datasets[name];
    if (m) rows.push([`${single.model} (CSV)`, ...singleModelFigures(m)]);
  }
  const right = (label: string) => ({ label, align: 'right' as const });
  return {
    id: `dataset-${name}`,
    title: name,
    intro: `${dataset.rows} rows${dataset.rows !== dataset.totalRows ? ` (the first ${dataset.rows} of ${dataset.totalRows})` : ''}. Always-frontier (${dataset.frontier.model}): ${pct(dataset.frontier.accuracy)} accurate for ${usd(dataset.frontier.costUsd)}.`,
    blocks: [
      { type: 'chart', svg: chart },
      {
        type: 'table',
        columns: [
          { label: 'policy' },
          right('accuracy'),
          right('retention'),
          right('cost'),
          right('saving'),
          right('escalated'),
          right('calls/row'),
          right('p50 ms'),
          right('p95 ms'),
          right('p99 ms'),
          right('errors'),
        ],
        rows,
        highlightRows: configRows(report),
      },
    ],
  };
}

function escalationSection(report: EvalReport): ReportSection {
  const blocks: ReportBlock[] = [];
  for (const policy of report.policies.filter((p) => p.kind === 'config')) {
    const used = new Set(report.datasets.flatMap((d) => policy.datasets[d.name]!.tiers.map((t) => t.tier)));
    const tiers = policy.ladder.filter((tier) => used.has(tier));
    const finalShare = barChartSvg({
      title: `${policy.name}: which tier answered`,
      width: 560,
      height: 320,
      categories: report.datasets.map((d) => d.name),
      stacked: true,
      y: { label: 'rows', min: 0, max: 100, format: percentAxis },
      series: tiers.map((tier) => ({
        name: tier,
        values: report.datasets.map((d) => {
          const m = policy.datasets[d.name]!;
          return m.rows === 0 ? 0 : ((m.tiers.find((t) => t.tier === tier)?.final ?? 0) / m.rows) * 100;
        }),
      })),
    });
    const checkKeys = [
      ...new Set(
        report.datasets.flatMap((d) => policy.datasets[d.name]!.failedChecks.map((f) => `${f.tier}: ${f.check}`)),
      ),
    ];
    const failing = barChartSvg({
      title: `${policy.name}: failing checks`,
      width: 560,
      height: 320,
      categories: report.datasets.map((d) => d.name),
      y: { label: '% of rows', min: 0, format: percentAxis },
      showValues: true,
      series: checkKeys.map((key) => ({
        name: key,
        values: report.datasets.map((d) => {
          const f = policy.datasets[d.name]!.failedChecks.find((c) => `${c.tier}: ${c.check}` === key);
          return (f?.rateOfRows ?? 0) * 100;
        }),
      })),
    });
    blocks.push({ type: 'chartRow', charts: [{ svg: finalShare }, { svg: failing }] });
    blocks.push({
      type: 'table',
      columns: [
        { label: 'dataset' },
        { label: 'routes (classifier)' },
        { label: 'tier' },
        { label: 'reached', align: 'right' },
        { label: 'answered', align: 'right' },
        { label: 'escalated', align: 'right' },
        { label: 'escalation rate', align: 'right' },
      ],
      rows: tierRows(report, policy),
      caption: `${policy.name}: a tier is reached when its model answered; answered counts the rows whose returned answer came from it.`,
    });
    const checkRows = failedCheckRows(report, policy);
    if (checkRows.length > 0) {
      blocks.push({
        type: 'table',
        columns: [
          { label: 'dataset' },
          { label: 'tier' },
          { label: 'failing check' },
          { label: 'rows', align: 'right' },
          { label: '% of tier', align: 'right' },
          { label: '% of rows', align: 'right' },
        ],
        rows: checkRows,
      });
    }
    const costRows: TableCell[][] = report.datasets.flatMap((d) =>
      Object.entries(policy.datasets[d.name]!.costByModel).map(([model, c]): TableCell[] => [
        d.name,
        model,
        c.calls,
        usd(c.costUsd),
        pct(c.costUsd / Math.max(1e-12, policy.datasets[d.name]!.costUsd)),
      ]),
    );
    blocks.push({
      type: 'table',
      columns: [
        { label: 'dataset' },
        { label: 'model' },
        { label: 'calls', align: 'right' },
        { label: 'recorded cost', align: 'right' },
        { label: 'share', align: 'right' },
      ],
      rows: costRows,
      caption: `${policy.name}: every call the cascades made, from the simulator's call log (agreement partners and rejected answers included).`,
    });
  }
  return { id: 'escalations', title: 'Escalations and where the money went', blocks };
}

function latencySection(report: EvalReport): ReportSection {
  const percentiles = [50, 95, 99, 100];
  const series = report.policies.map((policy) => ({
    name: policyLabel(policy),
    dashed: policy.kind !== 'config',
    points: percentiles.map((p) => {
      const values = report.datasets.map((d) => {
        const l = policy.datasets[d.name]!.latencyMs;
        return p === 50 ? l.p50 : p === 95 ? l.p95 : p === 99 ? l.p99 : l.max;
      });
      // The worst dataset's value: a percentile of the pooled rows is not derivable from per-dataset ones.
      return { x: p, y: Math.max(...values) };
    }),
  }));
  const rows: TableCell[][] = report.policies.flatMap((policy) =>
    report.datasets.map((d): TableCell[] => {
      const m = policy.datasets[d.name]!;
      return [
        policyLabel(policy),
        d.name,
        ms(m.latencyMs.p50),
        ms(m.latencyMs.p95),
        ms(m.latencyMs.p99),
        ms(m.latencyMs.max),
        m.cascadesPerSecond.toFixed(1),
      ];
    }),
  );
  return {
    id: 'latency',
    title: 'Latency',
    intro: `Submit-to-result time of each cascade as the client saw it, through the real workflows, with ${report.settings.concurrency} cascades in flight. The simulated providers answer at once, so this is the engine's own time: Temporal round trips, workflow tasks, activities and the SDK calls.`,
    blocks: [
      {
        type: 'chart',
        svg: lineChartSvg({
          title: 'Latency percentiles (worst dataset)',
          width: 640,
          height: 360,
          x: { label: 'percentile', min: 50, max: 100 },
          y: { label: 'ms', format: (v) => String(Math.round(v)) },
          series,
        }),
      },
      {
        type: 'table',
        columns: [
          { label: 'policy' },
          { label: 'dataset' },
          { label: 'p50 ms', align: 'right' },
          { label: 'p95 ms', align: 'right' },
          { label: 'p99 ms', align: 'right' },
          { label: 'max ms', align: 'right' },
          { label: 'cascades/s', align: 'right' },
        ],
        rows,
      },
    ],
  };
}

function methodSection(): ReportSection {
  return {
    id: 'method',
    title: 'How these numbers are made',
    blocks: [
      {
        type: 'list',
        items: [
          "Every row's prompt is sent as a request to the real cascade workflow; the classifier routes it unless a task type was given.",
          "The simulated providers replay the dataset: a call to a dataset model with a dataset prompt returns that model's recorded answer.",
          "Accuracy: the recorded correctness of the answer the cascade returned (its final step's model). Unknown correctness and rows without an answer count as wrong.",
          'Cost: the recorded total_cost of every call the simulator received for the dataset, from its call log: agreement partners and rejected answers included.',
          'Retention = accuracy / always-frontier accuracy; saving = 1 - cost / always-frontier cost. Always-frontier and cheapest-only run through the same workflows as one-shot configs; single models are summed straight from the CSV.',
        ],
      },
    ],
  };
}

/** The self-contained HTML report of an eval run (inline SVG, no scripts, no external assets). */
export function renderEvalHtml(report: EvalReport): string {
  return renderHtmlPage({
    title: 'llm-cascade eval',
    subtitle: `${report.policies
      .filter((p) => p.kind === 'config')
      .map((p) => p.name)
      .join(', ')} on ${report.datasets.map((d) => d.name).join(', ')}, ${report.generatedAt}`,
    sections: [
      summarySection(report),
      ...report.datasets.map((d) => datasetSection(report, d.name)),
      escalationSection(report),
      latencySection(report),
      methodSection(),
    ],
    footer: 'Generated by `cascade eval`. Recorded answers, correctness and costs: RouterBench (Hu et al., 2024).',
  });
}
