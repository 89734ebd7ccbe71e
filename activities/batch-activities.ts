import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  BATCH_SOURCE_ERROR,
  CASCADE_CONFLICT_ERROR,
  CASCADE_ENDED_ERROR,
  lineOutcome,
  type BatchPage,
  type BatchSource,
  type LineOutcome,
} from '../core/batch';
import { BatchSourceError, countBatchLines, readBatchPage } from '../batch/batch-input';
import { checkBatchSource, type BatchSourcePolicy } from '../batch/batch-source-policy';
import type { cascade } from '../workflows/cascade-workflow';
import { type AwaitCascadeInput, type CascadeActivities, type ReadBatchPageInput } from '../workflows/definitions';

function sourceFailure(error: unknown): unknown {
  return error instanceof BatchSourceError
    ? ApplicationFailure.create({ type: BATCH_SOURCE_ERROR, message: error.message, nonRetryable: true })
    : error;
}

/**
 * The `batch` workflow's activities. The Temporal client they need (query sources, existing
 * cascades) is the worker's own, from the activity context. Whoever can start a workflow on the
 * task queue names the source, so every read is checked against `sources` first (here, where the
 * worker's own privileges are used, whatever the caller checked).
 */
export function createBatchActivities(
  sources: BatchSourcePolicy,
): Pick<CascadeActivities, 'readBatchPage' | 'countBatchLines' | 'awaitCascade'> {
  return {
    /** One page of the batch's input from `cursor`: validated lines and the cursor after them. */
    async readBatchPage(input: ReadBatchPageInput): Promise<BatchPage> {
      try {
        await checkBatchSource(input.source, sources);
        return await readBatchPage({
          ...input,
          ...(input.source.kind === 'query' ? { client: Context.current().client } : {}),
        });
      } catch (error) {
        throw sourceFailure(error);
      }
    },

    /** How many lines the input has, for the progress bar's ETA. */
    async countBatchLines(input: { source: BatchSource }): Promise<number> {
      const context = Context.current();
      try {
        await checkBatchSource(input.source, sources);
        return await countBatchLines(input.source, {
          onProgress: () => context.heartbeat(),
          ...(input.source.kind === 'query' ? { client: context.client } : {}),
        });
      } catch (error) {
        throw sourceFailure(error);
      }
    },

    /**
     * Waits for a line's cascade that already exists (started by an earlier run of this batch id)
     * and returns its outcome, so a rerun never runs a line twice. The cascade must have been
     * started with the line's request: the same id with other content is a conflict, not a rerun.
     */
    async awaitCascade(input: AwaitCascadeInput): Promise<LineOutcome> {
      const context = Context.current();
      const handle = context.client.workflow.getHandle<typeof cascade>(input.workflowId);
      try {
        const description = await handle.describe();
        if (description.memo?.requestFingerprint !== input.fingerprint) {
          throw ApplicationFailure.create({
            type: CASCADE_CONFLICT_ERROR,
            message: `id "${input.workflowId}" was already used for a different request`,
            nonRetryable: true,
          });
        }
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new Error(`cascade ${input.workflowId} not found yet`);
        throw error;
      }
      const heartbeat = setInterval(() => context.heartbeat(), 10_000);
      try {
        return lineOutcome(await handle.result());
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          throw ApplicationFailure.create({
            type: CASCADE_ENDED_ERROR,
            message: `the existing cascade ended without a result: ${error.cause?.message ?? error.message}`,
            nonRetryable: true,
          });
        }
        throw error;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}
