import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { ConfigError } from '../core/config';
import { type CascadeMetrics } from './cascade-metrics';
import { combinedMetricsText, type SdkMetricsSource } from './sdk-metrics';

/** Where a worker serves its metrics. */
export const METRICS_ENV = { port: 'LLM_CASCADE_METRICS_PORT', host: 'LLM_CASCADE_METRICS_HOST' } as const;
export const DEFAULT_METRICS_PORT = 9464;

/** The worker's metrics address from the environment: port 9464 on loopback unless set (0: a free port). */
export function metricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const rawPort = env[METRICS_ENV.port]?.trim();
  const port = rawPort === undefined || rawPort === '' ? DEFAULT_METRICS_PORT : Number(rawPort);
  if (rawPort && (!/^\d+$/.test(rawPort) || port > 65535))
    throw new ConfigError(
      [`${METRICS_ENV.port}: must be a port number (0 picks a free one), got "${rawPort}"`],
      'environment',
    );
  return { host: env[METRICS_ENV.host]?.trim() || '127.0.0.1', port };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A worker's metrics endpoint: `GET /metrics` answers the cascade's series and the Temporal SDK's in
 * one Prometheus text document. Workers have no HTTP API, so this small server is all they listen on.
 */
export async function startMetricsServer(options: {
  metrics: CascadeMetrics;
  sdk?: SdkMetricsSource;
  host: string;
  port: number;
}): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    options.metrics.registry
      .metrics()
      .then((text) => combinedMetricsText(text, options.sdk))
      .then(
        (text) => response.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
        (error: unknown) =>
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(
              [
                `${METRICS_ENV.port}: port ${options.port} on ${options.host} is in use; set another (0 picks a free one)`,
              ],
              'environment',
            )
          : error,
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
