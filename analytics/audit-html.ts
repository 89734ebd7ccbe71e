import { barChartSvg, renderHtmlPage, type ReportSection } from '../report-kit/html-report';
import { type AuditReport } from './audit';
import { auditMixTable, hasObservedHistory } from './audit-mix-table';
import { money, pct } from './format';

/** How many prompts the page lists one by one (the JSON has every one). */
const PROMPT_ROWS = 300;

/** The audit as a self-contained HTML page: the mix, the start tiers, the cost both ways, the monthly projection. */
export function renderAuditHtml(report: AuditReport): string {
  const hasHistory = hasObservedHistory(report);
  const mixChart = barChartSvg({
    title: 'Task-type mix',
    categories: report.mix.map((m) => m.taskType),
    series: [{ name: 'prompts', values: report.mix.map((m) => m.prompts) }],
    y: { label: 'prompts' },
    showValues: true,
  });
  const tierChart = barChartSvg({
    title: 'Where routing starts them',
    categories: report.startTiers.map((t) => t.tier),
    series: [{ name: 'prompts', values: report.startTiers.map((t) => t.prompts) }],
    y: { label: 'prompts' },
    showValues: true,
  });
  const costSeries = [
    { name: `all on ${report.baselineModel}`, values: report.mix.map((m) => m.frontierUsd) },
    { name: 'routed start tier', values: report.mix.map((m) => m.routedUsd) },
    ...(hasHistory ? [{ name: 'expected cascade', values: report.mix.map((m) => m.expectedUsd) }] : []),
  ];
  const costChart = barChartSvg({
    title: 'Cost of the log by task type',
    categories: report.mix.map((m) => m.taskType),
    series: costSeries,
    y: { label: 'USD', format: (v) => money(v) },
  });
  const monthlyCategories = [
    `all on ${report.baselineModel}`,
    'routed start tier',
    ...(hasHistory ? ['expected cascade'] : []),
  ];
  const monthlyChart = barChartSvg({
    title: `Projected monthly cost at ${report.volume.perMonth.toLocaleString('en-US')} requests`,
    categories: monthlyCategories,
    series: [
      {
        name: 'USD per month',
        values: [
          report.monthly.frontierUsd,
          report.monthly.routedUsd,
          ...(hasHistory ? [report.monthly.expectedUsd] : []),
        ],
      },
    ],
    y: { label: 'USD per month', format: (v) => money(v) },
    showValues: true,
  });

  const sections: ReportSection[] = [
    {
      title: 'Summary',
      blocks: [
        {
          type: 'keyValues',
          items: [
            ['prompts', String(report.prompts)],
            ['invalid lines', String(report.invalid.length)],
            ['small-model territory', `${pct(report.smallModelShare)} of prompts start on the cheapest tier`],
            [
              'monthly volume',
              `${report.volume.perMonth.toLocaleString('en-US')} requests${report.volume.from === 'log' ? ' (the log taken as one month; set --volume)' : ''}`,
            ],
            [`all on ${report.baselineModel}`, `${money(report.monthly.frontierUsd)} per month`],
            [
              'routed (start tier)',
              `${money(report.monthly.routedUsd)} per month: saves ${money(report.monthly.savingUsd)} (${pct(report.monthly.savingShare)})`,
            ],
            ...(hasHistory
              ? ([
                  [
                    'expected with observed escalations',
                    `${money(report.monthly.expectedUsd)} per month: saves ${money(report.monthly.expectedSavingUsd)} (${pct(report.monthly.expectedSavingShare)})`,
                  ],
                ] as Array<[string, string]>)
              : []),
          ],
        },
        { type: 'chart', svg: monthlyChart },
      ],
    },
    {
      title: 'Task-type mix',
      intro: "Each prompt classified offline by the config's rules, as the cascade would classify it.",
      blocks: [
        { type: 'chartRow', charts: [{ svg: mixChart }, { svg: tierChart }] },
        { type: 'table', ...auditMixTable(report) },
      ],
    },
    {
      title: 'Cost both ways',
      intro: `The log's cost with every prompt on ${report.baselineModel}, against each prompt on the model of the tier its route starts on${hasHistory ? ', and the expected cascade cost where observed escalation rates exist' : ''}.`,
      blocks: [{ type: 'chart', svg: costChart }],
    },
  ];
  if (report.history) {
    const routes = Object.entries(report.history.routes);
    sections.push({
      title: 'Observed escalations',
      intro: `From Temporal visibility (${report.history.query}); ${report.history.coveredPrompts} of ${report.prompts} prompts are on a route with enough history.`,
      blocks:
        routes.length === 0
          ? [
              {
                type: 'paragraph',
                text: 'No route has enough completed cascades yet: the expected cost equals the routed start-tier cost.',
              },
            ]
          : [
              {
                type: 'table',
                columns: [
                  { label: 'route' },
                  { label: 'cascades', align: 'right' },
                  { label: 'escalated ≥1', align: 'right' },
                  { label: 'escalated ≥2', align: 'right' },
                ],
                rows: routes.map(([route, r]) => [
                  route,
                  r.samples,
                  pct(r.reachedAtLeast[1] ?? 0),
                  pct(r.reachedAtLeast[2] ?? 0),
                ]),
              },
            ],
    });
  }
  sections.push({
    title: 'Prompts',
    intro:
      report.rows.length > PROMPT_ROWS
        ? `The first ${PROMPT_ROWS} of ${report.rows.length}; the JSON report lists every one.`
        : undefined,
    blocks: [
      {
        type: 'table',
        columns: [
          { label: 'id' },
          { label: 'task type' },
          { label: 'complexity' },
          { label: 'start tier' },
          { label: 'output tokens', align: 'right' },
          { label: `on ${report.baselineModel}`, align: 'right' },
          { label: 'routed', align: 'right' },
          ...(hasHistory ? [{ label: 'expected', align: 'right' as const }] : []),
        ],
        rows: report.rows
          .slice(0, PROMPT_ROWS)
          .map((r) => [
            r.id,
            r.taskType,
            r.complexity,
            r.startTier,
            r.outputTokens,
            money(r.frontierUsd),
            money(r.routedUsd),
            ...(hasHistory ? [r.expectedUsd === undefined ? '-' : money(r.expectedUsd)] : []),
          ]),
      },
      ...(report.invalid.length > 0
        ? [
            {
              type: 'table' as const,
              caption: 'Lines that could not be audited',
              columns: [{ label: 'line', align: 'right' as const }, { label: 'error' }],
              rows: report.invalid.map((e) => [e.line, e.error]),
            },
          ]
        : []),
    ],
  });
  sections.push({
    title: 'Method',
    blocks: [
      {
        type: 'list',
        items: [
          'Tokens are estimated at four characters per token, for the prompt as the cascade would send it (route and request system text, schema instruction).',
          "Output tokens come from the log (outputTokens, or the length of response) or else a typical answer length for the task type, capped at each model's maximum.",
          "Routed: the model of the route's start tier (by complexity), plus agreement partners where the route checks agreement on that tier.",
          "Expected: each rung of the route's ladder weighted by the share of completed cascades on that route that reached it (CascadeEscalations), from Temporal visibility; routes with fewer than 5 completed cascades fall back to the routed cost.",
          "Monthly projection: the log's cost per prompt times the monthly volume.",
        ],
      },
    ],
  });
  return renderHtmlPage({
    title: 'Prompt-log audit: what routing would save',
    subtitle: `${report.source} · ${report.prompts} prompts · ${report.generatedAt}`,
    sections,
    footer: 'llm-cascade audit: estimates from token counts and list prices, not provider invoices.',
  });
}
