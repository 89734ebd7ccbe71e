import { type CascadeDescription, type CascadeSummary } from '../client/cascade-client';
import { type ApiContext } from './api-context';
import { ApiError, invalidRequest } from './api-error';
import {
  CascadeIdParams,
  ListCascadesQuery,
  SubmitCascadeQuery,
  type CancelCascadeResponse,
  type CascadeDescriptionResponse,
  type CascadeListItem,
  type CascadeStatus,
  type CascadeStepsResponse,
  type ListCascadesResponse,
  type SubmitCascadeResponse,
} from './cascade-schemas';
import { idempotencyKeyFrom, parseInput, parseQuery } from './parse-input';
import { type RouteTable } from './route-table';
import { annotateCascadeId } from '../telemetry/http-tracing';

/** Where a cascade's status is read. Ids may hold `/`, so the id is percent-encoded. */
export function statusUrl(id: string): string {
  return `/v1/cascades/${encodeURIComponent(id)}`;
}

function lower(status: string): CascadeStatus {
  return status.toLowerCase() as CascadeStatus;
}

function describeResponse(description: CascadeDescription): CascadeDescriptionResponse {
  const { status, startTime, closeTime, ...rest } = description;
  return {
    ...rest,
    status: lower(status),
    startTime: startTime.toISOString(),
    ...(closeTime ? { closeTime: closeTime.toISOString() } : {}),
  };
}

function listItem(summary: CascadeSummary): CascadeListItem {
  const { status, startTime, closeTime, ...rest } = summary;
  return {
    ...rest,
    status: lower(status),
    startTime: startTime.toISOString(),
    ...(closeTime ? { closeTime: closeTime.toISOString() } : {}),
  };
}

/**
 * The request body with the `Idempotency-Key` header folded in as its id. A body that names a
 * different id is a contradiction the caller must resolve, so it is refused naming both.
 */
export function withIdempotencyKey(body: unknown, key: string | undefined): unknown {
  if (key === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const bodyId = (body as { id?: unknown }).id;
  if (bodyId !== undefined && bodyId !== key) {
    throw invalidRequest([
      `id: the body's id ${JSON.stringify(bodyId)} differs from the Idempotency-Key header "${key}"; send one of them, or the same value in both`,
    ]);
  }
  return { ...body, id: key };
}

/** `/v1/cascades`: submit, wait, describe, steps, cancel, list. */
export function registerCascadeRoutes(routes: RouteTable, context: ApiContext): void {
  const { cascades, limits, withTemporal } = context;

  routes.add('/v1/cascades', {
    async POST(request, reply) {
      const query = parseQuery(SubmitCascadeQuery, request.query);
      if (request.body === undefined) {
        throw invalidRequest(['body: required: a JSON cascade request, e.g. {"prompt": "..."}']);
      }
      const input = withIdempotencyKey(request.body, idempotencyKeyFrom(request.headers));
      // Validated before Temporal is touched: a bad request never starts a workflow.
      cascades.validate(input);
      const { id, created } = await withTemporal(() => cascades.submit(input));
      annotateCascadeId(id);
      const location = statusUrl(id);
      reply.header('location', location);
      const base = { id, created, statusUrl: location };

      if (query.wait) {
        const timeoutMs = Math.min(query.timeoutMs ?? limits.defaultWaitMs, limits.maxWaitMs);
        const waited = await context.waitForResult(id, timeoutMs, reply);
        if (waited.kind === 'done') {
          const body: SubmitCascadeResponse = { ...base, status: 'completed', result: waited.result };
          return reply.code(200).send(body);
        }
        if (waited.kind === 'ended') {
          const body: SubmitCascadeResponse = { ...base, status: waited.status, error: { message: waited.message } };
          return reply.code(200).send(body);
        }
      }
      const status: CascadeStatus = created ? 'running' : await context.statusOf(id);
      const body: SubmitCascadeResponse = { ...base, status };
      return reply.code(202).send(body);
    },
    async GET(request) {
      const { status, ...filter } = parseQuery(ListCascadesQuery, request.query);
      const rows = await withTemporal(() =>
        cascades.list({ ...filter, ...(status ? { status: status.toUpperCase() as Uppercase<typeof status> } : {}) }),
      );
      const body: ListCascadesResponse = { cascades: rows.map(listItem) };
      return body;
    },
  });

  routes.add('/v1/cascades/:id', {
    async GET(request) {
      const { id } = parseInput(CascadeIdParams, request.params);
      return describeResponse(await withTemporal(() => cascades.describe(id)));
    },
  });

  routes.add('/v1/cascades/:id/steps', {
    async GET(request) {
      const { id } = parseInput(CascadeIdParams, request.params);
      const description = await withTemporal(() => cascades.describe(id));
      const body: CascadeStepsResponse = { id, status: lower(description.status), steps: description.steps };
      return body;
    },
  });

  routes.add('/v1/cascades/:id/cancel', {
    async POST(request, reply) {
      const { id } = parseInput(CascadeIdParams, request.params);
      if (
        request.body !== undefined &&
        !(typeof request.body === 'object' && request.body !== null && Object.keys(request.body).length === 0)
      ) {
        throw new ApiError({
          status: 400,
          code: 'invalid_request',
          param: 'body',
          message: 'body: cancel takes no body (send none, or {})',
        });
      }
      const requested = await withTemporal(() => cascades.cancel(id));
      const status = requested ? 'running' : await context.statusOf(id);
      const body: CancelCascadeResponse = { id, cancelRequested: requested, status };
      return reply.code(requested ? 202 : 200).send(body);
    },
  });
}
