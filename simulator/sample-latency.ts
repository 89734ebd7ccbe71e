import { type LatencySpec } from './simulator-script';

const MAX_LATENCY_MS = 600_000;

/** A latency drawn from `spec`, given two independent uniform draws in [0, 1) (`until_released` has none). */
export function sampleLatencyMs(
  spec: Exclude<LatencySpec, { type: 'until_released' }>,
  first: number,
  second: number,
): number {
  let ms: number;
  switch (spec.type) {
    case 'fixed':
      ms = spec.ms;
      break;
    case 'uniform':
      ms = spec.minMs + first * (spec.maxMs - spec.minMs);
      break;
    case 'normal':
      ms = spec.meanMs + spec.stdDevMs * standardNormal(first, second);
      break;
    case 'lognormal':
      ms = spec.medianMs * Math.exp(spec.sigma * standardNormal(first, second));
      break;
  }
  return Math.round(Math.min(MAX_LATENCY_MS, Math.max(0, ms)));
}

/** Box-Muller: two uniform draws to one standard normal draw. */
function standardNormal(first: number, second: number): number {
  return Math.sqrt(-2 * Math.log(1 - first)) * Math.cos(2 * Math.PI * second);
}
