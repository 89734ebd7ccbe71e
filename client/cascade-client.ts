import { createHash, randomUUID } from 'node:crypto';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { optionalTsToDate, tsToDate, type SearchAttributePair } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { routeForTaskType } from '../core/cascade-plan';
import { DEFAULT_CASCADE_TIMEOUT_MS, type CascadeConfig } from '../core/config';
import { routeConfigs } from '../core/config-for-route';
import { configHash } from '../core/config-hash';
import { canonicalJson } from '../core/normalize-answer';
import { type CascadeRequest } from '../core/request';
import { type CascadeResult, type Step } from '../core/result';
import { CascadeSearchAttributes, classificationSearchAttributes, queryLiteral } from '../core/search-attributes';
import { DEFAULT_TENANT, tenantWorkflowId } from '../core/tenant-workflow-id';
import type { cascade } from '../workflows/cascade-workflow';
import {
  CASCADE_WORKFLOW_TYPE,
  COMPACT_CASCADE,
  decisionsQuery,
  type CascadeWorkflowInput,
  type DecisionRecord,
} from '../workflows/definitions';
import { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from './errors';
import { validateRequest } from './validate-request';

export { CASCADE_WORKFLOW_TYPE, validateRequest };

/** The execution timeout of a cascade under `config` (the default without one). */
export function cascadeTimeoutMs(config: CascadeConfig | undefined): number {
  return config?.resilience.cascadeTimeoutMs ?? DEFAULT_CASCADE_TIMEOUT_MS;
}

export interface CascadeClientOptions {
  client: Client;
  /** The task queue the workers poll (the config's `taskQueue`). */
  taskQueue: string;
  /** When given, a request's `taskType` must name one of its routes. */
  config?: CascadeConfig;
  /**
   * Run cascades whose request gives its `taskType` under `config` (needs it), sent in their input:
   * the part of it the route decides with and the whole config's hash, exactly what the worker would
   * record from its own config. The cascade then starts without the local activity that fetches
   * the worker's config: one workflow activation and one history event fewer. For a starter that
   * loads the deployment's config file as its workers do (the API, which validates requests against
   * it): the config a request was accepted under is the one it runs under, and the history records
   * it either way. Requests to classify still run under the worker's config, which holds the
   * learned model.
   */
  sendConfig?: boolean;
  /**
   * Start cascades with eager workflow start: the server hands the first workflow task back in the
   * start call's answer, to a worker of this process, saving a trip through the matching service.
   * Only for a `client` built on the `NativeConnection` of a worker running in this process on
   * `taskQueue` (the SDK refuses it on any other connection); when that worker has no free slot the
   * server simply queues the task as usual. Idempotency is unchanged: the start is the same call.
   */
  eagerStart?: boolean;
}

export interface SubmitOptions {
  /** Run under this config instead of the worker's (reprocessing under a new config). */
  config?: CascadeConfig;
  /** Marks the cascade as part of a batch (search attribute `CascadeBatchId`). */
  batchId?: string;
  /**
   * Starts it in this tenant's id namespace (workflow id `<tenant>~<id>`, core/tenant-workflow-id.ts)
   * and records the tenant (search attribute `CascadeTenant`). Absent: a bare id, no tenant recorded.
   */
  tenant?: string;
}

/** Reads only the cascades of one tenant: another tenant's is not found, as if it did not exist. */
export interface TenantScope {
  tenant?: string;
}

export interface Submission {
  /** The workflow id: the request id, prefixed by the tenant when one was given. */
  id: string;
  /** `false` when the id was already taken by the same request: this is the earlier run. */
  created: boolean;
  /** `true` when this submit started the cascade eagerly (its first workflow task came back with the start). */
  eagerlyStarted?: boolean;
}

/** What `describe` and `list` both tell of a cascade: its execution and its labels. */
export interface CascadeLabels {
  id: string;
  status: WorkflowExecutionStatusName;
  startTime: Date;
  closeTime?: Date;
  taskType?: string;
  route?: string;
  outcome?: string;
  /** A short hash of the config it ran under (search attribute `CascadeConfigHash`): which config decided. */
  configHash?: string;
  /** The tenant that started it (search attribute `CascadeTenant`); the default tenant when none was recorded. */
  tenant: string;
}

/** A cascade as `describe` sees it, running or done. */
export interface CascadeDescription extends CascadeLabels {
  escalations: number;
  costUsd: number;
  steps: Step[];
  /** Present once the cascade has completed. */
  result?: CascadeResult;
}

/** Filters for `list`, each optional; they combine with AND. */
export interface CascadeListFilter {
  taskType?: string;
  route?: string;
  outcome?: string;
  escalated?: boolean;
  minEscalations?: number;
  batchId?: string;
  /** Only this tenant's cascades (the default tenant's include those that recorded none). */
  tenant?: string;
  startedAfter?: Date;
  startedBefore?: Date;
  status?: WorkflowExecutionStatusName;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

/** One row of `list`: labels and numbers from the search attributes, no prompt text. */
export interface CascadeSummary extends CascadeLabels {
  finalModel?: string;
  finalTier?: number;
  escalations?: number;
  costUsd?: number;
  savedUsd?: number;
}

/** A fingerprint of the request's content, so a reused id with a different request is caught. */
export function requestFingerprint(request: CascadeRequest): string {
  const { id: _id, ...content } = request;
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}

/** The visibility query for a filter. Values are quoted, so a filter cannot inject query syntax. */
export function listQuery(filter: CascadeListFilter): string {
  const parts = [`WorkflowType = ${queryLiteral(CASCADE_WORKFLOW_TYPE)}`];
  if (filter.taskType) parts.push(`${CascadeSearchAttributes.taskType.name} = ${queryLiteral(filter.taskType)}`);
  if (filter.route) parts.push(`${CascadeSearchAttributes.route.name} = ${queryLiteral(filter.route)}`);
  if (filter.outcome) parts.push(`${CascadeSearchAttributes.outcome.name} = ${queryLiteral(filter.outcome)}`);
  if (filter.batchId) parts.push(`${CascadeSearchAttributes.batchId.name} = ${queryLiteral(filter.batchId)}`);
  if (filter.tenant !== undefined) {
    const tenant = `${CascadeSearchAttributes.tenant.name} = ${queryLiteral(filter.tenant)}`;
    parts.push(
      filter.tenant === DEFAULT_TENANT ? `(${tenant} OR ${CascadeSearchAttributes.tenant.name} IS NULL)` : tenant,
    );
  }
  if (filter.escalated !== undefined)
    parts.push(`${CascadeSearchAttributes.escalations.name} ${filter.escalated ? '>' : '='} 0`);
  if (filter.minEscalations !== undefined)
    parts.push(`${CascadeSearchAttributes.escalations.name} >= ${Math.floor(filter.minEscalations)}`);
  if (filter.startedAfter) parts.push(`StartTime >= ${queryLiteral(filter.startedAfter.toISOString())}`);
  if (filter.startedBefore) parts.push(`StartTime < ${queryLiteral(filter.startedBefore.toISOString())}`);
  if (filter.status) parts.push(`ExecutionStatus = ${queryLiteral(titleCase(filter.status))}`);
  return parts.join(' AND ');
}

function titleCase(status: string): string {
  return status
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The TypeScript client for llm-cascade, over `@temporalio/client`. The request id is the workflow
 * id: submitting the same id again never starts a second run, it returns the first one. Input is
 * validated before anything starts; a bad request throws `RequestValidationError` naming each field.
 */
export class CascadeClient {
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly config: CascadeConfig | undefined;
  private readonly eagerStart: boolean;
  /** With `sendConfig`: the config, its route's part made once per route, and its hash. */
  private readonly sent:
    { config: CascadeConfig; configFor: (route: string) => CascadeConfig; configHash: string } | undefined;

  constructor(options: CascadeClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.config = options.config;
    this.eagerStart = options.eagerStart ?? false;
    if (options.sendConfig && !options.config) throw new TypeError('sendConfig needs the config to send (config)');
    this.sent =
      options.sendConfig && options.config
        ? { config: options.config, configFor: routeConfigs(options.config), configHash: configHash(options.config) }
        : undefined;
  }

  /**
   * What a cascade's input says about its config (the one to reprocess under, this client's, or
   * none: the worker's), and the search attributes it starts with when this client's config decides.
   */
  private configInput(
    request: CascadeRequest,
    config: CascadeConfig | undefined,
  ): { input: Partial<CascadeWorkflowInput>; searchAttributes: SearchAttributePair[] } {
    if (config) return { input: { config }, searchAttributes: [] };
    if (!this.sent || request.taskType === undefined) return { input: {}, searchAttributes: [] };
    const route = routeForTaskType(request.taskType, this.sent.config);
    return {
      input: { config: this.sent.configFor(route), configHash: this.sent.configHash },
      // The workflow would set these at its start from the same config; set here, they save it an update.
      searchAttributes: classificationSearchAttributes(request.taskType, route, this.sent.configHash),
    };
  }

  /** Validates untrusted input into a request: schema, JSON Schema validity and (with a config) the route. */
  validate(input: unknown, config: CascadeConfig | undefined = this.config): CascadeRequest {
    return validateRequest(input, config);
  }

  /** Enqueues a request and returns its id at once. */
  async submit(input: unknown, options: SubmitOptions = {}): Promise<Submission> {
    const parsed = this.validate(input, options.config ?? this.config);
    const request: CascadeRequest = { ...parsed, id: parsed.id ?? `req-${randomUUID()}` };
    const id = options.tenant === undefined ? request.id! : tenantWorkflowId(options.tenant, request.id!);
    const fingerprint = requestFingerprint(request);
    const sent = this.configInput(request, options.config);
    const searchAttributes: SearchAttributePair[] = [
      ...sent.searchAttributes,
      ...(options.batchId ? [{ key: CascadeSearchAttributes.batchId, value: options.batchId }] : []),
      ...(options.tenant !== undefined ? [{ key: CascadeSearchAttributes.tenant, value: options.tenant }] : []),
    ];
    try {
      const handle = await this.client.workflow.start<typeof cascade>(CASCADE_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: this.taskQueue,
        args: [{ request, ...sent.input, shape: COMPACT_CASCADE }],
        // Any earlier run with this id, running or closed, makes the start fail; we then attach to it.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // No cascade runs forever, whatever it waits on.
        workflowExecutionTimeout: cascadeTimeoutMs(options.config ?? this.config),
        memo: { requestFingerprint: fingerprint },
        staticSummary: `cascade ${id}${request.taskType ? ` · ${request.taskType}` : ''}`,
        ...(searchAttributes.length > 0 ? { typedSearchAttributes: searchAttributes } : {}),
        ...(this.eagerStart ? { requestEagerStart: true } : {}),
      });
      return { id, created: true, ...(handle.eagerlyStarted ? { eagerlyStarted: true } : {}) };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const existing = await this.client.workflow.getHandle(id).describe();
      if (existing.memo?.requestFingerprint !== fingerprint) throw new IdempotencyConflictError(id);
      return { id, created: false };
    }
  }

  /** Waits for a cascade's result. */
  async result(id: string): Promise<CascadeResult> {
    try {
      return await this.client.workflow.getHandle<typeof cascade>(id).result();
    } catch (error) {
      throw this.translate(id, error);
    }
  }

  /** Submits and waits. */
  async run(input: unknown, options: SubmitOptions = {}): Promise<CascadeResult> {
    const { id } = await this.submit(input, options);
    return this.result(id);
  }

  /** Status, steps so far (live, from the `decisions` query) and cost of a cascade. */
  async describe(id: string, scope: TenantScope = {}): Promise<CascadeDescription> {
    const handle = this.client.workflow.getHandle<typeof cascade>(id);
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      throw this.translate(id, error);
    }
    const attributes = description.typedSearchAttributes;
    const tenant = attributes.get(CascadeSearchAttributes.tenant) ?? DEFAULT_TENANT;
    if (scope.tenant !== undefined && tenant !== scope.tenant) throw new CascadeNotFoundError(id);
    const base = {
      id,
      status: description.status.name,
      startTime: description.startTime,
      ...(description.closeTime ? { closeTime: description.closeTime } : {}),
    };
    const labels = {
      ...optional('taskType', attributes.get(CascadeSearchAttributes.taskType)),
      ...optional('route', attributes.get(CascadeSearchAttributes.route)),
      ...optional('outcome', attributes.get(CascadeSearchAttributes.outcome)),
      ...optional('configHash', attributes.get(CascadeSearchAttributes.configHash)),
      tenant,
    };
    if (description.status.name === 'COMPLETED') {
      const result = await handle.result();
      return {
        ...base,
        ...labels,
        escalations: result.escalations,
        costUsd: result.costUsd,
        steps: result.steps,
        result,
      };
    }
    if (description.status.name === 'RUNNING') {
      try {
        const record: DecisionRecord = await handle.query(decisionsQuery);
        return { ...base, ...labels, escalations: record.escalations, costUsd: record.costUsd, steps: record.steps };
      } catch {
        // No worker is polling right now: the query cannot be answered, but the search attributes can.
      }
    }
    return {
      ...base,
      ...labels,
      escalations: attributes.get(CascadeSearchAttributes.escalations) ?? 0,
      costUsd: attributes.get(CascadeSearchAttributes.costUsd) ?? 0,
      steps: [],
    };
  }

  /**
   * Requests cancellation; a model call in flight is aborted. Cancelling a finished cascade does
   * nothing. Returns whether a cancellation was requested (`false`: the cascade had already ended).
   */
  async cancel(id: string, scope: TenantScope = {}): Promise<boolean> {
    const handle = this.client.workflow.getHandle(id);
    try {
      const description = await handle.describe();
      const tenant = description.typedSearchAttributes.get(CascadeSearchAttributes.tenant) ?? DEFAULT_TENANT;
      if (scope.tenant !== undefined && tenant !== scope.tenant) throw new CascadeNotFoundError(id);
      if (description.status.name !== 'RUNNING') return false;
      await handle.cancel();
      return true;
    } catch (error) {
      throw this.translate(id, error);
    }
  }

  /**
   * Cascades matching a filter, newest first, from Temporal's visibility store. Reads the
   * visibility rows directly rather than through `client.workflow.list`, which decodes every row's
   * memo: one memo this client cannot decode (encrypted under a key it does not hold, say a key
   * retired from rotation) would fail the whole list, and a list needs only the search attributes.
   */
  async list(filter: CascadeListFilter = {}): Promise<CascadeSummary[]> {
    const limit = filter.limit ?? 100;
    const rows: CascadeSummary[] = [];
    let nextPageToken: Uint8Array = new Uint8Array();
    do {
      let response: Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>;
      try {
        response = await this.client.workflowService.listWorkflowExecutions({
          namespace: this.client.options.namespace,
          query: listQuery(filter),
          pageSize: Math.min(limit, 1000),
          nextPageToken,
        });
      } catch (error) {
        // As the SDK's own list wraps it, so callers tell an unreachable server the same way.
        throw isGrpcServiceError(error) ? new ServiceError('Failed to list workflows', { cause: error }) : error;
      }
      for (const execution of response.executions) {
        const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
        const closeTime = optionalTsToDate(execution.closeTime);
        rows.push({
          id: execution.execution?.workflowId ?? '',
          status: STATUS_NAMES[execution.status ?? 0] ?? 'UNKNOWN',
          startTime: tsToDate(execution.startTime!),
          ...(closeTime ? { closeTime } : {}),
          ...optional('taskType', attributes.get(CascadeSearchAttributes.taskType)),
          ...optional('route', attributes.get(CascadeSearchAttributes.route)),
          ...optional('outcome', attributes.get(CascadeSearchAttributes.outcome)),
          ...optional('configHash', attributes.get(CascadeSearchAttributes.configHash)),
          tenant: attributes.get(CascadeSearchAttributes.tenant) ?? DEFAULT_TENANT,
          ...optional('finalModel', attributes.get(CascadeSearchAttributes.finalModel)),
          ...optional('finalTier', attributes.get(CascadeSearchAttributes.finalTier)),
          ...optional('escalations', attributes.get(CascadeSearchAttributes.escalations)),
          ...optional('costUsd', attributes.get(CascadeSearchAttributes.costUsd)),
          ...optional('savedUsd', attributes.get(CascadeSearchAttributes.savedUsd)),
        });
        if (rows.length >= limit) return rows;
      }
      nextPageToken = response.nextPageToken;
    } while (nextPageToken.length > 0);
    return rows;
  }

  /** How many cascades match a filter. */
  async count(filter: CascadeListFilter = {}): Promise<number> {
    return (await this.client.workflow.count(listQuery(filter))).count;
  }

  private translate(id: string, error: unknown): Error {
    if (error instanceof WorkflowNotFoundError) return new CascadeNotFoundError(id);
    if (error instanceof WorkflowFailedError) {
      const status =
        error.cause?.name === 'CancelledFailure'
          ? 'CANCELLED'
          : error.cause?.name === 'TerminatedFailure'
            ? 'TERMINATED'
            : 'FAILED';
      return new CascadeFailedError(id, status, error.cause?.message ?? error.message);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Temporal's `WorkflowExecutionStatus` codes (temporal/api/enums/v1/workflow.proto) by the names the
 * SDK gives them, as `client.workflow.list` reports them.
 */
const STATUS_NAMES: Readonly<Record<number, WorkflowExecutionStatusName>> = {
  0: 'UNSPECIFIED',
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
  8: 'PAUSED',
};
