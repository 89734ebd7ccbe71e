import { type FastifyInstance } from 'fastify';
import { type CascadeMetrics } from '../telemetry/cascade-metrics';
import { combinedMetricsText, type SdkMetricsSource } from '../telemetry/sdk-metrics';
import { type RouteTable } from './route-table';

/** What the API's `/metrics` serves: the process's registry and, when a worker runs in the process, the SDK's series. */
export interface ApiMetrics {
  metrics: CascadeMetrics;
  sdk?: SdkMetricsSource;
}

/**
 * `GET /metrics` (Prometheus text format) and one observation per answered request. The path label
 * is the route's pattern (`/v1/cascades/:id`), never the URL, so ids never become label values.
 * Behind the API key like every data route: a scraper sends it as a bearer token.
 */
export function registerMetricsRoute(app: FastifyInstance, routes: RouteTable, api: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    api.metrics.recordHttpRequest({
      method: request.method,
      path: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      durationSeconds: reply.elapsedTime / 1000,
    });
  });
  routes.add('/metrics', {
    async GET(_request, reply) {
      const text = await combinedMetricsText(await api.metrics.registry.metrics(), api.sdk);
      return reply.type(api.metrics.registry.contentType).send(text);
    },
  });
}
