import { createHash } from 'node:crypto';
import { type CascadeConfig } from '../core/config';
import { canonicalJson } from '../core/normalize-answer';

/**
 * A short fingerprint of a config: the first 12 hex digits of the SHA-256 of its canonical JSON
 * (keys sorted), so two processes running the same config, however its YAML was laid out, log the
 * same hash. Stands in until the config's own hash (`CascadeConfigHash`) is recorded by the
 * workflow; then the log line should take that one.
 */
export function configHash(config: CascadeConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
}
