/**
 * The cascade's bare twin, for the benchmark: what Temporal alone costs for the same shape of work.
 * `bareSteps` makes `steps` no-op activities one after the other and nothing else (no config, no
 * classification, no search attributes, no memo). Bundled on its own, as a plain TypeScript
 * Temporal workflow (no preloads, no interceptors), and run by a second worker in the cascade
 * worker's process with the same tuning, so the cascade's cells can be quoted as ratios to it.
 * Bench-only: not part of the worker's bundle.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { CallModelInput, CascadeActivities } from '../workflows/definitions';
import { type BareActivities } from './bench-setup';

const { benchNoop } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });
const { callModel } = proxyActivities<CascadeActivities>({ startToCloseTimeout: '1 minute' });

/** `steps` no-op activities in sequence, as a cascade of `steps` model calls makes them. */
export async function bareSteps(steps: number): Promise<number> {
  for (let i = 0; i < steps; i++) await benchNoop(`step ${i + 1}`);
  return steps;
}

/**
 * The calls twin: `steps` model calls in sequence through the cascade's own `callModel` activity
 * (the bench worker's bare twin registers the cascade's activities too), and nothing else. Against
 * it the cascade's cost is its own (decisions, checks, search attributes, memo, config); against
 * the bare twin, that plus what the model calls cost (provider SDK, HTTP, the simulator).
 */
export async function bareModelCalls(steps: number, call: CallModelInput): Promise<number> {
  for (let i = 0; i < steps; i++) await callModel(call);
  return steps;
}
