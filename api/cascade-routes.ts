import { type CascadeDescription, type CascadeSummary } from '../client/cascade-client';
import { callerOf, type ApiCaller } from './api-caller';
import { type ApiContext } from './api-context';
import { ApiError, invalidRequest } from './api-error';
import {
  CascadeIdParams,
  ListCascadesQuery,
  NoQuery,
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

function describeResponse(
  description: CascadeDescription,
  caller: ApiCaller,
  context: ApiContext,
): CascadeDescriptionResponse {
  const { status, startTime, closeTime, result, ...rest } = description;
  return {
    ...rest,
    id: context.idFor(caller, description.id),
    ...(result ? { result: context.resultFor(caller, result) } : {}),
    status: lower(status),
    startTime: startTime.toISOString(),
    ...(closeTime ? { closeTime: closeTime.toISOString() } : {}),
  };
}

function listItem(summary: CascadeSummary, caller: ApiCaller, context: ApiContext): CascadeListItem {
  const { status, startTime, closeTime, ...rest } = summary;
  return {
    ...rest,
    id: context.idFor(caller, summary.id),
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

/**
 * `/v1/cascades`: submit, wait, describe, steps, cancel, list, each within the caller's tenant
 * (an admin's span every tenant). Another tenant's cascade is a 404, never a 403.
 */
export function registerCascadeRoutes(routes: RouteTable, context: ApiContext): void {
  const { cascades, limits, withTemporal } = context;

  routes.add('/v1/cascades', {
    async POST(request, reply) {
      const query = parseQuery(SubmitCascadeQuery, request.query);
      if (request.body === undefined) {
        throw invalidRequest(['body: required: a JSON cascade request, e.g. {"prompt": "..."}']);
      }
      const caller = callerOf(request);
      const input = withIdempotencyKey(request.body, idempotencyKeyFrom(request.headers));
      // Validated (in submitFor) before Temporal is touched: a bad request never starts a workflow.
      const { id, workflowId, created } = await context.submitFor(caller, input);
      annotateCascadeId(workflowId);
      const location = statusUrl(id);
      reply.header('location', location);
      const base = { id, created, statusUrl: location };

      if (query.wait) {
        const timeoutMs = Math.min(query.timeoutMs ?? limits.defaultWaitMs, limits.maxWaitMs);
        const waited = await context.waitForResult(workflowId, timeoutMs, reply);
        if (waited.kind === 'done') {
          const result = context.resultFor(caller, waited.result);
          const body: SubmitCascadeResponse = { ...base, status: 'completed', result };
          return reply.code(200).send(body);
        }
        if (waited.kind === 'ended') {
          const body: SubmitCascadeResponse = { ...base, status: waited.status, error: { message: waited.message } };
          return reply.code(200).send(body);
        }
      }
      const status: CascadeStatus = created ? 'running' : await context.statusOf(workflowId);
      const body: SubmitCascadeResponse = { ...base, status };
      return reply.code(202).send(body);
    },
    async GET(request) {
      const caller = callerOf(request);
      const { status, tenant, ...filter } = parseQuery(ListCascadesQuery, request.query);
      if (tenant !== undefined && !caller.admin && tenant !== caller.tenant) {
        throw new ApiError({
          status: 403,
          code: 'tenant_forbidden',
          param: 'query.tenant',
          message: `query.tenant: only an admin key lists another tenant's cascades; this key's tenant is "${caller.tenant}"`,
        });
      }
      const scope = tenant !== undefined ? { tenant } : context.scopeOf(caller);
      const rows = await withTemporal(() =>
        cascades.list({
          ...filter,
          ...scope,
          ...(status ? { status: status.toUpperCase() as Uppercase<typeof status> } : {}),
        }),
      );
      const body: ListCascadesResponse = { cascades: rows.map((row) => listItem(row, caller, context)) };
      return body;
    },
  });

  routes.add('/v1/cascades/:id', {
    async GET(request) {
      parseQuery(NoQuery, request.query);
      const caller = callerOf(request);
      const { id } = parseInput(CascadeIdParams, request.params);
      const workflowId = context.workflowIdFor(caller, id);
      const description = await context.asCaller(id, () => cascades.describe(workflowId, context.scopeOf(caller)));
      return describeResponse(description, caller, context);
    },
  });

  routes.add('/v1/cascades/:id/steps', {
    async GET(request) {
      parseQuery(NoQuery, request.query);
      const caller = callerOf(request);
      const { id } = parseInput(CascadeIdParams, request.params);
      const workflowId = context.workflowIdFor(caller, id);
      const description = await context.asCaller(id, () => cascades.describe(workflowId, context.scopeOf(caller)));
      const body: CascadeStepsResponse = { id, status: lower(description.status), steps: description.steps };
      return body;
    },
  });

  routes.add('/v1/cascades/:id/cancel', {
    async POST(request, reply) {
      parseQuery(NoQuery, request.query);
      const caller = callerOf(request);
      const { id } = parseInput(CascadeIdParams, request.params);
      const workflowId = context.workflowIdFor(caller, id);
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
      const requested = await context.asCaller(id, () => cascades.cancel(workflowId, context.scopeOf(caller)));
      const status = requested ? 'running' : await context.statusOf(workflowId);
      const body: CancelCascadeResponse = { id, cancelRequested: requested, status };
      return reply.code(requested ? 202 : 200).send(body);
    },
  });
}
