/**
 * The benchmark's workflow bundle: the shipped workflows plus `bareSteps`, their floor. `bareSteps`
 * is what Temporal alone costs for the same shape of work: `steps` no-op activities one after the
 * other, nothing else (no config, no classification, no search attributes, no memo). The bench runs
 * it in the same worker, with the same tuning and bundle options, so the cascade's cells can be
 * quoted as ratios to it. Not part of the worker's bundle: bench-only.
 */
import { proxyActivities } from '@temporalio/workflow';
import { type BareActivities } from './bench-setup';

export { batch, cascade } from '../workflows';

const { benchNoop } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

/** `steps` no-op activities in sequence, as a cascade of `steps` model calls makes them. */
export async function bareSteps(steps: number): Promise<number> {
  for (let i = 0; i < steps; i++) await benchNoop(`step ${i + 1}`);
  return steps;
}
