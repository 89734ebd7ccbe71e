/** The public TypeScript client: what a backend service imports to enqueue and inspect cascades. */
export { CascadeClient, listQuery, requestFingerprint, validateRequest, CASCADE_WORKFLOW_TYPE } from './cascade-client';
export type {
  CascadeClientOptions,
  CascadeDescription,
  CascadeListFilter,
  CascadeSummary,
  SubmitOptions,
  Submission,
} from './cascade-client';
export { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from './errors';
export { CascadeRequest, RequestValidationError, parseRequest } from '../core/request';
export { CascadeResult } from '../core/result';
