import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { type CascadeTelemetry } from '../core/cascade-telemetry';
import { type CascadeConfig } from '../core/config';
import { ProviderErrorType } from '../core/provider-errors';

/**
 * The cascade's Prometheus metrics, in one prom-client registry per process (the API's and the
 * worker's series share it when both run in one process). Names follow Prometheus conventions:
 * `llm_cascade_` prefix, `_total` counters, base units (`_seconds`, `_usd`). Every label takes a
 * value from a bounded set: config names (routes, models, tiers, checks), enums (outcomes, error
 * kinds, classifier sources), route patterns; never a request id, a tenant or any text of a prompt.
 *
 * Savings can be negative (an escalated request may cost more than the baseline), and a counter
 * may only grow, so savings are exported as two counters: the cascades' cost and what the
 * baseline would have cost, with the same labels. Saved = baseline - cost, e.g.
 * `sum(rate(llm_cascade_baseline_cost_usd_total[1h])) - sum(rate(llm_cascade_cost_usd_total[1h]))`.
 */
export class CascadeMetrics {
  readonly registry: Registry;
  private readonly requests: Counter;
  private readonly requestDuration: Histogram;
  private readonly classifications: Counter;
  private readonly escalations: Counter;
  private readonly modelCost: Counter;
  private readonly cost: Counter;
  private readonly baselineCost: Counter;
  private readonly modelCallDuration: Histogram;
  private readonly modelCallErrors: Counter;
  private readonly modelTokens: Counter;
  private readonly httpRequests: Counter;
  private readonly httpDuration: Histogram;

  constructor(options: { registry?: Registry; processMetrics?: boolean } = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    // Process CPU, memory, event loop lag, GC: `process_*` and `nodejs_*`.
    if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
    const registers = [registry];

    this.requests = new Counter({
      name: 'llm_cascade_requests_total',
      help: 'Cascades finished, by route, task type, outcome (accepted, exhausted, over_budget, failed, cancelled) and final model ("none" without an answer).',
      labelNames: ['route', 'task_type', 'outcome', 'final_model'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'llm_cascade_request_duration_seconds',
      help: 'From the start of a cascade to its end, by route and outcome.',
      labelNames: ['route', 'outcome'],
      buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900],
      registers,
    });
    this.classifications = new Counter({
      name: 'llm_cascade_classifications_total',
      help: 'How finished cascades got their route: given by the request, the rules, the classifier model, or the default route.',
      labelNames: ['source', 'route'],
      registers,
    });
    this.escalations = new Counter({
      name: 'llm_cascade_escalations_total',
      help: 'Escalations, by route, the tier left and why: its first failed check, or the error that made it climb.',
      labelNames: ['route', 'tier', 'check'],
      registers,
    });
    this.modelCost = new Counter({
      name: 'llm_cascade_model_cost_usd_total',
      help: 'What finished cascades spent on each model, by model and tier (classifier calls on tier "classifier").',
      labelNames: ['model', 'tier'],
      registers,
    });
    this.cost = new Counter({
      name: 'llm_cascade_cost_usd_total',
      help: 'What finished cascades cost in total, by route and where they ended (final model and tier).',
      labelNames: ['route', 'final_model', 'final_tier'],
      registers,
    });
    this.baselineCost = new Counter({
      name: 'llm_cascade_baseline_cost_usd_total',
      help: 'What the same cascades would have cost on the baseline model alone; saved = this - llm_cascade_cost_usd_total.',
      labelNames: ['route', 'final_model', 'final_tier'],
      registers,
    });
    this.modelCallDuration = new Histogram({
      name: 'llm_cascade_model_call_duration_seconds',
      help: 'Model call attempts, each as made (retries included), by model, provider and outcome (ok, error).',
      labelNames: ['model', 'provider', 'outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300],
      registers,
    });
    this.modelCallErrors = new Counter({
      name: 'llm_cascade_model_call_errors_total',
      help: 'Failed model call attempts, by model, provider and error kind (rate_limited, timeout, ...).',
      labelNames: ['model', 'provider', 'kind'],
      registers,
    });
    this.modelTokens = new Counter({
      name: 'llm_cascade_model_tokens_total',
      help: 'Tokens of answered model calls as the provider counted them, by model, provider and direction (input, output).',
      labelNames: ['model', 'provider', 'direction'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'llm_cascade_http_requests_total',
      help: 'HTTP API requests, by method, route pattern ("unmatched" for unknown paths) and status.',
      labelNames: ['method', 'path', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'llm_cascade_http_request_duration_seconds',
      help: 'HTTP API request durations, by method and route pattern (waiting requests last as long as their cascade).',
      labelNames: ['method', 'path'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
  }

  /**
   * Counts one finished cascade. `config` (the one the cascade ran under) bounds the labels: a name
   * it does not know, which only a workflow started around the client's validation could bring, is
   * counted as "other".
   */
  recordCascade(telemetry: CascadeTelemetry, durationSeconds: number, config: CascadeConfig | undefined): void {
    const labels = labelGuard(config);
    const route = labels.route(telemetry.route);
    const finalModel = labels.model(telemetry.finalModel);
    const finalTier = labels.tier(telemetry.finalTier);
    this.requests.inc({
      route,
      task_type: labels.route(telemetry.taskType),
      outcome: telemetry.outcome,
      final_model: finalModel,
    });
    this.requestDuration.observe({ route, outcome: telemetry.outcome }, durationSeconds);
    if (telemetry.classifierSource) this.classifications.inc({ source: telemetry.classifierSource, route });
    for (const escalation of telemetry.escalations)
      this.escalations.inc({ route, tier: labels.tier(escalation.tier), check: labels.check(escalation.check) });
    for (const spend of telemetry.modelCosts)
      if (spend.costUsd > 0)
        this.modelCost.inc({ model: labels.model(spend.model), tier: labels.tier(spend.tier) }, spend.costUsd);
    const where = { route, final_model: finalModel, final_tier: finalTier };
    this.cost.inc(where, telemetry.costUsd);
    this.baselineCost.inc(where, telemetry.baselineUsd);
  }

  /** One model call attempt, answered or failed (`errorKind` set). */
  recordModelCall(call: {
    model: string;
    provider: string;
    durationSeconds: number;
    errorKind?: string;
    usage?: { inputTokens: number; outputTokens: number };
  }): void {
    const { model, provider } = call;
    this.modelCallDuration.observe({ model, provider, outcome: call.errorKind ? 'error' : 'ok' }, call.durationSeconds);
    if (call.errorKind) this.modelCallErrors.inc({ model, provider, kind: call.errorKind });
    if (call.usage) {
      this.modelTokens.inc({ model, provider, direction: 'input' }, call.usage.inputTokens);
      this.modelTokens.inc({ model, provider, direction: 'output' }, call.usage.outputTokens);
    }
  }

  /** One HTTP request the API answered. */
  recordHttpRequest(request: { method: string; path: string; status: number; durationSeconds: number }): void {
    const method = HTTP_METHODS.has(request.method) ? request.method : 'OTHER';
    this.httpRequests.inc({ method, path: request.path, status: String(request.status) });
    this.httpDuration.observe({ method, path: request.path }, request.durationSeconds);
  }
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The error kinds a model call can fail with; anything else is counted as "other". */
export const MODEL_CALL_ERROR_KINDS: ReadonlySet<string> = new Set([...Object.values(ProviderErrorType), 'cancelled']);

/** Label values checked against the config: known names pass, null becomes "none", the rest "other". */
function labelGuard(config: CascadeConfig | undefined) {
  const tiers = new Set([...(config?.tiers.map((tier) => tier.name) ?? []), 'classifier']);
  const checks = new Set([
    'not_empty',
    'not_refusal',
    'json_schema',
    'ground_truth',
    'regex',
    'max_length',
    'agreement',
    ...Object.values(config?.routes ?? {}).flatMap((route) =>
      route.checks.flatMap((check) => (check.type === 'regex' && check.name ? [check.name] : [])),
    ),
    ...MODEL_CALL_ERROR_KINDS,
    'outage',
  ]);
  const guard =
    (known: (name: string) => boolean) =>
    (value: string | null): string =>
      value === null ? 'none' : known(value) ? value : 'other';
  return {
    route: guard((name) => config?.routes[name] !== undefined),
    model: guard((name) => config?.models[name] !== undefined),
    tier: guard((name) => tiers.has(name)),
    check: guard((name) => checks.has(name)),
  };
}
