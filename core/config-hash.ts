import { hash as sha256 } from 'fast-sha256';
import { type CascadeConfig } from './config';
import { canonicalJson } from './normalize-answer';

/** Hex characters kept: 48 bits, so two configs in one deployment's history never share a hash by chance. */
const CONFIG_HASH_LENGTH = 12;

/**
 * A short hash of the effective config (parsed, defaulted, interpolated, after any demo rewrite):
 * what each cascade records (memo `configHash`, search attribute `CascadeConfigHash`) so an operator
 * can tell which config decided, and what `npm start` prints. Computed from the config as JSON
 * (what a workflow receives), with keys sorted, so the same config always hashes the same, in a
 * workflow or outside one. Pure, for the workflow sandbox: no Node crypto.
 */
export function configHash(config: CascadeConfig): string {
  const json = canonicalJson(JSON.parse(JSON.stringify(config)) as unknown);
  const digest = sha256(utf8(json));
  let hex = '';
  for (const byte of digest.subarray(0, CONFIG_HASH_LENGTH / 2)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
