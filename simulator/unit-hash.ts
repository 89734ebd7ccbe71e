import { createHash } from 'node:crypto';

/**
 * A number in [0, 1) determined by `parts` alone: the simulator's only source of "randomness", so
 * every scripted choice and latency repeats exactly from run to run.
 */
export function unitHash(...parts: readonly (string | number)[]): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}
