/**
 * The Grafana dashboard docker-compose.yml provisions (deploy/grafana/dashboards/llm-cascade.json),
 * checked without Grafana: its structure against a zod schema of the fields Grafana's dashboard
 * model requires for a provisioned dashboard (the `Dashboard` and `Panel` kinds of Grafana's schema:
 * uid, title, schemaVersion, time range, panels with id, type, gridPos on the 24-column grid,
 * datasource and targets), every query parsed by Prometheus' own PromQL grammar, every metric it
 * names one the API or the worker exports, and its datasource the one Grafana is provisioned with.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { z } from 'zod';
import { PROJECT_ROOT } from '../config/load-config';
import { CascadeMetrics } from '../telemetry/cascade-metrics';

const GRAFANA = path.join(PROJECT_ROOT, 'deploy', 'grafana');

/** Panel types Grafana ships (core plugins); a typo here renders as "panel plugin not found". */
const PanelType = z.enum(['timeseries', 'stat', 'piechart', 'barchart', 'bargauge', 'gauge', 'table', 'text']);
const Datasource = z.object({ type: z.literal('prometheus'), uid: z.string().min(1) });
const Target = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: Datasource,
  expr: z.string().min(1),
  legendFormat: z.string().optional(),
  instant: z.boolean().optional(),
});
const GridPos = z
  .object({
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1),
  })
  .refine((g) => g.x + g.w <= 24, 'panel runs past the 24-column grid');
const Panel = z.object({
  id: z.number().int().positive(),
  type: PanelType,
  title: z.string().min(1),
  description: z.string().optional(),
  datasource: Datasource,
  gridPos: GridPos,
  targets: z.array(Target).min(1),
  fieldConfig: z.object({
    defaults: z.object({ unit: z.string().min(1) }).passthrough(),
    overrides: z.array(z.unknown()),
  }),
  options: z.record(z.string(), z.unknown()),
});
const Dashboard = z.object({
  // Grafana's limit for a dashboard uid: 40 characters of letters, digits, '-' and '_'.
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  tags: z.array(z.string()),
  editable: z.boolean(),
  schemaVersion: z.number().int().min(36),
  time: z.object({ from: z.string().min(1), to: z.string().min(1) }),
  refresh: z.string().optional(),
  templating: z.object({ list: z.array(z.unknown()) }),
  panels: z.array(Panel).min(1),
});
type Dashboard = z.infer<typeof Dashboard>;

async function loadDashboard(): Promise<Dashboard> {
  const raw: unknown = JSON.parse(await readFile(path.join(GRAFANA, 'dashboards', 'llm-cascade.json'), 'utf8'));
  return Dashboard.parse(raw);
}

/** Grafana's macros, replaced by durations as Grafana does before sending a query. */
function asPromql(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '24h');
}

function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
    },
  });
  return errors;
}

describe('the Grafana dashboard', () => {
  it('has the structure Grafana needs: uid, schema version, panels on the grid, each with queries', async () => {
    const dashboard = await loadDashboard();
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const panel of dashboard.panels) {
      const refIds = panel.targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: refIds are unique`);
    }
    // No two panels overlap on the grid.
    const cells = new Set<string>();
    for (const { title, gridPos: g } of dashboard.panels)
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
  });

  it('shows cost vs baseline, savings, escalations by route and check, model-call latency and errors, the outcome mix', async () => {
    const dashboard = await loadDashboard();
    const queries = (predicate: (expr: string) => boolean) =>
      dashboard.panels.filter((p) => p.targets.some((t) => predicate(t.expr)));
    assert.ok(
      queries((e) => e.includes('llm_cascade_cost_usd_total')).some((p) =>
        p.targets.some((t) => t.expr.includes('llm_cascade_baseline_cost_usd_total')),
      ),
      'a panel sets cost against the baseline',
    );
    assert.ok(queries((e) => /baseline_cost_usd_total.*\) - sum\(.*cost_usd_total/.test(e)).length > 0, 'savings');
    assert.ok(queries((e) => /sum by \(route, check\).*llm_cascade_escalations_total/.test(e)).length > 0);
    assert.ok(queries((e) => /histogram_quantile.*llm_cascade_model_call_duration_seconds_bucket/.test(e)).length > 0);
    assert.ok(queries((e) => /llm_cascade_model_call_errors_total/.test(e)).length > 0);
    assert.ok(queries((e) => /sum by \(outcome\).*llm_cascade_requests_total/.test(e)).length > 0);
  });

  it('asks only valid PromQL, about metrics the API and the workers export', async () => {
    const dashboard = await loadDashboard();
    const exported = new Set<string>();
    for (const metric of await new CascadeMetrics({ processMetrics: false }).registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      // prom-client reports the type as a string at run time, though its typings declare a numeric enum.
      if ((metric.type as unknown as string) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix);
    }
    for (const panel of dashboard.panels)
      for (const target of panel.targets) {
        const expr = asPromql(target.expr);
        assert.deepEqual(syntaxErrors(expr), [], `${panel.title} ${target.refId}: ${expr}`);
        for (const name of expr.match(/\bllm_cascade_[a-z_]+/g) ?? [])
          assert.ok(exported.has(name), `${panel.title}: ${name} is not a metric llm-cascade exports`);
      }
  });

  it('queries the datasource Grafana is provisioned with', async () => {
    const provisioned = parse(
      await readFile(path.join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    const [datasource] = provisioned.datasources;
    assert.equal(datasource?.type, 'prometheus');
    assert.equal(datasource.url, 'http://prometheus:9090');
    const dashboard = await loadDashboard();
    for (const panel of dashboard.panels) {
      assert.equal(panel.datasource.uid, datasource.uid, panel.title);
      for (const target of panel.targets) assert.equal(target.datasource.uid, datasource.uid, panel.title);
    }
  });
});
