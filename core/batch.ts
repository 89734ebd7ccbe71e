import { z } from 'zod';
import { DEFAULT_CASCADE_TIMEOUT_MS, type CascadeConfig } from './config';
import { roundUsd } from './cost';
import { type CascadeRequest } from './request';
import { type CascadeResult } from './result';

/**
 * The batch's contracts: where its lines come from, how far it has read, what it has done. Pure
 * and deterministic, shared by the `batch` workflow, its activities, the client and the CLI.
 */

/** Batch ids prefix their children's workflow ids (`<batchId>/<line>`), so they hold no `/`. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/;
export const BatchId = z
  .string()
  .regex(BATCH_ID_PATTERN, 'must be 1-100 characters: letters, digits and . _ : @ -, starting with a letter or digit');

/**
 * Where a batch's lines come from, read by the worker page by page:
 * - `file`: a JSONL file on the worker's filesystem (an absolute path);
 * - `url`: a JSONL file over http(s) the worker can reach (read with `Range` requests);
 * - `query`: past cascades matching a visibility query, their requests read from history
 *   (reprocessing); `before` bounds it so the batch's own children never match it.
 */
export const BatchSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1) }),
  z.strictObject({ kind: z.literal('url'), url: z.url({ protocol: /^https?$/ }) }),
  z.strictObject({ kind: z.literal('query'), query: z.string().min(1), before: z.iso.datetime() }),
]);
export type BatchSource = z.infer<typeof BatchSource>;

/** A source in one line, for status output and the UI. */
export function describeBatchSource(source: BatchSource): string {
  switch (source.kind) {
    case 'file':
      return source.path;
    case 'url':
      return source.url;
    case 'query':
      return `cascades matching (${source.query}) started before ${source.before}`;
  }
}

/**
 * Where the next unread line starts. `line` counts the lines consumed so far (blank ones included,
 * so line numbers are the input's own). `offset` is a byte offset into a file or URL; for a query,
 * it is how many executions of the visibility page `pageToken` (base64; none: the first page) have
 * been taken.
 */
export interface BatchCursor {
  line: number;
  offset: number;
  pageToken?: string;
}

export const START_CURSOR: BatchCursor = { line: 0, offset: 0 };

/**
 * One input line, read and validated by the worker. Exactly one of `request` and `error` is set.
 * Kept small: a page of these is an activity result in the batch's history.
 */
export interface BatchLine {
  /** 1-based position in the input. */
  line: number;
  /** The line's `id` if it has one, else its line number: what makes its child idempotent. */
  key: string;
  /** Where the line ends: the `offset` of the cursor just after it (same page token as its page). */
  end: number;
  /** The validated request, its `id` set to the line's cascade id (`batchChildId`). */
  request?: CascadeRequest;
  /** The request's content fingerprint (as the client computes it), to tell a reused id from a rerun. */
  fingerprint?: string;
  /** Why the line cannot run: invalid JSON, an invalid request, too large. */
  error?: string;
}

/** A page of lines, where it was read from, and where the page after it starts. */
export interface BatchPage {
  lines: BatchLine[];
  start: BatchCursor;
  next: BatchCursor;
  /** No line after this page. */
  done: boolean;
}

/** The cursor just after one of a page's lines: where to resume if the batch stops after it. */
export function cursorAfter(page: Pick<BatchPage, 'start'>, line: Pick<BatchLine, 'line' | 'end'>): BatchCursor {
  return { line: line.line, offset: line.end, ...(page.start.pageToken ? { pageToken: page.start.pageToken } : {}) };
}

/** The error type of a source the worker cannot read at all (missing file, 404): retrying will not help. */
export const BATCH_SOURCE_ERROR = 'batch_source';
/** `awaitCascade`: the line's id is taken by a cascade of a different request. */
export const CASCADE_CONFLICT_ERROR = 'cascade_conflict';
/** `awaitCascade`: the existing cascade ended without a result (cancelled or terminated meanwhile). */
export const CASCADE_ENDED_ERROR = 'cascade_ended';

/** The child workflow id of a line: the batch id, a slash, and the line's key. */
export function batchChildId(batchId: string, key: string): string {
  return `${batchId}/${key}`;
}

/** How a batch runs. */
export const BatchOptions = z.strictObject({
  /** Children running at once. */
  concurrency: z.number().int().min(1).max(1000).default(10),
  /** Lines per page read. */
  pageSize: z.number().int().min(1).max(10_000).default(200),
  /** A page stops growing at this many bytes (it always holds at least one line), so a page stays far below Temporal's 2 MB payload limit. */
  maxPageBytes: z
    .number()
    .int()
    .min(1024)
    .max(1_500_000)
    .default(512 * 1024),
  /**
   * Lines one run takes before it continues as new (and sooner when Temporal suggests it), so
   * no run's history nears Temporal's limits however long the input.
   */
  maxLinesPerRun: z.number().int().min(1).max(20_000).default(2000),
  /** Each line's cascade is ended by Temporal after this long (the config's `resilience.cascadeTimeoutMs`). */
  cascadeTimeoutMs: z.number().int().min(60_000).default(DEFAULT_CASCADE_TIMEOUT_MS),
});
export type BatchOptions = z.infer<typeof BatchOptions>;
export type BatchOptionsInput = z.input<typeof BatchOptions>;

/** What a line's cascade came to, as the batch counts it. */
export interface LineOutcome {
  outcome: string;
  costUsd: number;
  baselineUsd: number;
  savedUsd: number;
}

/** The compact outcome of a cascade result. */
export function lineOutcome(result: Pick<CascadeResult, 'outcome' | 'costUsd' | 'baseline' | 'savedUsd'>): LineOutcome {
  return {
    outcome: result.outcome,
    costUsd: result.costUsd,
    baselineUsd: result.baseline.costUsd,
    savedUsd: result.savedUsd,
  };
}

/** A line that produced no result, and why. */
export interface BatchLineFailure {
  line: number;
  key: string;
  error: string;
}

/** Running totals, carried across continue-as-new. */
export interface BatchTotals {
  /** Lines taken from the input: started, rejected or attached to. */
  read: number;
  /** Lines with a cascade result (any outcome). */
  done: number;
  /** Lines without a result: invalid, or their cascade failed or was cancelled. */
  failed: number;
  /** Results by outcome (`accepted`, `exhausted`, ...). */
  outcomes: Record<string, number>;
  costUsd: number;
  baselineUsd: number;
  savedUsd: number;
}

export function emptyTotals(): BatchTotals {
  return { read: 0, done: 0, failed: 0, outcomes: {}, costUsd: 0, baselineUsd: 0, savedUsd: 0 };
}

/** Adds one line's result to the totals (rounded so a sum equals its displayed parts). */
export function addOutcome(totals: BatchTotals, outcome: LineOutcome): void {
  totals.done += 1;
  totals.outcomes[outcome.outcome] = (totals.outcomes[outcome.outcome] ?? 0) + 1;
  totals.costUsd = roundUsd(totals.costUsd + outcome.costUsd);
  totals.baselineUsd = roundUsd(totals.baselineUsd + outcome.baselineUsd);
  totals.savedUsd = roundUsd(totals.savedUsd + outcome.savedUsd);
}

/** How many failures the progress keeps to show; the results list every one. */
export const RECENT_FAILURES_KEPT = 20;

/** The batch's own state, carried from run to run through continue-as-new. */
export interface BatchState {
  cursor: BatchCursor;
  totals: BatchTotals;
  paused: boolean;
  cancelRequested: boolean;
  /** The most recent failures, at most `RECENT_FAILURES_KEPT`. */
  recentFailures: BatchLineFailure[];
  /** Lines in the input, when counted (for the ETA); absent if counting failed. */
  totalLines?: number;
  /** Runs before this one (continue-as-new count). */
  previousRuns: number;
}

export function initialBatchState(): BatchState {
  return {
    cursor: START_CURSOR,
    totals: emptyTotals(),
    paused: false,
    cancelRequested: false,
    recentFailures: [],
    previousRuns: 0,
  };
}

/** The `batch` workflow's input; `state` is set only by continue-as-new. */
export interface BatchWorkflowInput {
  batchId: string;
  source: BatchSource;
  /** The config every line runs under; the worker's when absent. */
  config?: CascadeConfig;
  options?: BatchOptionsInput;
  state?: BatchState;
}

export const BatchStatus = z.enum(['running', 'paused', 'cancelling', 'completed', 'cancelled']);
export type BatchStatus = z.infer<typeof BatchStatus>;

/** The batch as the `progress` query and the workflow's result report it. */
export interface BatchProgress {
  batchId: string;
  source: string;
  status: BatchStatus;
  totalLines?: number;
  /** Children running now. */
  running: number;
  totals: BatchTotals;
  recentFailures: BatchLineFailure[];
  /** This run's number, 1 for the first (runs are chained by continue-as-new). */
  run: number;
  /** When the batch (its first run) started, ISO. */
  startedAt: string;
}
