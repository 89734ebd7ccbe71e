import {
  Client,
  InternalConnectionLikeSymbol,
  type ConnectionLike,
  type InternalConnectionLike,
} from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { type FastifyReply } from 'fastify';
import { type Logger } from 'pino';
import { CascadeClient } from '../client/cascade-client';
import { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from '../client/errors';
import { budgetCeiling } from '../core/budget-ceiling';
import { type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
import { idForTenant, qualifiedWorkflowId } from '../core/tenant-workflow-id';
import { RequestValidationError } from '../core/request';
import { type ApiCaller } from './api-caller';
import { unknownModelProblem } from './gateway-models';
import { type CascadeStatus } from './cascade-schemas';

/** Limits of the HTTP API; every one has a default. */
export interface ApiLimits {
  /** Largest accepted request body (default 1 MiB). */
  bodyLimitBytes: number;
  /** How long `POST /v1/cascades?wait=true` waits without `timeoutMs` (default 30 s). */
  defaultWaitMs: number;
  /** The cap on `timeoutMs` (default 120 s). */
  maxWaitMs: number;
  /** How long `/v1/chat/completions` waits for the cascade before answering 504 (default 5 min). */
  chatWaitMs: number;
  /**
   * How often a streamed `/v1/chat/completions`, `/v1/responses` or `/v1/messages` response sends an SSE comment
   * while its cascade runs (default 15 s), so proxies with idle timeouts keep the connection.
   */
  keepAliveMs: number;
  /** Deadline for any other call to Temporal, so a dead server means a 503, not a hung request (default 10 s). */
  temporalTimeoutMs: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyLimitBytes: 1024 * 1024,
  defaultWaitMs: 30_000,
  maxWaitMs: 120_000,
  chatWaitMs: 300_000,
  keepAliveMs: 15_000,
  temporalTimeoutMs: 10_000,
};

/** What a cascade wait ended with. */
export type WaitOutcome =
  | { kind: 'done'; result: CascadeResult }
  | { kind: 'ended'; status: CascadeStatus; message: string }
  | { kind: 'timeout' };

/** A request submitted for a caller: its id as the caller sees it, and as Temporal does. */
export interface CallerSubmission {
  id: string;
  workflowId: string;
  created: boolean;
}

/** What the route handlers share: the clients, the config, the limits. */
export interface ApiContext {
  connection: ConnectionLike;
  namespace: string;
  config: CascadeConfig;
  /** The config models a request may name as its `model` (`api.exposeModels`, resolved). */
  exposedModels: readonly string[];
  cascades: CascadeClient;
  temporal: Client;
  limits: ApiLimits;
  logger: Logger;
  /** Runs Temporal calls under the API's deadline. */
  withTemporal<T>(fn: () => Promise<T>): Promise<T>;
  /** Waits for a cascade's result up to `timeoutMs`; stops early when the HTTP client goes away. */
  waitForResult(id: string, timeoutMs: number, reply: FastifyReply): Promise<WaitOutcome>;
  /** A cascade's current status, lowercased. */
  statusOf(id: string): Promise<CascadeStatus>;
  /**
   * Submits in the caller's tenant: its id namespace, its search attribute, its budget ceiling
   * (the request's `maxCostUsd` lowered to it; the route's is applied in the workflow).
   */
  submitFor(caller: ApiCaller, input: unknown): Promise<CallerSubmission>;
  /**
   * The workflow id a caller means by an id from a URL. Another tenant's, to a caller that is not
   * an admin, is not found (404, as if it did not exist: a 403 would tell that it does).
   */
  workflowIdFor(caller: ApiCaller, id: string): string;
  /** Only an admin's reads span tenants; everyone else's are scoped to their tenant. */
  scopeOf(caller: ApiCaller): { tenant?: string };
  /** A workflow id as the caller sees it (`idForTenant`). */
  idFor(caller: ApiCaller, workflowId: string): string;
  /** A result with its id as the caller sees it. */
  resultFor(caller: ApiCaller, result: CascadeResult): CascadeResult;
  /** Runs Temporal calls under the API's deadline, naming the cascade in its errors by `id`, the caller's id for it. */
  asCaller<T>(id: string, fn: () => Promise<T>): Promise<T>;
}

/** Client errors that name a workflow id, renamed to the id the caller used. */
function renamed(error: unknown, id: string): unknown {
  if (error instanceof CascadeNotFoundError) return new CascadeNotFoundError(id);
  if (error instanceof IdempotencyConflictError) return new IdempotencyConflictError(id);
  return error;
}

/** Whether the SDK can start workflows eagerly over `connection`: only a worker's `NativeConnection` can. */
export function supportsEagerStart(connection: ConnectionLike): boolean {
  return (connection as InternalConnectionLike)[InternalConnectionLikeSymbol]?.supportsEagerStart === true;
}

export function createApiContext(options: {
  connection: ConnectionLike;
  namespace: string;
  config: CascadeConfig;
  exposedModels: readonly string[];
  limits: ApiLimits;
  logger: Logger;
  /** Starts workflows with the caller's trace context, so the workflow's spans join the request's trace. */
  tracing?: boolean;
  /** Payload encryption, the workers' (`cascadeDataConverter`); plain JSON when absent. */
  dataConverter?: DataConverter;
  /** Eager workflow start (see `ApiOptions.eagerStart`). */
  eagerStart?: boolean;
}): ApiContext {
  const { connection, namespace, config, limits } = options;
  // Refused here, at startup, rather than by the SDK on every submit (each one a 500).
  if (options.eagerStart && !supportsEagerStart(connection))
    throw new Error('eagerStart needs the NativeConnection of a worker running in this process (npm start)');
  const temporal = new Client({
    connection,
    namespace,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
  });
  const cascades = new CascadeClient({
    client: temporal,
    taskQueue: config.taskQueue,
    config,
    // The API validates requests against the deployment's config: they run under it (see sendConfig).
    sendConfig: true,
    ...(options.eagerStart ? { eagerStart: true } : {}),
  });
  const withTemporal = <T>(fn: () => Promise<T>): Promise<T> =>
    connection.withDeadline(Date.now() + limits.temporalTimeoutMs, fn);

  const idFor = (caller: ApiCaller, workflowId: string) => idForTenant(caller.tenant, workflowId);
  const asCaller = async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withTemporal(fn);
    } catch (error) {
      throw renamed(error, id);
    }
  };
  return {
    ...options,
    cascades,
    temporal,
    withTemporal,
    idFor,
    scopeOf: (caller) => (caller.admin ? {} : { tenant: caller.tenant }),
    resultFor: (caller, result) => ({ ...result, id: idFor(caller, result.id) }),
    workflowIdFor(caller, id) {
      const target = qualifiedWorkflowId(caller.tenant, id);
      if (!caller.admin && target.tenant !== caller.tenant) throw new CascadeNotFoundError(id);
      return target.workflowId;
    },
    async submitFor(caller, input) {
      const request = cascades.validate(input);
      // A model the API does not expose is refused as an unknown one: whether the config has it is
      // not the caller's business (the drop-in endpoints refuse it earlier, in the same words).
      if (request.model !== undefined && !options.exposedModels.includes(request.model))
        throw new RequestValidationError([unknownModelProblem(request.model, options)]);
      const maxCostUsd = budgetCeiling(request.maxCostUsd, caller.budgetUsd);
      // Only a tenant with a ceiling changes the request: without one it is submitted exactly as sent.
      const bounded = maxCostUsd === request.maxCostUsd ? input : { ...(input as Record<string, unknown>), maxCostUsd };
      const {
        id: workflowId,
        created,
        eagerlyStarted,
      } = await asCaller(request.id ?? '(new)', () => cascades.submit(bounded, { tenant: caller.tenant }));
      // Whether eager start took (it does not when the worker has no free slot): debug only, per new cascade.
      if (options.eagerStart && created)
        options.logger.debug({ workflowId, eagerlyStarted: eagerlyStarted === true }, 'started');
      return { id: idFor(caller, workflowId), workflowId, created };
    },
    asCaller,
    async statusOf(id) {
      const description = await withTemporal(() => temporal.workflow.getHandle(id).describe());
      return description.status.name.toLowerCase() as CascadeStatus;
    },
    async waitForResult(id, timeoutMs, reply) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      // The response closing before it was sent means the caller hung up: stop long-polling for them.
      const onClose = () => abort.abort();
      reply.raw.once('close', onClose);
      try {
        const result = await connection.withAbortSignal(abort.signal, () => cascades.result(id));
        return { kind: 'done', result };
      } catch (error) {
        if (error instanceof CascadeFailedError)
          return { kind: 'ended', status: error.status.toLowerCase() as CascadeStatus, message: error.message };
        if (abort.signal.aborted) return { kind: 'timeout' };
        throw error;
      } finally {
        clearTimeout(timer);
        reply.raw.removeListener('close', onClose);
      }
    },
  };
}
