/**
 * What the API's and the workers' Prometheus metrics add up to, across processes, as a Prometheus
 * `sum(...)` over their last scrapes would: the totals `cascade report` is compared with. Counters
 * only: the parser folds a labelled histogram's series into one, so the histograms are left out.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface MetricTotals {
  /** Cascades the API accepted (`POST /v1/cascades` answered 202). */
  submitted: number;
  /** Cascades finished, any outcome (`llm_cascade_requests_total`). */
  completed: number;
  outcomes: Record<string, number>;
  costUsd: number;
  baselineUsd: number;
  /** baseline - cost, as the dashboard computes it. */
  savedUsd: number;
  escalationsByCheck: Record<string, number>;
  /** Tokens of the model calls the workers saw answered. */
  tokens: { input: number; output: number };
}

interface Sample {
  labels?: Record<string, string>;
  value?: string;
}

/** Every sample of `name` across the scraped texts. */
function samples(families: ReturnType<typeof parsePrometheusTextFormat>[], name: string): Sample[] {
  return families.flatMap((family) => family.filter((f) => f.name === name).flatMap((f) => f.metrics as Sample[]));
}

function sum(list: Sample[]): number {
  return list.reduce((total, sample) => total + Number(sample.value ?? 0), 0);
}

function sumBy(list: Sample[], label: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const sample of list) {
    const key = sample.labels?.[label] ?? '';
    totals[key] = (totals[key] ?? 0) + Number(sample.value ?? 0);
  }
  return totals;
}

/** Sums each metric over every scraped process (text format, as `/metrics` serves it). */
export function scrapeTotals(texts: readonly string[]): MetricTotals {
  const families = texts.map((text) => parsePrometheusTextFormat(text));
  const requests = samples(families, 'llm_cascade_requests_total');
  const costUsd = sum(samples(families, 'llm_cascade_cost_usd_total'));
  const baselineUsd = sum(samples(families, 'llm_cascade_baseline_cost_usd_total'));
  const tokens = sumBy(samples(families, 'llm_cascade_model_tokens_total'), 'direction');
  return {
    submitted: sum(
      samples(families, 'llm_cascade_http_requests_total').filter(
        (s) => s.labels?.method === 'POST' && s.labels.path === '/v1/cascades' && s.labels.status === '202',
      ),
    ),
    completed: sum(requests),
    outcomes: sumBy(requests, 'outcome'),
    costUsd,
    baselineUsd,
    savedUsd: baselineUsd - costUsd,
    escalationsByCheck: sumBy(samples(families, 'llm_cascade_escalations_total'), 'check'),
    tokens: { input: tokens.input ?? 0, output: tokens.output ?? 0 },
  };
}
