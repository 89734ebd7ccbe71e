import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  addOutcome,
  BATCH_SOURCE_ERROR,
  batchChildId,
  BatchOptions,
  CASCADE_CONFLICT_ERROR,
  CASCADE_ENDED_ERROR,
  cursorAfter,
  describeBatchSource,
  initialBatchState,
  lineOutcome,
  RECENT_FAILURES_KEPT,
  type BatchCursor,
  type BatchLine,
  type BatchProgress,
  type BatchState,
  type BatchStatus,
  type BatchWorkflowInput,
  type LineOutcome,
} from '../core/batch';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { cascade } from './cascade-workflow';
import {
  cancelSignal,
  COMPACT_CASCADE,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BatchWorkflowMemo,
  type CascadeActivities,
} from './definitions';

const { readBatchPage } = proxyActivities<CascadeActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [BATCH_SOURCE_ERROR],
  },
});
const { countBatchLines } = proxyActivities<CascadeActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [BATCH_SOURCE_ERROR] },
});
const { awaitCascade } = proxyActivities<CascadeActivities>({
  // An existing cascade may be waiting out a provider outage; heartbeats show the wait is alive.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: {
    maximumAttempts: 20,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [CASCADE_CONFLICT_ERROR, CASCADE_ENDED_ERROR],
  },
});

/**
 * `batch`: every line of a JSONL input (or every past cascade a query matches) through the cascade,
 * one child `cascade` per line, at most `concurrency` at once, in input order.
 *
 * - Pages: lines come through the `readBatchPage` activity, a page at a time (bounded in lines and
 *   bytes), read ahead while children run; the whole input never travels in one payload.
 * - Idempotence: a line's child is `<batchId>/<line id or number>`. Starting it again finds the
 *   existing execution, and `awaitCascade` waits for that one's result instead: rerunning a batch id
 *   after any crash continues where it stopped and never runs a line twice. A cascade that failed
 *   or was cancelled or terminated may be started again (`ALLOW_DUPLICATE_FAILED_ONLY`).
 * - Continue-as-new: after `maxLinesPerRun` lines, or sooner when Temporal suggests it, the run stops
 *   starting lines, waits for its running children, and continues as new with the cursor (the first
 *   line not yet started) and the running totals, so no history grows with the input.
 * - Signals: `pause` stops starting lines (running ones finish) until `resume`; `cancel` stops for
 *   good, lets running children finish (their answers are already being paid for) and ends the batch
 *   `cancelled`. Cancelling the workflow itself through Temporal also cancels the running children.
 * - Results are in the children, not here: the client reads them back in input order by child id
 *   (`batch/batch-results.ts`), so the batch's history holds only counts.
 */
export async function batch(input: BatchWorkflowInput): Promise<BatchProgress> {
  const options = BatchOptions.parse(input.options ?? {});
  const state: BatchState = input.state ?? initialBatchState();
  const info = workflowInfo();
  const source = describeBatchSource(input.source);
  let running = 0;
  let ended: 'completed' | 'cancelled' | undefined = undefined;
  const status = (): BatchStatus =>
    ended ?? (state.cancelRequested ? 'cancelling' : state.paused ? 'paused' : 'running');

  const progress = (): BatchProgress => ({
    batchId: input.batchId,
    source,
    status: status(),
    ...(state.totalLines !== undefined ? { totalLines: state.totalLines } : {}),
    running,
    totals: state.totals,
    recentFailures: state.recentFailures,
    run: state.previousRuns + 1,
    startedAt: info.startTime.toISOString(),
  });
  const report = () => {
    const t = state.totals;
    const total = state.totalLines !== undefined ? ` of ${state.totalLines}` : '';
    setCurrentDetails(
      `**${status()}** · ${t.done + t.failed}${total} lines finished (${t.failed} failed), ${running} running · $${t.costUsd.toFixed(6)} spent, $${t.savedUsd.toFixed(6)} saved · run ${state.previousRuns + 1}`,
    );
  };
  setHandler(progressQuery, progress);
  setHandler(pauseSignal, () => {
    state.paused = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
  });
  setHandler(cancelSignal, () => {
    state.cancelRequested = true;
  });

  const fail = (line: Pick<BatchLine, 'line' | 'key'>, error: string) => {
    state.totals.failed += 1;
    state.recentFailures = [...state.recentFailures, { line: line.line, key: line.key, error }].slice(
      -RECENT_FAILURES_KEPT,
    );
  };

  /** Runs one valid line to its result: a new child, or the existing cascade of an earlier attempt. */
  const runLine = async (line: BatchLine): Promise<void> => {
    running += 1;
    const workflowId = batchChildId(input.batchId, line.key);
    try {
      let outcome: LineOutcome;
      try {
        const child = await startChild(cascade, {
          workflowId,
          args: [{ request: line.request!, ...(input.config ? { config: input.config } : {}), shape: COMPACT_CASCADE }],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          workflowExecutionTimeout: input.config?.resilience.cascadeTimeoutMs ?? options.cascadeTimeoutMs,
          // A cancelled, failed or continued batch must not take its children down: a rerun attaches to them.
          parentClosePolicy: 'ABANDON',
          memo: { requestFingerprint: line.fingerprint },
          staticSummary: `batch ${input.batchId} · line ${line.line}`,
          typedSearchAttributes: [{ key: CascadeSearchAttributes.batchId, value: input.batchId }],
        });
        outcome = lineOutcome(await child.result());
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        outcome = await awaitCascade({ workflowId, fingerprint: line.fingerprint! });
      }
      addOutcome(state.totals, outcome);
    } catch (error) {
      fail(line, failureMessage(error));
    } finally {
      running -= 1;
      report();
    }
  };

  if (state.previousRuns === 0 && state.totalLines === undefined) {
    try {
      state.totalLines = await countBatchLines({ source: input.source });
    } catch {
      // Only the ETA needs the count; an input that cannot be counted may still be readable page by page.
    }
  }

  // Lines read ahead, each with the cursor of the page it came from (to resume just after it).
  const buffer: Array<{ line: BatchLine; page: BatchCursor }> = [];
  let readCursor = state.cursor;
  let sourceDone = false;
  let reading = false;
  let readError: unknown;
  let startedThisRun = 0;
  const readAhead = () => {
    if (reading || sourceDone || readError !== undefined) return;
    reading = true;
    readBatchPage({
      batchId: input.batchId,
      source: input.source,
      cursor: readCursor,
      pageSize: options.pageSize,
      maxPageBytes: options.maxPageBytes,
    }).then(
      (page) => {
        buffer.push(...page.lines.map((line) => ({ line, page: page.start })));
        readCursor = page.next;
        sourceDone = page.done;
        reading = false;
      },
      (error: unknown) => {
        readError = error;
        reading = false;
      },
    );
  };
  // A run that has started nothing never continues: each run makes progress, however early Temporal suggests it.
  const runFull = () =>
    startedThisRun >= options.maxLinesPerRun || (startedThisRun > 0 && workflowInfo().continueAsNewSuggested);
  const canStart = () => !state.paused && running < options.concurrency && buffer.length > 0;
  const inputDone = () => sourceDone && buffer.length === 0;

  report();
  for (;;) {
    if (state.cancelRequested || runFull() || inputDone()) break;
    if (buffer.length < options.concurrency) readAhead();
    await condition(
      () =>
        state.cancelRequested ||
        readError !== undefined ||
        canStart() ||
        inputDone() ||
        (buffer.length < options.concurrency && !reading && !sourceDone),
    );
    if (readError !== undefined) break;
    // Every start issued in one activation goes to the server in one workflow task.
    while (canStart() && !state.cancelRequested && !runFull()) {
      const { line, page } = buffer.shift()!;
      state.cursor = cursorAfter({ start: page }, line);
      state.totals.read += 1;
      startedThisRun += 1;
      if (line.error !== undefined) fail(line, line.error);
      else void runLine(line);
    }
    report();
  }

  report();
  await condition(() => running === 0);
  if (readError !== undefined) {
    throw ApplicationFailure.create({
      type: BATCH_SOURCE_ERROR,
      message: `cannot read the batch input ${source}: ${failureMessage(readError)}`,
      nonRetryable: true,
    });
  }

  if (!state.cancelRequested && !inputDone()) {
    upsertMemo({ progress: progress() } satisfies BatchWorkflowMemo);
    await continueAsNew<typeof batch>({ ...input, state: { ...state, previousRuns: state.previousRuns + 1 } });
  }
  ended = state.cancelRequested ? 'cancelled' : 'completed';
  report();
  const final = progress();
  upsertMemo({ progress: final } satisfies BatchWorkflowMemo);
  return final;
}

/** One line for a line that got no result: the cascade's own failure, or why it could not be awaited. */
function failureMessage(error: unknown): string {
  if (error instanceof ChildWorkflowFailure) {
    const cause = error.cause;
    const how =
      cause?.name === 'CancelledFailure'
        ? 'was cancelled'
        : cause?.name === 'TerminatedFailure'
          ? 'was terminated'
          : cause?.name === 'TimeoutFailure'
            ? 'timed out'
            : 'failed';
    return `cascade ${how}${cause?.message ? `: ${cause.message}` : ''}`;
  }
  if (error instanceof ActivityFailure) {
    const cause = error.cause;
    return cause instanceof ApplicationFailure ? cause.message : (cause?.message ?? error.message);
  }
  return error instanceof Error ? error.message : String(error);
}
