import { type Client } from '@temporalio/client';
import { listExecutions } from '../client/list-executions';
import { parseDocument } from 'yaml';
import { type CascadeConfig } from '../core/config';
import { costOfUsage, roundUsd } from '../core/cost';
import { type CascadeResult } from '../core/result';
import { queryLiteral } from '../core/search-attributes';
import { readCascadeOutcome } from '../client/cascade-history';
import { mapWithConcurrency } from '../lib/map-with-concurrency';

/**
 * Start tiers learned from history (`cascade tune --from-history`): for each route, how often each
 * tier's answers passed their checks and what a visit to the tier cost, observed in the steps of
 * the cascades that ran; then the start tier that minimises the expected cost of a request. Starting
 * higher never lowers the chance of an accepted answer (every tier's answers face the same checks),
 * so the cheapest expected start at the observed acceptance is the proposal.
 */

/** What one tier of a route did in the window. */
export interface ObservedTier {
  tier: string;
  /** Cascades that got an answer from this tier. */
  answers: number;
  /** Of them, answers that failed a check. */
  rejected: number;
  /** Share of answers that passed every check; absent when the tier was never reached. */
  acceptance?: number;
  /** Mean cost of a visit (every call on the tier: fallbacks, agreement partners); observed, or priced from the route's mean tokens. */
  costUsd: number;
  costFrom: 'observed' | 'priced';
}

export interface RouteProposal {
  route: string;
  /** Completed cascades on the route in the window. */
  samples: number;
  currentStartTier: string;
  tiers: ObservedTier[];
  /** Expected cost of one request for each start tier that can be judged, in ladder order. */
  expectedCostByStart: Array<{ tier: string; costUsd: number }>;
  proposedStartTier: string;
  /** Per request, current minus proposed expected cost (0 when they are the same tier). */
  savingUsdPerRequest: number;
  /** The saving over the window's requests. */
  savingUsd: number;
  /** The saving as a share of the current expected cost. */
  savingShare: number;
  /** Why a route was left alone, when it was. */
  note?: string;
}

export interface StartTierReport {
  query: string;
  /** Completed cascades read. */
  cascades: number;
  routes: RouteProposal[];
}

/** Tiers of a route's ladder a cascade may climb through, cheapest first (config order, the route's own subset and cap). */
function routeLadder(config: CascadeConfig, route: string): string[] {
  const routeConfig = config.routes[route]!;
  const names = config.tiers.map((t) => t.name);
  const max = routeConfig.maxTier ? names.indexOf(routeConfig.maxTier) : names.length - 1;
  const allowed = new Set(routeConfig.tiers ?? names);
  return names.filter((name, i) => i <= max && allowed.has(name));
}

/**
 * Proposes a start tier per route from the results of completed cascades. A route needs
 * `minSamples` of them; one-shot routes (`cascade: false`) have no ladder to learn, and cascades
 * that named their model (`namedModel`) did not take it. Tiers never
 * reached are priced from the route's mean token usage and assumed to accept (an optimistic guess,
 * which makes a higher start look no worse than it could be); tiers below the lowest one reached
 * are not proposed, as nothing is known of their acceptance.
 */
export function proposeStartTiers(
  config: CascadeConfig,
  results: readonly CascadeResult[],
  options: { minSamples: number; query?: string },
): StartTierReport {
  const byRoute = new Map<string, CascadeResult[]>();
  for (const result of results) {
    const route = result.classification.route;
    // A request that named its model did not climb the route's ladder: it says nothing of where to start.
    if (!config.routes[route] || result.namedModel !== undefined) continue;
    byRoute.set(route, [...(byRoute.get(route) ?? []), result]);
  }
  const routes: RouteProposal[] = [];
  for (const [route, runs] of [...byRoute.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const routeConfig = config.routes[route]!;
    const ladder = routeLadder(config, route);
    const current = routeConfig.startTier;
    const base = { route, samples: runs.length, currentStartTier: current };
    const tiers = observeTiers(config, ladder, runs);
    const leaveAlone = (note: string): RouteProposal => ({
      ...base,
      tiers,
      expectedCostByStart: [],
      proposedStartTier: current,
      savingUsdPerRequest: 0,
      savingUsd: 0,
      savingShare: 0,
      note,
    });
    if (runs.length < options.minSamples) {
      routes.push(leaveAlone(`${runs.length} completed cascades, fewer than ${options.minSamples}`));
      continue;
    }
    if (!routeConfig.cascade) {
      routes.push(leaveAlone('one-shot route: no ladder to climb'));
      continue;
    }
    const lowestReached = tiers.findIndex((t) => t.answers > 0);
    if (lowestReached === -1) {
      routes.push(leaveAlone('no answer on any tier'));
      continue;
    }
    const expected = (start: number) => {
      let cost = 0;
      let reach = 1;
      for (let t = start; t < tiers.length; t++) {
        cost += reach * tiers[t]!.costUsd;
        reach *= 1 - (tiers[t]!.acceptance ?? 1);
      }
      return cost;
    };
    const candidates = tiers.map((t, i) => ({ tier: t.tier, index: i })).filter(({ index }) => index >= lowestReached);
    const expectedCostByStart = candidates.map(({ tier, index }) => ({ tier, costUsd: roundUsd(expected(index)) }));
    // Ties go to the cheaper tier: no reason to pay more for the same expected cost.
    const best = candidates.reduce((a, b) => (expected(b.index) < expected(a.index) - 1e-12 ? b : a));
    const currentIndex = ladder.indexOf(current);
    const currentCost = currentIndex >= lowestReached ? expected(currentIndex) : undefined;
    const saving = currentCost === undefined ? 0 : Math.max(0, currentCost - expected(best.index));
    routes.push({
      ...base,
      tiers,
      expectedCostByStart,
      proposedStartTier: best.tier,
      savingUsdPerRequest: roundUsd(saving),
      savingUsd: roundUsd(saving * runs.length),
      savingShare: currentCost ? saving / currentCost : 0,
      ...(currentCost === undefined
        ? { note: `the current start tier ${current} was never reached in the window, so its cost is unknown` }
        : {}),
    });
  }
  return { query: options.query ?? '', cascades: results.length, routes };
}

/** Per tier of the ladder: answers, rejections, and the mean cost of a visit. */
function observeTiers(
  config: CascadeConfig,
  ladder: readonly string[],
  runs: readonly CascadeResult[],
): ObservedTier[] {
  const answerSteps = runs.flatMap((r) => r.steps.filter((s) => s.kind === 'answer' && !s.error));
  const meanTokens = {
    inputTokens: mean(answerSteps.map((s) => s.usage.inputTokens)),
    cachedInputTokens: 0,
    outputTokens: mean(answerSteps.map((s) => s.usage.outputTokens)),
  };
  return ladder.map((tier) => {
    let answers = 0;
    let rejected = 0;
    const visitCosts: number[] = [];
    for (const run of runs) {
      const onTier = run.steps.filter((s) => s.tier === tier && s.kind !== 'classify');
      const answer = onTier.find((s) => s.kind === 'answer' && !s.error);
      if (!answer) continue;
      answers += 1;
      if (answer.checks.some((c) => c.status === 'fail')) rejected += 1;
      visitCosts.push(onTier.reduce((sum, s) => sum + s.costUsd, 0));
    }
    if (answers > 0)
      return {
        tier,
        answers,
        rejected,
        acceptance: (answers - rejected) / answers,
        costUsd: mean(visitCosts),
        costFrom: 'observed' as const,
      };
    const model = config.models[config.tiers.find((t) => t.name === tier)!.model]!;
    return {
      tier,
      answers,
      rejected,
      costUsd: costOfUsage(
        {
          ...meanTokens,
          inputTokens: Math.round(meanTokens.inputTokens),
          outputTokens: Math.round(meanTokens.outputTokens),
        },
        model.pricing,
      ),
      costFrom: 'priced' as const,
    };
  });
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface StartTierHistoryOptions {
  since: Date;
  /** An extra visibility filter, e.g. `TaskQueue = 'prod'`. */
  query?: string;
  /** A route needs this many completed cascades. */
  minSamples: number;
  /** At most this many cascades are read, newest first. */
  limit: number;
  concurrency?: number;
}

/** Reads the results of the completed cascades in the window (newest first, up to `limit`) and proposes start tiers. */
export async function startTiersFromHistory(
  client: Client,
  config: CascadeConfig,
  options: StartTierHistoryOptions,
): Promise<StartTierReport> {
  const parts = [
    `WorkflowType = 'cascade'`,
    `ExecutionStatus = 'Completed'`,
    `StartTime >= ${queryLiteral(options.since.toISOString())}`,
  ];
  if (options.query) parts.push(`(${options.query})`);
  const query = parts.join(' AND ');
  const ids: string[] = [];
  for await (const execution of listExecutions(client, { query })) {
    ids.push(execution.workflowId);
    if (ids.length >= options.limit) break;
  }
  const outcomes = await mapWithConcurrency(ids, options.concurrency ?? 8, (id) => readCascadeOutcome(client, id));
  const results = outcomes.flatMap((o) => (o.state === 'completed' ? [o.result] : []));
  return proposeStartTiers(config, results, { minSamples: options.minSamples, query });
}

/**
 * The config with each route's proposed start tier, comments and layout kept. A changed route's
 * `startTierByComplexity` is removed: it would override the learned start for some requests.
 */
export function startTierConfigYaml(baseYaml: string, report: StartTierReport): string {
  const doc = parseDocument(baseYaml);
  for (const route of report.routes) {
    if (route.proposedStartTier === route.currentStartTier) continue;
    doc.setIn(['routes', route.route, 'startTier'], route.proposedStartTier);
    if (doc.hasIn(['routes', route.route, 'startTierByComplexity']))
      doc.deleteIn(['routes', route.route, 'startTierByComplexity']);
  }
  return doc.toString();
}
