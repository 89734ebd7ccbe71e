import { type Client } from '@temporalio/client';
import { type BatchClient } from '../client/batch-client';
import { batchChildId, START_CURSOR, type BatchCursor, type BatchLine, type BatchSource } from '../core/batch';
import { type CascadeResult } from '../core/result';
import { readBatchPage } from './batch-input';
import { readCascadeOutcome } from '../client/cascade-history';

/**
 * One line of a batch's results, as `cascade batch results` writes them (JSONL, in input order):
 * - `ok`: the line's cascade finished; `result` is its full result (outcome, answer, steps, cost);
 * - `failed`: no result: the line was invalid, or its cascade failed, was cancelled or terminated;
 * - `pending`: its cascade is still running;
 * - `not_run`: it was never started (the batch was cancelled, or has not reached it yet).
 */
export interface BatchResultLine {
  line: number;
  /** The line's id, or its line number. */
  key: string;
  workflowId: string;
  status: 'ok' | 'failed' | 'pending' | 'not_run';
  result?: CascadeResult;
  error?: string;
}

export interface BatchResultsOptions {
  /** Cascades read at once. */
  concurrency?: number;
}

/** The client reads its own pages: no payload limit applies here, so they are larger than the worker's. */
const CLIENT_PAGE_LINES = 1000;
const CLIENT_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * Every line of a batch with its result, in input order. The input is read again with the same
 * reader the worker used (same keys, same validation errors), and each line's cascade is looked
 * up by its id `<batchId>/<key>`, a few at a time, so 100,000 lines stream through in bounded memory
 * and nothing depends on the batch's own (continued-as-new) histories.
 */
export async function* batchResults(
  client: Client,
  batchId: string,
  source: BatchSource,
  options: BatchResultsOptions = {},
): AsyncGenerator<BatchResultLine> {
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const window: Array<Promise<BatchResultLine>> = [];
  // The first line with a key owns its cascade (lines start in input order); a later line with the
  // same key shares that result if it is the same request, and failed (as the worker found) if not.
  const owners = new Map<string, string | undefined>();
  let cursor: BatchCursor = START_CURSOR;
  for (;;) {
    const page = await readBatchPage({
      batchId,
      source,
      cursor,
      pageSize: CLIENT_PAGE_LINES,
      maxPageBytes: CLIENT_PAGE_BYTES,
      client,
    });
    for (const line of page.lines) {
      const owner = owners.get(line.key);
      if (line.error === undefined && !owners.has(line.key)) owners.set(line.key, line.fingerprint);
      const pending =
        owner !== undefined && owner !== line.fingerprint && line.error === undefined
          ? Promise.resolve(conflict(batchId, line))
          : resultOf(client, batchId, line);
      // Awaited in order below; this only keeps a later failure from going unhandled if an earlier one ends the loop.
      pending.catch(() => {});
      window.push(pending);
      if (window.length >= concurrency) yield await window.shift()!;
    }
    cursor = page.next;
    if (page.done) break;
  }
  while (window.length > 0) yield await window.shift()!;
}

function conflict(batchId: string, line: BatchLine): BatchResultLine {
  const workflowId = batchChildId(batchId, line.key);
  return {
    line: line.line,
    key: line.key,
    workflowId,
    status: 'failed',
    error: `id "${workflowId}" was already used for a different request`,
  };
}

async function resultOf(client: Client, batchId: string, line: BatchLine): Promise<BatchResultLine> {
  const base = { line: line.line, key: line.key, workflowId: batchChildId(batchId, line.key) };
  if (line.error !== undefined) return { ...base, status: 'failed', error: line.error };
  const outcome = await readCascadeOutcome(client, base.workflowId);
  switch (outcome.state) {
    case 'completed':
      return { ...base, status: 'ok', result: outcome.result };
    case 'running':
      return { ...base, status: 'pending' };
    case 'not_found':
      return { ...base, status: 'not_run' };
    default:
      return { ...base, status: 'failed', error: outcome.error };
  }
}

/**
 * Every line of a batch that `BatchClient` started, with its result, in input order: its input
 * is found in the batch's memo. Worker-side code (it reads the input file again), so it is not a
 * `BatchClient` method: the client package stays free of file reading.
 */
export async function* resultsOfBatch(
  batches: BatchClient,
  batchId: string,
  options: BatchResultsOptions = {},
): AsyncGenerator<BatchResultLine> {
  yield* batchResults(batches.client, batchId, await batches.source(batchId), options);
}
