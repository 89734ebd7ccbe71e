import { type Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { failedCall, type CallOutcome } from '../core/cascade-run';
import { type CascadeResult } from '../core/result';
import {
  CASCADE_WORKFLOW_TYPE,
  type CallModelInput,
  type CallModelOutput,
  type CascadeWorkflowInput,
} from '../workflows/definitions';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type ProtoPayload = temporal.api.common.v1.IPayload;
type StartedAttributes = temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes;

/** One cascade execution, as visibility lists it. */
export interface CascadeExecution {
  workflowId: string;
  runId?: string;
}

/** A model call recorded in a cascade's history: what was asked and what came back (after Temporal's retries). */
export interface RecordedCall {
  input: CallModelInput;
  outcome: CallOutcome;
}

/** What a past cascade's history holds that reprocessing and the what-if need. */
export interface CascadeHistory {
  workflowId: string;
  runId: string;
  input: CascadeWorkflowInput;
  /** Finished model calls in the order they were scheduled. */
  calls: RecordedCall[];
  /** The result, when the cascade completed. */
  result?: CascadeResult;
}

async function decode<T>(client: Client, payloads: ProtoPayload[] | null | undefined): Promise<T> {
  return decodeFromPayloadsAtIndex<T>(client.options.loadedDataConverter, 0, payloads);
}

async function* historyEvents(
  client: Client,
  execution: CascadeExecution,
  pageSize?: number,
): AsyncGenerator<HistoryEvent> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId: execution.workflowId, ...(execution.runId ? { runId: execution.runId } : {}) },
      ...(pageSize ? { maximumPageSize: pageSize } : {}),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const event of page.history?.events ?? []) yield event;
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}

/** The input of a start event, refusing any workflow but a cascade. */
async function startInput(
  client: Client,
  execution: CascadeExecution,
  started: StartedAttributes,
): Promise<CascadeWorkflowInput> {
  if (started.workflowType?.name !== CASCADE_WORKFLOW_TYPE)
    throw new Error(`${execution.workflowId} is a ${started.workflowType?.name ?? 'unknown'} workflow, not a cascade`);
  return decode<CascadeWorkflowInput>(client, started.input?.payloads);
}

/** The input a cascade was started with (request and optional config), from its first history event only. */
export async function readCascadeInput(client: Client, execution: CascadeExecution): Promise<CascadeWorkflowInput> {
  for await (const event of historyEvents(client, execution, 1)) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (!started) break;
    return startInput(client, execution, started);
  }
  throw new Error(`${execution.workflowId}: history has no start event`);
}

/**
 * Reads a cascade's whole history: its input, every finished `callModel` call with its answer or
 * its final failure (mapped exactly as the workflow maps it), and its result.
 */
export async function readCascadeHistory(client: Client, execution: CascadeExecution): Promise<CascadeHistory> {
  let input: CascadeWorkflowInput | undefined;
  let runId = execution.runId ?? '';
  let result: CascadeResult | undefined;
  const scheduled = new Map<string, CallModelInput>();
  const order: string[] = [];
  const outcomes = new Map<string, CallOutcome>();
  for await (const event of historyEvents(client, execution)) {
    const id = String(event.eventId ?? '');
    if (event.workflowExecutionStartedEventAttributes) {
      const started = event.workflowExecutionStartedEventAttributes;
      input = await startInput(client, execution, started);
      runId ||= started.originalExecutionRunId ?? '';
    } else if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel') {
      scheduled.set(
        id,
        await decode<CallModelInput>(client, event.activityTaskScheduledEventAttributes.input?.payloads),
      );
      order.push(id);
    } else if (event.activityTaskCompletedEventAttributes) {
      const attributes = event.activityTaskCompletedEventAttributes;
      const key = String(attributes.scheduledEventId ?? '');
      if (scheduled.has(key))
        outcomes.set(key, { output: await decode<CallModelOutput>(client, attributes.result?.payloads) });
    } else if (event.activityTaskFailedEventAttributes) {
      const attributes = event.activityTaskFailedEventAttributes;
      const key = String(attributes.scheduledEventId ?? '');
      const failure = attributes.failure;
      // As the workflow sees it: the ApplicationFailure's type, or `timeout` for a failure without one.
      if (scheduled.has(key))
        outcomes.set(
          key,
          failedCall(failure?.applicationFailureInfo?.type || 'timeout', failure?.message ?? 'activity failed'),
        );
    } else if (event.activityTaskTimedOutEventAttributes) {
      const attributes = event.activityTaskTimedOutEventAttributes;
      const key = String(attributes.scheduledEventId ?? '');
      // The workflow sees a TimeoutFailure here, never an ApplicationFailure: always `timeout`.
      if (scheduled.has(key))
        outcomes.set(key, failedCall('timeout', attributes.failure?.message ?? 'activity timed out'));
    } else if (event.workflowExecutionCompletedEventAttributes) {
      result = await decode<CascadeResult>(client, event.workflowExecutionCompletedEventAttributes.result?.payloads);
    }
  }
  if (!input) throw new Error(`${execution.workflowId}: history has no start event`);
  const calls = order.flatMap((id) => {
    const outcome = outcomes.get(id);
    return outcome ? [{ input: scheduled.get(id)!, outcome }] : [];
  });
  return { workflowId: execution.workflowId, runId, input, calls, ...(result ? { result } : {}) };
}

/** Where a cascade stands, read from its close event alone (no waiting). */
export type CascadeOutcome =
  | { state: 'completed'; result: CascadeResult }
  | { state: 'failed' | 'cancelled' | 'terminated' | 'timed_out'; error: string }
  /** Completed, but its result cannot be decoded here (encrypted under a key this client does not hold). */
  | { state: 'unreadable'; error: string }
  | { state: 'running' }
  | { state: 'not_found' };

/** The latest run's close event of a cascade, if it has closed: one cheap call, never a wait. */
export async function readCascadeOutcome(client: Client, workflowId: string): Promise<CascadeOutcome> {
  let page;
  try {
    page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId },
      historyEventFilterType: HISTORY_EVENT_FILTER_CLOSE_EVENT,
      waitNewEvent: false,
    });
  } catch (error) {
    if ((error as { code?: number }).code === GRPC_NOT_FOUND) return { state: 'not_found' };
    throw error;
  }
  const event = page.history?.events?.[0];
  if (!event) return { state: 'running' };
  if (event.workflowExecutionCompletedEventAttributes) {
    let result: CascadeResult;
    try {
      result = await decode<CascadeResult>(client, event.workflowExecutionCompletedEventAttributes.result?.payloads);
    } catch (error) {
      // One cascade this client cannot decrypt must not stop a report or a tune over the others.
      return { state: 'unreadable', error: `its result cannot be decoded: ${(error as Error).message}` };
    }
    return { state: 'completed', result };
  }
  if (event.workflowExecutionFailedEventAttributes)
    return { state: 'failed', error: failureText(event.workflowExecutionFailedEventAttributes.failure) };
  if (event.workflowExecutionCanceledEventAttributes) return { state: 'cancelled', error: 'the cascade was cancelled' };
  if (event.workflowExecutionTerminatedEventAttributes) {
    const reason = event.workflowExecutionTerminatedEventAttributes.reason;
    return { state: 'terminated', error: `the cascade was terminated${reason ? `: ${reason}` : ''}` };
  }
  if (event.workflowExecutionTimedOutEventAttributes) return { state: 'timed_out', error: 'the cascade timed out' };
  return { state: 'running' };
}

const HISTORY_EVENT_FILTER_CLOSE_EVENT =
  temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
/** gRPC's NOT_FOUND status: no execution has this id. */
const GRPC_NOT_FOUND = 5;

function failureText(failure: temporal.api.failure.v1.IFailure | null | undefined): string {
  const parts: string[] = [];
  for (let current = failure; current; current = current.cause) if (current.message) parts.push(current.message);
  return parts.join(': ') || 'the cascade failed';
}
