import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { type SignalDefinition } from '@temporalio/common';
import { canonicalJson } from '../core/normalize-answer';
import { BatchId, BatchOptions, BatchSource, describeBatchSource, type BatchOptionsInput } from '../core/batch';
import { type CascadeConfig } from '../core/config';
import type { batch } from '../workflows/batch-workflow';
import {
  BATCH_WORKFLOW_TYPE,
  batchMemo,
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BatchProgress,
  type BatchWorkflowInput,
  type BatchWorkflowMemo,
} from '../workflows/definitions';

export { BATCH_WORKFLOW_TYPE };

/** No batch has this id. */
export class BatchNotFoundError extends Error {
  constructor(readonly batchId: string) {
    super(`no batch with id "${batchId}"`);
    this.name = 'BatchNotFoundError';
  }
}

/** The batch id is taken by a batch over another input. */
export class BatchConflictError extends Error {
  constructor(
    readonly batchId: string,
    existing: string,
  ) {
    super(`batch id "${batchId}" is already used for another input (${existing}); use a new id for new work`);
    this.name = 'BatchConflictError';
  }
}

export interface StartBatchOptions {
  /** Reusing the id of an unfinished batch continues it; a new id is made when absent. */
  batchId?: string;
  source: BatchSource;
  /** Every line runs under this config instead of the worker's. */
  config?: CascadeConfig;
  options?: BatchOptionsInput;
}

/** A batch as `status` sees it: its progress, and the workflow's own status. */
export interface BatchView extends BatchProgress {
  /**
   * How the batch's workflow stands. `status` is the batch's own last report, so a batch whose
   * workflow failed, timed out or was terminated still says what it was doing then (`running`):
   * read this first, as `cascade batch status` does.
   */
  workflowStatus: WorkflowExecutionStatusName;
  /** Why the batch workflow failed, when it did (e.g. its input could not be read). */
  error?: string;
}

/** A new batch id: readable, sortable, unique. */
export function newBatchId(now = new Date()): string {
  return `batch-${now.toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomUUID().slice(0, 8)}`;
}

/**
 * Starts, follows and steers batches (the `batch` workflow): the client side of `cascade batch`.
 * The batch id is the workflow id; starting a known id attaches to that batch (continuing it when
 * it had failed or was terminated) and never starts a second one over the same lines.
 */
export class BatchClient {
  constructor(
    /** The Temporal client it works through, e.g. for `batchResults` (batch/batch-results.ts). */
    readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Starts a batch, or attaches to the batch that already has this id (`created: false`). A batch
   * that failed, was terminated or was stopped by `cancel` is started again under its id: it walks
   * its input from the start, attaches to the lines already done (no model call) and runs the rest.
   */
  async start(options: StartBatchOptions): Promise<{ batchId: string; created: boolean }> {
    const batchId = BatchId.parse(options.batchId ?? newBatchId());
    const source = BatchSource.parse(options.source);
    const input: BatchWorkflowInput = {
      batchId,
      source,
      options: BatchOptions.parse(options.options ?? {}),
      ...(options.config ? { config: options.config } : {}),
    };
    const existing = await this.describeIfAny(batchId);
    let reuse: 'ALLOW_DUPLICATE_FAILED_ONLY' | 'ALLOW_DUPLICATE' = 'ALLOW_DUPLICATE_FAILED_ONLY';
    if (existing) this.checkSameSource(batchId, source, existing.memo);
    if (existing?.status === 'RUNNING') return { batchId, created: false };
    if (existing?.status === 'COMPLETED') {
      // A batch that ran to its end is only attached to; one stopped by `cancel` may be continued.
      const ended = await this.client.workflow.getHandle<typeof batch>(batchId).result();
      if (ended.status !== 'cancelled') return { batchId, created: false };
      reuse = 'ALLOW_DUPLICATE';
    }
    const memo = { batch: { source } } satisfies BatchWorkflowMemo;
    try {
      await this.client.workflow.start<typeof batch>(BATCH_WORKFLOW_TYPE, {
        workflowId: batchId,
        taskQueue: this.taskQueue,
        args: [input],
        // Race-safe: a batch that started meanwhile is attached to. A failed or terminated batch (or
        // one stopped by `cancel`) is started again and finds its finished lines done.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: reuse,
        memo,
        staticSummary: `batch ${batchId} · ${describeBatchSource(source)}`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      this.checkSameSource(batchId, source, (await this.describeIfAny(batchId))?.memo);
      return { batchId, created: false };
    }
    this.checkSameSource(batchId, source, (await this.describeIfAny(batchId))?.memo);
    return { batchId, created: true };
  }

  private checkSameSource(batchId: string, source: BatchSource, existing: BatchWorkflowMemo['batch']): void {
    if (existing?.source && canonicalJson(existing.source) !== canonicalJson(source)) {
      throw new BatchConflictError(batchId, describeBatchSource(existing.source));
    }
  }

  private async describeIfAny(
    batchId: string,
  ): Promise<{ status: WorkflowExecutionStatusName; memo: BatchWorkflowMemo['batch'] } | undefined> {
    try {
      const description = await this.client.workflow.getHandle(batchId).describe();
      return { status: description.status.name, memo: batchMemo(description.memo).batch };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /** The input a batch reads, from the memo its start wrote. */
  async source(batchId: string): Promise<BatchSource> {
    const existing = await this.describeIfAny(batchId);
    if (!existing) throw new BatchNotFoundError(batchId);
    const parsed = BatchSource.safeParse(existing.memo?.source);
    if (!parsed.success)
      throw new Error(`batch "${batchId}" has no readable source in its memo; was it started by cascade batch?`);
    return parsed.data;
  }

  /**
   * Progress: live from the `progress` query while a worker runs it, else the last progress the
   * batch recorded (its result, or the memo written at each continue-as-new).
   */
  async status(batchId: string): Promise<BatchView> {
    const handle = this.client.workflow.getHandle<typeof batch>(batchId);
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new BatchNotFoundError(batchId);
      throw error;
    }
    const workflowStatus = description.status.name;
    if (workflowStatus === 'COMPLETED') return { ...(await handle.result()), workflowStatus };
    if (workflowStatus === 'RUNNING') {
      try {
        return { ...(await handle.query(progressQuery)), workflowStatus };
      } catch {
        // No worker is polling: fall back to what the batch last wrote.
      }
    }
    const { progress: recorded, batch: started } = batchMemo(description.memo);
    const base: BatchProgress = recorded ?? {
      batchId,
      source: started?.source ? describeBatchSource(started.source) : '',
      status: 'running',
      running: 0,
      totals: { read: 0, done: 0, failed: 0, outcomes: {}, costUsd: 0, baselineUsd: 0, savedUsd: 0 },
      recentFailures: [],
      run: 1,
      startedAt: description.startTime.toISOString(),
    };
    let error: string | undefined;
    if (workflowStatus === 'FAILED') {
      try {
        await handle.result();
      } catch (failure) {
        error = ((failure as Error).cause as Error | undefined)?.message ?? (failure as Error).message;
      }
    }
    return { ...base, workflowStatus, ...(error ? { error } : {}) };
  }

  /** Waits until the batch has ended (completed, cancelled, failed or terminated). */
  async wait(batchId: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(batchId).result();
    } catch {
      // How it ended is for `status` to say.
    }
  }

  /**
   * Stops starting lines until `resume`; running lines finish. Like `resume` and `cancel`, returns
   * `false` when the batch has already ended (nothing to steer).
   */
  async pause(batchId: string): Promise<boolean> {
    return this.signal(batchId, pauseSignal);
  }

  async resume(batchId: string): Promise<boolean> {
    return this.signal(batchId, resumeSignal);
  }

  /** Stops starting lines for good; running lines finish and the batch ends `cancelled`. */
  async cancel(batchId: string): Promise<boolean> {
    return this.signal(batchId, cancelSignal);
  }

  private async signal(batchId: string, signal: SignalDefinition<[], string>): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(batchId).signal(signal);
      return true;
    } catch (error) {
      // Temporal answers "not found" for a batch that has ended as for one that never existed.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      if (!(await this.describeIfAny(batchId))) throw new BatchNotFoundError(batchId);
      return false;
    }
  }
}
