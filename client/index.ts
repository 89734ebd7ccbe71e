/** The public TypeScript client: what a backend service imports to enqueue and inspect cascades. */
export { CascadeClient, listQuery, requestFingerprint, validateRequest, CASCADE_WORKFLOW_TYPE } from './cascade-client';
export type {
  CascadeClientOptions,
  CascadeDescription,
  CascadeLabels,
  CascadeListFilter,
  CascadeSummary,
  SubmitOptions,
  Submission,
} from './cascade-client';
export { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from './errors';
// Batches: start, follow and steer. Their results in input order are read worker-side
// (batch/batch-results.ts), as that means reading the input file again.
export { BatchClient, BatchConflictError, BatchNotFoundError, BATCH_WORKFLOW_TYPE, newBatchId } from './batch-client';
export type { BatchView, StartBatchOptions } from './batch-client';
export { CascadeRequest, RequestValidationError, parseRequest } from '../core/request';
export { CascadeResult } from '../core/result';
