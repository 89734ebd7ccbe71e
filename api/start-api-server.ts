import { type AddressInfo } from 'node:net';
import { type ConnectionLike } from '@temporalio/client';
import { type Logger } from 'pino';
import { type ApiAccessConfig } from '../core/api-access-config';
import { ConfigError, type CascadeConfig } from '../core/config';
import { type ApiLimits } from './api-context';
import { API_KEYS_ENV, apiKeysFromEnv, isLoopbackHost } from './bearer-auth';
import { codecKeysFromEnv, type CodecKey } from '../client/codec-keys';
import { codecCorsOriginsFromEnv, operatorKeysFromEnv } from './codec-access';
import { shutdownGraceMsFromEnv } from '../config/shutdown-grace';
import { buildApi } from './build-api';
import { type ApiMetrics } from './metrics-route';
import { type Tracing } from '../telemetry/tracing';

/** The loopback address the API listens on unless `host` says otherwise. */
export const DEFAULT_API_HOST = '127.0.0.1';

export interface ApiServerOptions {
  /** See `ApiOptions.connection` (build-api.ts). */
  connection: ConnectionLike;
  /** Eager workflow start; see `ApiOptions.eagerStart` (build-api.ts). */
  eagerStart?: boolean;
  namespace: string;
  config: CascadeConfig;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. A non-loopback host requires API keys. */
  host?: string;
  logger: Logger;
  /** Bearer keys of the default tenant; when absent they are read from `LLM_CASCADE_API_KEYS` (comma-separated). */
  apiKeys?: string[];
  /** The config's `api` section: tenants, their keys (`keyEnv` read from `env`), budgets, rate limits. */
  access?: ApiAccessConfig;
  /** Limits; without `bodyLimitBytes`, `LLM_CASCADE_API_BODY_LIMIT` (bytes) or 1 MiB. */
  limits?: Partial<ApiLimits>;
  /** Where keys and limits are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /**
   * How long `close()` waits for requests in flight (callers waiting on a cascade) before cutting
   * them; default `LLM_CASCADE_SHUTDOWN_GRACE_MS`, else the longest model timeout plus 5 s.
   */
  drainTimeoutMs?: number;
  /** Serves `/metrics` (see build-api.ts). */
  metrics?: ApiMetrics;
  /** Traces requests (see build-api.ts). */
  tracing?: Tracing;
  /** Payload encryption keys; when absent, from `LLM_CASCADE_CODEC_KEYS` (see build-api.ts). */
  codecKeys?: readonly CodecKey[];
  /** Codec server callers; when absent, from `LLM_CASCADE_OPERATOR_KEYS`. */
  operatorKeys?: readonly string[];
}

/** A listening API. */
export interface ApiServer {
  /** e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Set when the API runs without authentication, saying so and what keeps it safe. */
  authNotice?: string;
  /** Stops accepting requests and waits for those in flight, up to the drain timeout. */
  close(): Promise<void>;
}

/** The environment variable that overrides the body limit, in bytes. */
export const BODY_LIMIT_ENV = 'LLM_CASCADE_API_BODY_LIMIT';

/**
 * The largest body limit the environment may set: a request becomes a workflow's input, one
 * Temporal payload, which the server refuses over 2 MB. A larger limit would accept requests that
 * could never start (they failed with a 500).
 */
export const MAX_BODY_LIMIT_BYTES = 1_572_864;

function bodyLimitFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env[BODY_LIMIT_ENV];
  if (value === undefined || value === '') return undefined;
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || bytes < 1024 || bytes > MAX_BODY_LIMIT_BYTES) {
    throw new ConfigError(
      [
        `${BODY_LIMIT_ENV}: must be a whole number of bytes between 1024 and ${MAX_BODY_LIMIT_BYTES} (a request is one Temporal payload, refused over 2 MB), got "${value}"`,
      ],
      'environment',
    );
  }
  return bytes;
}

/** The environment variable that sets the streamed endpoints' keep-alive interval, in milliseconds. */
export const KEEPALIVE_ENV = 'LLM_CASCADE_SSE_KEEPALIVE_MS';

function keepAliveFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env[KEEPALIVE_ENV];
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 100 || ms > 600_000) {
    throw new ConfigError(
      [`${KEEPALIVE_ENV}: must be a whole number of milliseconds between 100 and 600000, got "${value}"`],
      'environment',
    );
  }
  return ms;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the HTTP API. With no API keys it serves only loopback: a non-loopback `host` is refused
 * at startup (a `ConfigError` naming HOST and the way out), never silently exposed, and
 * `authNotice` says that the API is unauthenticated and local-only.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const env = options.env ?? process.env;
  const host = options.host || DEFAULT_API_HOST;
  const apiKeys = options.apiKeys ?? apiKeysFromEnv(env);
  const bodyLimitBytes = options.limits?.bodyLimitBytes ?? bodyLimitFromEnv(env);
  const keepAliveMs = options.limits?.keepAliveMs ?? keepAliveFromEnv(env);
  const drainTimeoutMs = options.drainTimeoutMs ?? shutdownGraceMsFromEnv(options.config, env);
  const codecKeys = options.codecKeys ?? codecKeysFromEnv(env);
  const operatorKeys = options.operatorKeys ?? operatorKeysFromEnv(env);
  const codecCorsOrigins = codecCorsOriginsFromEnv(env);
  const keyCount = apiKeys.length + (options.access?.keys.length ?? 0);
  if (keyCount === 0 && !isLoopbackHost(host)) {
    throw new ConfigError(
      [
        `HOST: "${host}" is not a loopback address, and no API keys are set: an unauthenticated API listens on loopback only. Set ${API_KEYS_ENV}=<key>[,<key>...] to serve on "${host}", or unset HOST`,
      ],
      'environment',
    );
  }
  const app = buildApi({
    connection: options.connection,
    ...(options.eagerStart ? { eagerStart: true } : {}),
    namespace: options.namespace,
    config: options.config,
    logger: options.logger,
    apiKeys,
    ...(options.access ? { access: options.access } : {}),
    env,
    limits: {
      ...options.limits,
      ...(bodyLimitBytes !== undefined ? { bodyLimitBytes } : {}),
      ...(keepAliveMs !== undefined ? { keepAliveMs } : {}),
    },
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
    codecKeys,
    operatorKeys,
    codecCorsOrigins,
  });
  await app.listen({ port: options.port, host });
  const address = app.server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${address.port}`;
  const authNotice =
    keyCount === 0
      ? `no API keys set (${API_KEYS_ENV}): the API is unauthenticated and listens on loopback (${host}) only`
      : undefined;
  options.logger.info(
    {
      url,
      auth: keyCount > 0 ? `${keyCount} API key(s)` : 'none (loopback only)',
      // Key ids and counts only, never a key.
      encryption: codecKeys.length > 0 ? `AES-256-GCM, key id ${codecKeys[0]!.id}` : 'off',
      codecServer:
        codecKeys.length === 0 ? 'off' : operatorKeys.length > 0 ? `${operatorKeys.length} operator key(s)` : 'closed',
    },
    'HTTP API listening',
  );
  return {
    url,
    ...(authNotice ? { authNotice } : {}),
    // A rolling deploy: new connections are refused and new requests on open ones answered 503
    // (return503OnClosing) while callers already waiting on a cascade get their answer; a caller
    // cut off would retry, and without an Idempotency-Key that starts (and pays for) a second cascade.
    async close() {
      options.logger.info({ drainTimeoutMs }, 'HTTP API stopping: letting requests in flight finish');
      const timer = setTimeout(() => {
        options.logger.warn({ drainTimeoutMs }, 'HTTP API drain timeout: closing the connections still open');
        app.server.closeAllConnections();
      }, drainTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
