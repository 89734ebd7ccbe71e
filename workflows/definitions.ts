/**
 * The workflows' contract, as in Temporal's samples' `shared.ts`: workflow type names, inputs,
 * queries, signals, and the activities the workflows call. Clients, activities and workflows all
 * import it; it imports only `core/` and Temporal's types, so a client never loads workflow code
 * and activities never import the workflows that call them.
 *
 * Starts and handles are typed with the workflow functions themselves, as types only:
 * `client.workflow.start<typeof cascade>(CASCADE_WORKFLOW_TYPE, ...)`.
 */
import { type QueryDefinition, type SignalDefinition } from '@temporalio/common';
import {
  type BatchCursor,
  type BatchPage,
  type BatchProgress,
  type BatchSource,
  type BatchWorkflowInput,
  type LineOutcome,
} from '../core/batch';
import { type InitialClassification } from '../core/cascade-plan';
import { type DecisionRecord, type ModelAnswer } from '../core/cascade-run';
import { type CascadeConfig, type JsonMode } from '../core/config';
import { type ModelPrompt } from '../core/prompt';
import { type CascadeRequest } from '../core/request';
import { type FinishReason } from '../core/result';

export type { BatchProgress, BatchWorkflowInput, DecisionRecord };

/** The `cascade` workflow's type name: one request, one workflow. */
export const CASCADE_WORKFLOW_TYPE = 'cascade';
/** The `batch` workflow's type name: a JSONL input (or a query), a child cascade per line. */
export const BATCH_WORKFLOW_TYPE = 'batch';

/**
 * The history shape the cascade's starters ask for (`CascadeWorkflowInput.shape`). A `compact`
 * cascade writes no patch marker at all (nor the `TemporalChangeVersion` search-attribute update
 * the SDK adds to each), because the input, which every replay reads as the first run did, says
 * which shape it runs; and its escalation count goes to the search attributes once, when it ends,
 * instead of at the start and at every escalation (the live count is in the workflow's current
 * details and the `decisions` query). Cascades started without it (older clients, every history
 * recorded before it) run and replay under the patches, as they ran.
 */
export const COMPACT_CASCADE = 'compact';

/** The `cascade` workflow's input: the request, and optionally the config to run it under (else the worker's). */
export interface CascadeWorkflowInput {
  request: CascadeRequest;
  config?: CascadeConfig;
  /**
   * The hash of the whole config `config` is the route's part of (`configHash`), when a starter
   * sends its own (`CascadeClientOptions.sendConfig`): what the cascade records as the config that
   * decided. Absent: the hash of `config` itself. With it (and the request's `taskType`), the
   * starter also set `CascadeTaskType`, `CascadeRoute` and `CascadeConfigHash` at the start, so a
   * compact cascade does not update them.
   */
  configHash?: string;
  /** `compact` from this version's client and batch on; anything else runs as if absent. */
  shape?: typeof COMPACT_CASCADE;
}

// Built as `defineQuery` / `defineSignal` build them (a name and a kind), so that clients need
// `@temporalio/client` alone, not the workflow SDK, to query and signal.
function query<Ret>(name: string): QueryDefinition<Ret> {
  return { type: 'query', name } as QueryDefinition<Ret>;
}
function signal(name: string): SignalDefinition {
  return { type: 'signal', name } as SignalDefinition;
}

/** A cascade's live decision record: status, steps so far, escalations, cost. */
export const decisionsQuery = query<DecisionRecord>('decisions');
/** The batch's progress: done, failed, running, cost so far. Answered by every run of the chain. */
export const progressQuery = query<BatchProgress>('progress');
/** Stop starting lines; running ones go on. */
export const pauseSignal = signal('pause');
export const resumeSignal = signal('resume');
/** Stop starting lines for good, let the running ones finish, and end the batch as `cancelled`. */
export const cancelSignal = signal('cancel');

/**
 * The `batch` workflow's memo: `batch` is written by `BatchClient.start` (the input the batch
 * reads), `progress` by the workflow at each continue-as-new and at its end.
 */
export interface BatchWorkflowMemo {
  batch?: { source?: BatchSource };
  progress?: BatchProgress;
}

/** A batch's memo as written above: Temporal hands memos back untyped, and this is the one place that reads them. */
export function batchMemo(memo: Record<string, unknown> | undefined): BatchWorkflowMemo {
  return (memo ?? {}) as BatchWorkflowMemo;
}

/** One model call as the workflow asks for it: the model's settings travel with the call, the key does not. */
export interface CallModelInput {
  /** The config's model id, for logs. */
  model: string;
  provider: string;
  /** The provider's name for the model. */
  providerModel: string;
  timeoutMs: number;
  maxOutputTokens: number;
  temperature?: number;
  jsonMode: JsonMode;
  /**
   * With `requestMessages: 'workflow-input'`, `prompt.messages` is empty and stands for the request's
   * own messages, which `callModel` reads from the cascade's input (its first history event): a
   * large request is then stored in the history once, not once more with every call made for it.
   */
  prompt: ModelPrompt;
  requestMessages?: 'workflow-input';
}

/** What `callModel` returns: the answer as the cascade reads it, and the model the provider says answered. */
export interface CallModelOutput extends ModelAnswer {
  finishReason: FinishReason;
  responseModel: string;
}

export interface ReadBatchPageInput {
  batchId: string;
  source: BatchSource;
  cursor: BatchCursor;
  pageSize: number;
  maxPageBytes: number;
}

export interface AwaitCascadeInput {
  workflowId: string;
  /** The line's request fingerprint; the existing cascade must have been started with the same request. */
  fingerprint: string;
}

/** What `classifyRequest` classifies, under which config (the cascade's, which may not be the worker's). */
export interface ClassifyRequestInput {
  request: CascadeRequest;
  config: CascadeConfig;
}

/** What `prepareCascade` prepares a cascade of: its request, under the worker's config. */
export interface PrepareCascadeInput {
  request: CascadeRequest;
}

/** A cascade's start, decided on the worker and recorded as one local activity's result. */
export interface PreparedCascade {
  /**
   * The worker's config as the cascade needs it: once the route is final, that route alone and the
   * models it can call (`configForRoute`); the whole config while a small-model classifier may
   * still change the route.
   */
  config: CascadeConfig;
  /** The hash of the worker's whole config (`configHash`, computed once per worker). */
  configHash: string;
  /**
   * The initial classification (given task type, rules, learned model), as `classifyRequest` gives
   * it; a given task type's margin (Infinity) is recorded as JSON's null, and never read: a given
   * route is final.
   */
  classification: InitialClassification;
}

/**
 * The activities the workflows call (`proxyActivities<CascadeActivities>`). `createActivities`
 * (activities/) implements them; the compiler checks it against this.
 */
export interface CascadeActivities {
  /** One model call through the provider's SDK; provider errors leave as typed `ApplicationFailure`s. */
  callModel(input: CallModelInput): Promise<CallModelOutput>;
  /** The worker's config; a local activity, so its answer is recorded in history and replays. */
  resolveConfig(): Promise<CascadeConfig>;
  /** The worker's config and its hash (`configHash`, computed once per worker): `resolveConfig` for lean cascades. */
  resolveWorkerConfig(): Promise<{ config: CascadeConfig; configHash: string }>;
  /**
   * Classifies a request with precise rules and the config's learned model, on the worker: a local
   * activity, so a replay (on any worker, after a retrained model file) takes the recorded route.
   */
  classifyRequest(input: ClassifyRequestInput): Promise<InitialClassification>;
  /**
   * `resolveWorkerConfig` and `classifyRequest` in one local activity, for the `slim-cascade` shape:
   * the classification and the part of the worker's config the cascade decides with, so the history
   * records one marker with what the cascade needs instead of two with the whole config.
   */
  prepareCascade(input: PrepareCascadeInput): Promise<PreparedCascade>;
  /** One page of the batch's input from `cursor`: validated lines and the cursor after them. */
  readBatchPage(input: ReadBatchPageInput): Promise<BatchPage>;
  /** How many lines the input has, for the progress bar's ETA. */
  countBatchLines(input: { source: BatchSource }): Promise<number>;
  /** Waits for a line's existing cascade (from an earlier run of the batch) and returns its outcome. */
  awaitCascade(input: AwaitCascadeInput): Promise<LineOutcome>;
}
