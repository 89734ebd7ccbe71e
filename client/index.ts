/**
 * The public TypeScript client, `llm-cascade/client`: what a backend service imports to enqueue and
 * inspect cascades. It loads no worker code (no native Temporal core, no provider SDKs), so a
 * service installs the package without the optional peer dependencies.
 */
export { CascadeClient, listQuery, requestFingerprint, validateRequest, CASCADE_WORKFLOW_TYPE } from './cascade-client';
export type {
  CascadeClientOptions,
  CascadeDescription,
  CascadeLabels,
  CascadeListFilter,
  CascadeSummary,
  SubmitOptions,
  Submission,
  TenantScope,
} from './cascade-client';
// Tenants' id namespaces: the workflow id of a tenant's request id, and back.
export { DEFAULT_TENANT, splitTenantWorkflowId, tenantWorkflowId } from '../core/tenant-workflow-id';
export { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from './errors';
// Batches: start, follow and steer. Their results in input order are read worker-side
// (batch/batch-results.ts), as that means reading the input file again.
export { BatchClient, BatchConflictError, BatchNotFoundError, BATCH_WORKFLOW_TYPE, newBatchId } from './batch-client';
export type { BatchView, StartBatchOptions } from './batch-client';
export { CascadeRequest, Message, RequestValidationError, parseRequest } from '../core/request';
export { CascadeResult, CheckResult, Classification, Outcome, Step, Usage } from '../core/result';
/** The Temporal client classes `CascadeClient` runs on, re-exported so a service needs no version of its own. */
export { Client, Connection } from '@temporalio/client';
// Payload encryption: pass `dataConverter: cascadeDataConverter()` to the `Client` when the workers
// run with LLM_CASCADE_CODEC_KEYS set (README, Security).
export { cascadeDataConverter } from './cascade-data-converter';
export {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
} from './aes-gcm-payload-codec';
export { CODEC_KEYS_ENV, codecKeysFromEnv, parseCodecKeys } from './codec-keys';
export type { CodecKey } from './codec-keys';
