import { type Client } from '@temporalio/client';
import { type CascadeConfig } from '../core/config';
import { CascadeSearchAttributes, queryLiteral } from '../core/search-attributes';
import { CASCADE_WORKFLOW_TYPE } from '../workflows/definitions';

/** How far the cascades of one route climbed, observed in Temporal's visibility store. */
export interface RouteEscalations {
  /** Completed cascades on the route. */
  samples: number;
  /** Index i: the share that escalated at least i times (so reached the i-th rung of their ladder); [0] is 1. */
  reachedAtLeast: number[];
}

export interface ObservedEscalations {
  /** The visibility query the counts were taken over. */
  query: string;
  /** Routes with at least `minSamples` completed cascades. */
  routes: Record<string, RouteEscalations>;
}

export interface EscalationHistoryOptions {
  /** Only cascades started at or after this time. */
  since?: Date;
  /** An extra visibility filter, e.g. `TaskQueue = 'prod'`. */
  query?: string;
  /** A route needs this many completed cascades for its rates to count (default 5). */
  minSamples?: number;
}

/**
 * Escalation rates per route from the search attributes every cascade records (`CascadeRoute`,
 * `CascadeEscalations`): counts only, no history read, so it stays cheap however many cascades ran.
 */
export async function observedEscalations(
  client: Client,
  config: CascadeConfig,
  options: EscalationHistoryOptions = {},
): Promise<ObservedEscalations> {
  const parts = [`WorkflowType = ${queryLiteral(CASCADE_WORKFLOW_TYPE)}`, `ExecutionStatus = 'Completed'`];
  if (options.since) parts.push(`StartTime >= ${queryLiteral(options.since.toISOString())}`);
  if (options.query) parts.push(`(${options.query})`);
  const query = parts.join(' AND ');
  const minSamples = options.minSamples ?? 5;
  const routes: Record<string, RouteEscalations> = {};
  for (const route of Object.keys(config.routes)) {
    const onRoute = `${query} AND ${CascadeSearchAttributes.route.name} = ${queryLiteral(route)}`;
    const samples = (await client.workflow.count(onRoute)).count;
    if (samples < minSamples) continue;
    const reachedAtLeast = [1];
    for (let i = 1; i < config.tiers.length; i++) {
      const climbed = (
        await client.workflow.count(`${onRoute} AND ${CascadeSearchAttributes.escalations.name} >= ${i}`)
      ).count;
      reachedAtLeast.push(climbed / samples);
      if (climbed === 0) break;
    }
    routes[route] = { samples, reachedAtLeast };
  }
  return { query, routes };
}
