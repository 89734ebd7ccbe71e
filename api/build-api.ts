import { randomUUID } from 'node:crypto';
import { type ConnectionLike } from '@temporalio/client';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { type Logger } from 'pino';
import { AesGcmPayloadCodec } from '../client/aes-gcm-payload-codec';
import { type CodecKey } from '../client/codec-keys';
import { type CascadeConfig } from '../core/config';
import { exposedModels } from '../core/exposed-models';
import { DEFAULT_TENANT } from '../core/tenant-workflow-id';
import { packageVersion } from '../lib/project-root';
import { createApiContext, DEFAULT_API_LIMITS, type ApiLimits } from './api-context';
import { ApiError, errorBody, toApiError, type ErrorDialect } from './api-error';
import { type ApiAccessConfig } from '../core/api-access-config';
import { keylessCaller, setCaller } from './api-caller';
import { createApiKeyCheck, hostnameOf, isLoopbackHost, resolveApiKeys } from './bearer-auth';
import { createCodecAccess, DEFAULT_CODEC_CORS_ORIGINS } from './codec-access';
import { registerCodecRoutes } from './codec-routes';
import { RateLimiter } from './rate-limiter';
import { registerCascadeRoutes } from './cascade-routes';
import { CHAT_COMPLETIONS_PATH, registerChatCompletionRoutes } from './chat-completion-routes';
import { registerHealthRoutes } from './health-routes';
import { registerMetricsRoute, type ApiMetrics } from './metrics-route';
import { MESSAGES_PATH, registerMessagesRoutes } from './messages-routes';
import { MODELS_PATH, registerModelRoutes } from './model-routes';
import { registerResponsesRoutes, RESPONSES_PATH } from './responses-routes';
import { registerHttpTracing } from '../telemetry/http-tracing';
import { type Tracing } from '../telemetry/tracing';
import { buildOpenApiDocument } from './openapi-document';
import { RouteTable } from './route-table';

/** What the HTTP API needs. */
export interface ApiOptions {
  /**
   * A connected Temporal connection; the API does not close it. A client `Connection`, or, when a
   * worker runs in the same process (npm start), that worker's `NativeConnection`, which is what
   * eager workflow start needs.
   */
  connection: ConnectionLike;
  /**
   * Start cascades with eager workflow start: the first workflow task comes back in the start
   * call's answer to the worker sharing `connection` (same namespace, task queue `config.taskQueue`),
   * one trip through the matching service fewer. Requires `connection` to be that worker's
   * `NativeConnection` (refused at startup otherwise); never for an API process of its own.
   */
  eagerStart?: boolean;
  namespace: string;
  /** The config the workers run: its task queue, and the routes a request may name. */
  config: CascadeConfig;
  logger: Logger;
  /**
   * Bearer keys of the default tenant (`LLM_CASCADE_API_KEYS`). With none here nor in `access.keys`
   * there is no authentication: callers must keep such a server on loopback, and it answers only
   * requests addressed to a loopback name (421 otherwise: DNS rebinding).
   */
  apiKeys?: readonly string[];
  /** The config's `api` section: keys with their tenants and roles, tenants' budgets, rate limits. */
  access?: ApiAccessConfig;
  /** Where `access.keys[].keyEnv` are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  limits?: Partial<ApiLimits>;
  /** Serves `/metrics` and counts requests; without it there is no `/metrics`. */
  metrics?: ApiMetrics;
  /** Traces each request into the workflows it starts; off when absent. */
  tracing?: Tracing;
  /**
   * Payload encryption keys (the workers' `LLM_CASCADE_CODEC_KEYS`): the API's client encrypts with
   * them and `/codec/encode`, `/codec/decode` serve the Temporal UI. Plain payloads and no codec
   * server when absent or empty.
   */
  codecKeys?: readonly CodecKey[];
  /** Who may use the codec server; without any, it refuses everyone. */
  operatorKeys?: readonly string[];
  /** Browser origins allowed to call the codec server (default the Temporal UI on localhost:8233). */
  codecCorsOrigins?: readonly string[];
}

/** An incoming `x-request-id` kept as the request id: up to 128 of A-Z a-z 0-9 . _ : - ; anything else gets a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : randomUUID();
}

function dialectOf(request: FastifyRequest): ErrorDialect {
  if (request.url.startsWith(CHAT_COMPLETIONS_PATH)) return 'openai';
  if (request.url.startsWith(MESSAGES_PATH)) return 'anthropic';
  if (request.url.startsWith(RESPONSES_PATH)) return 'openai';
  // The models list answers both SDKs; Anthropic's sends its version header.
  if (request.url.startsWith(MODELS_PATH)) return request.headers['anthropic-version'] ? 'anthropic' : 'openai';
  return 'cascade';
}

/**
 * Builds the HTTP API as a Fastify instance, without listening: `startApiServer` listens, tests
 * call `inject` or listen on port 0. Every error leaves through one handler that answers in the
 * endpoint's error shape and never shows a 5xx's internals (they go to the log under the request id).
 */
export function buildApi(options: ApiOptions): FastifyInstance {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const logger = options.logger.child({ component: 'api' });

  const sendError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error, limits.bodyLimitBytes);
    if (apiError.status >= 500) request.log.error({ err: error, status: apiError.status }, 'request failed');
    else request.log.debug({ status: apiError.status, code: apiError.code }, apiError.message);
    reply.code(apiError.status).headers(apiError.headers);
    if (apiError.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.send(errorBody(apiError, dialectOf(request), String(request.id)));
  };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    // Ids are up to 200 characters, and percent-encoding can triple that.
    routerOptions: { maxParamLength: 1000 },
    // The caller's x-request-id when it is a plausible id (it is logged and echoed), else a new one.
    genReqId: (request) => requestIdFrom(request.headers['x-request-id']),
    return503OnClosing: true,
    frameworkErrors: (error, request, reply) => {
      void sendError(error, request, reply);
    },
  });

  // JSON is the only body type; anything else is a 415. An empty body parses to `undefined`, so
  // body-less POSTs (cancel) work with or without a Content-Type.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (!error) {
        done(null, value);
        return;
      }
      let problem = 'it holds a "__proto__" or "constructor.prototype" key, which is not accepted';
      try {
        JSON.parse(text);
      } catch (syntax) {
        problem = (syntax as Error).message;
      }
      done(
        new ApiError({ status: 400, code: 'invalid_json', param: 'body', message: `body: invalid JSON: ${problem}` }),
        undefined,
      );
    });
  });

  if (options.tracing) registerHttpTracing(app, options.tracing.tracer);
  const routes = new RouteTable(app);
  const access = options.access ?? { tenants: {}, keys: [] };
  const apiKeys = resolveApiKeys({ envKeys: options.apiKeys ?? [], access, env: options.env ?? process.env });
  const keyed = apiKeys.length > 0;
  const rateLimiter = new RateLimiter();
  if (!keyed) {
    // Keyless means loopback-only, and a browser page from any site can still reach loopback by
    // rebinding its own name to 127.0.0.1: only a request addressed to a loopback name is this API's.
    app.addHook('onRequest', async (request) => {
      const host = hostnameOf(request.headers.host);
      if (host === undefined || !isLoopbackHost(host)) {
        throw new ApiError({
          status: 421,
          code: 'host_not_allowed',
          param: 'headers.host',
          message: `headers.host: ${host === undefined ? 'missing' : JSON.stringify(host.slice(0, 100))} is not a loopback name; the API without keys answers only requests to localhost, 127.0.0.1 or [::1]`,
        });
      }
    });
  }
  const check = createApiKeyCheck(apiKeys);
  const budgetUsd = access.tenants[DEFAULT_TENANT]?.budgetUsd;
  const anonymous = keylessCaller({
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(access.rateLimit ? { rateLimit: access.rateLimit } : {}),
  });
  app.addHook('onRequest', async (request) => {
    if (routes.isPublic(request)) return;
    let caller = anonymous;
    if (keyed) {
      // Anthropic's SDK sends its key as x-api-key rather than a bearer token.
      const apiKey = request.headers['x-api-key'];
      const authorization =
        request.headers.authorization ?? (typeof apiKey === 'string' ? `Bearer ${apiKey}` : undefined);
      const verdict = check(authorization);
      if (!verdict.ok) throw new ApiError({ status: 401, code: 'invalid_api_key', message: verdict.reason });
      caller = verdict.caller;
    }
    setCaller(request, caller);
    rateLimiter.admit(caller);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', String(request.id));
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new ApiError({
        status: 404,
        code: 'route_not_found',
        message: `no route ${request.method} ${request.url.split('?')[0]}; routes: ${routes.describe().join(', ')}`,
      }),
      request,
      reply,
    ),
  );

  const codec = options.codecKeys?.length ? new AesGcmPayloadCodec(options.codecKeys) : undefined;
  const context = createApiContext({
    connection: options.connection,
    namespace: options.namespace,
    config: options.config,
    // A bad `api.exposeModels` stops the API here, naming the field (loadServiceConfig checks it first).
    exposedModels: exposedModels(access, options.config),
    limits,
    logger,
    ...(options.tracing ? { tracing: true } : {}),
    ...(codec ? { dataConverter: { payloadCodecs: [codec] } } : {}),
    ...(options.eagerStart ? { eagerStart: true } : {}),
  });
  registerHealthRoutes(routes, context);
  if (codec) {
    registerCodecRoutes(app, routes, {
      codec,
      access: createCodecAccess(options.operatorKeys ?? []),
      corsOrigins: options.codecCorsOrigins ?? DEFAULT_CODEC_CORS_ORIGINS,
    });
  }
  if (options.metrics) registerMetricsRoute(app, routes, options.metrics);
  registerCascadeRoutes(routes, context);
  registerChatCompletionRoutes(routes, context);
  registerMessagesRoutes(routes, context);
  registerResponsesRoutes(routes, context);
  registerModelRoutes(routes, context);
  const openApi = buildOpenApiDocument({ version: packageVersion(), authRequired: keyed });
  routes.add('/openapi.json', {
    async GET() {
      return openApi;
    },
  });
  return app;
}
