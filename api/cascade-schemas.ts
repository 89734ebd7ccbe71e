/**
 * The wire types of the `/v1/cascades` endpoints and the health checks: one zod schema per type,
 * the TypeScript type inferred under the same name. Query strings arrive as strings, so their
 * schemas parse text into numbers, booleans and dates.
 */
import { z } from 'zod';
import { BATCH_ID_PATTERN } from '../core/batch';
import { REQUEST_ID_PATTERN } from '../core/request';
import { CascadeResult, Outcome, Step } from '../core/result';
import { TASK_TYPE_PATTERN } from '../core/task-types';
import { TENANT_NAME_PATTERN, TENANT_SEPARATOR } from '../core/tenant-workflow-id';

/** A workflow's execution status, lowercased. */
export const CascadeStatus = z.enum([
  'unspecified',
  'running',
  'completed',
  'failed',
  'cancelled',
  'terminated',
  'continued_as_new',
  'timed_out',
  'paused',
  'unknown',
]);
export type CascadeStatus = z.infer<typeof CascadeStatus>;

const ID_RULE = 'must be 1-200 characters: letters, digits and . _ : / @ -, starting with a letter or digit';

/** A cascade id in a URL: a request id (the caller's tenant's), or `<tenant>~<request id>` (an admin reading another tenant's). */
export const CascadeIdParams = z.strictObject({
  id: z.string().refine((id) => {
    const at = id.indexOf(TENANT_SEPARATOR);
    if (at < 0) return REQUEST_ID_PATTERN.test(id);
    return TENANT_NAME_PATTERN.test(id.slice(0, at)) && REQUEST_ID_PATTERN.test(id.slice(at + 1));
  }, `${ID_RULE}; another tenant's as <tenant>${TENANT_SEPARATOR}<id>`),
});
export type CascadeIdParams = z.infer<typeof CascadeIdParams>;

/** The `Idempotency-Key` header: the request id, so the same rule as an id. */
export const IdempotencyKey = z.string().regex(REQUEST_ID_PATTERN, ID_RULE);
export type IdempotencyKey = z.infer<typeof IdempotencyKey>;

/** The longest query parameter value any endpoint reads (a batch id is 100, a date-time about 30). */
export const MAX_QUERY_VALUE_LENGTH = 200;

/**
 * Every query parameter value, before its endpoint's own rules: printable text of bounded length,
 * so that nothing odd (a NUL, a newline) travels on to Temporal's visibility query.
 */
export const QueryValue = z
  .string()
  .max(MAX_QUERY_VALUE_LENGTH, `must be at most ${MAX_QUERY_VALUE_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not hold control characters');

/** An endpoint that takes no query parameters: any given is refused, never ignored. */
export const NoQuery = z.strictObject({});
export type NoQuery = z.infer<typeof NoQuery>;

const BooleanText = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

const WholeNumberText = (what: string) =>
  z
    .string()
    .regex(/^\d{1,10}$/, `must be a whole number${what}`)
    .transform(Number);

const DateText = z
  .string()
  .refine(
    (value) => /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)),
    'must be an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z',
  )
  .transform((value) => new Date(value));

export const SubmitCascadeQuery = z.strictObject({
  /** Wait for the result (up to `timeoutMs`) before answering. */
  wait: BooleanText.optional(),
  /** How long `wait` waits; capped at the server's maximum. */
  timeoutMs: WholeNumberText(' of milliseconds').optional(),
});
export type SubmitCascadeQuery = z.infer<typeof SubmitCascadeQuery>;

export const SubmitCascadeResponse = z.object({
  id: z.string(),
  status: CascadeStatus,
  /** `false` when this id was already submitted with the same request: this is that earlier cascade. */
  created: z.boolean(),
  statusUrl: z.string(),
  /** Present when `wait=true` and the cascade finished in time. */
  result: CascadeResult.optional(),
  /** Present when `wait=true` and the cascade ended without a result (cancelled, terminated, failed). */
  error: z.object({ message: z.string() }).optional(),
});
export type SubmitCascadeResponse = z.infer<typeof SubmitCascadeResponse>;

/** What a description and a list item both tell of a cascade: its execution and its labels. */
const CascadeLabels = z.object({
  id: z.string(),
  status: CascadeStatus,
  startTime: z.iso.datetime(),
  closeTime: z.iso.datetime().optional(),
  taskType: z.string().optional(),
  route: z.string().optional(),
  outcome: z.string().optional(),
  /** A short hash of the config the cascade ran under (search attribute `CascadeConfigHash`). */
  configHash: z.string().optional(),
  /** The tenant that started it (search attribute `CascadeTenant`; `default` when none was recorded). */
  tenant: z.string(),
});

export const CascadeDescriptionResponse = CascadeLabels.extend({
  escalations: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** The steps so far (live while running). */
  steps: z.array(Step),
  /** Present once the cascade completed. */
  result: CascadeResult.optional(),
});
export type CascadeDescriptionResponse = z.infer<typeof CascadeDescriptionResponse>;

export const CascadeStepsResponse = z.object({
  id: z.string(),
  status: CascadeStatus,
  steps: z.array(Step),
});
export type CascadeStepsResponse = z.infer<typeof CascadeStepsResponse>;

export const CancelCascadeResponse = z.object({
  id: z.string(),
  /** `false` when the cascade had already ended: nothing was cancelled. */
  cancelRequested: z.boolean(),
  status: CascadeStatus,
});
export type CancelCascadeResponse = z.infer<typeof CancelCascadeResponse>;

const RouteName = z.string().regex(TASK_TYPE_PATTERN, 'must be a route name: lowercase letters, digits, _ or -');

/** Outcomes a list can filter on: the result's, plus `cancelled`, which the workflow records when cancelled. */
export const ListOutcome = z.enum([...Outcome.options, 'cancelled']);
export type ListOutcome = z.infer<typeof ListOutcome>;

export const MAX_LIST_LIMIT = 1000;

export const ListCascadesQuery = z.strictObject({
  outcome: ListOutcome.optional(),
  taskType: RouteName.optional(),
  route: RouteName.optional(),
  escalated: BooleanText.optional(),
  minEscalations: WholeNumberText('').optional(),
  status: CascadeStatus.exclude(['unspecified']).optional(),
  batchId: z
    .string()
    .regex(BATCH_ID_PATTERN, 'must be a batch id: 1-100 characters, letters, digits and . _ : @ -')
    .optional(),
  /** An admin's filter by tenant; other keys see only their own tenant's cascades. */
  tenant: z.string().regex(TENANT_NAME_PATTERN, 'must be a tenant name: lowercase letters, digits, _ or -').optional(),
  startedAfter: DateText.optional(),
  startedBefore: DateText.optional(),
  limit: WholeNumberText('')
    .pipe(z.number().min(1, 'must be at least 1').max(MAX_LIST_LIMIT, `must be at most ${MAX_LIST_LIMIT}`))
    .optional(),
});
export type ListCascadesQuery = z.infer<typeof ListCascadesQuery>;

/** One cascade in a list: labels and numbers from the search attributes, never prompt text. */
export const CascadeListItem = CascadeLabels.extend({
  finalModel: z.string().optional(),
  finalTier: z.number().int().optional(),
  escalations: z.number().int().optional(),
  costUsd: z.number().optional(),
  savedUsd: z.number().optional(),
});
export type CascadeListItem = z.infer<typeof CascadeListItem>;

export const ListCascadesResponse = z.object({
  cascades: z.array(CascadeListItem),
});
export type ListCascadesResponse = z.infer<typeof ListCascadesResponse>;

export const HealthResponse = z.object({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof HealthResponse>;

export const ReadinessResponse = z.object({
  ready: z.boolean(),
  taskQueue: z.string(),
  temporal: z.enum(['reachable', 'unreachable']),
  /** Workers polling the task queue for workflow tasks and for activity tasks (recently seen by the server). */
  workflowPollers: z.number().int().nonnegative(),
  activityPollers: z.number().int().nonnegative(),
  /** Why the service is not ready. */
  reason: z.string().optional(),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;
