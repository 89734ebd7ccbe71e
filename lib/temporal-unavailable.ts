import { isGrpcServiceError } from '@temporalio/client';
import { TemporalUnreachableError } from './temporal-connection';

/** gRPC status codes that mean "no usable server": 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED. */
const UNAVAILABLE_CODES = new Set([14, 4]);

/**
 * True when an error, or one of its causes, says the Temporal server could not be reached or did
 * not answer in time, as opposed to answering with an error. The HTTP API answers these with 503,
 * the CLI with its "Temporal unreachable" exit code.
 */
export function isTemporalUnavailable(error: unknown): boolean {
  for (
    let current: unknown = error, depth = 0;
    current && depth < 5;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    if (current instanceof TemporalUnreachableError) return true;
    if (isGrpcServiceError(current) && UNAVAILABLE_CODES.has(current.code)) return true;
  }
  return false;
}
