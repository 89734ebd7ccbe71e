import { Client, type Connection } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { type FastifyReply } from 'fastify';
import { type Logger } from 'pino';
import { CascadeClient } from '../client/cascade-client';
import { CascadeFailedError } from '../client/errors';
import { type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
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
  /** Deadline for any other call to Temporal, so a dead server means a 503, not a hung request (default 10 s). */
  temporalTimeoutMs: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyLimitBytes: 1024 * 1024,
  defaultWaitMs: 30_000,
  maxWaitMs: 120_000,
  chatWaitMs: 300_000,
  temporalTimeoutMs: 10_000,
};

/** What a cascade wait ended with. */
export type WaitOutcome =
  | { kind: 'done'; result: CascadeResult }
  | { kind: 'ended'; status: CascadeStatus; message: string }
  | { kind: 'timeout' };

/** What the route handlers share: the clients, the config, the limits. */
export interface ApiContext {
  connection: Connection;
  namespace: string;
  config: CascadeConfig;
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
}

export function createApiContext(options: {
  connection: Connection;
  namespace: string;
  config: CascadeConfig;
  limits: ApiLimits;
  logger: Logger;
  /** Starts workflows with the caller's trace context, so the workflow's spans join the request's trace. */
  tracing?: boolean;
  /** Payload encryption, the workers' (`cascadeDataConverter`); plain JSON when absent. */
  dataConverter?: DataConverter;
}): ApiContext {
  const { connection, namespace, config, limits } = options;
  const temporal = new Client({
    connection,
    namespace,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
  });
  const cascades = new CascadeClient({ client: temporal, taskQueue: config.taskQueue, config });
  const withTemporal = <T>(fn: () => Promise<T>): Promise<T> =>
    connection.withDeadline(Date.now() + limits.temporalTimeoutMs, fn);

  return {
    ...options,
    cascades,
    temporal,
    withTemporal,
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
