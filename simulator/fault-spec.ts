import { z } from 'zod';
import { SimulatedProvider } from './simulated-provider';

/** What an injected fault does to a call. */
export const FaultEffect = z.discriminatedUnion('type', [
  /** The provider's error response for this status, in its own error body shape. */
  z.strictObject({
    type: z.literal('http_error'),
    status: z.number().int().min(400).max(599),
    /** Sent as the `retry-after` header, in seconds. */
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    message: z.string().min(1).optional(),
  }),
  /** No response at all, until the client gives up (its timeout) or the simulator stops. */
  z.strictObject({ type: z.literal('hang') }),
  /** The normal response, this much later. */
  z.strictObject({ type: z.literal('delay'), ms: z.number().int().nonnegative().max(600_000) }),
  /** The connection is destroyed: before any response, or after the headers and half the body. */
  z.strictObject({ type: z.literal('reset'), when: z.enum(['before_headers', 'mid_body']).default('before_headers') }),
  /** Headers at once, then the body dribbled out in `chunks` pieces spread over `durationMs`. */
  z.strictObject({
    type: z.literal('slow_body'),
    durationMs: z.number().int().positive().max(600_000),
    chunks: z.number().int().min(2).max(1000).default(10),
  }),
]);
export type FaultEffect = z.infer<typeof FaultEffect>;

/**
 * A fault to inject: which calls it hits (a model, a whole provider, or both narrowed together;
 * neither: every call) and for how long (the next `times` calls, a `durationMs` window from now,
 * whichever ends first; neither: until removed).
 */
export const FaultSpec = z.strictObject({
  provider: SimulatedProvider.optional(),
  /** The request's `model` field, exactly. */
  model: z.string().min(1).optional(),
  effect: FaultEffect,
  times: z.number().int().positive().optional(),
  durationMs: z.number().int().positive().optional(),
});
export type FaultSpec = z.infer<typeof FaultSpec>;
export type FaultSpecInput = z.input<typeof FaultSpec>;

/** An injected fault and how much of it is left. */
export const ActiveFault = FaultSpec.extend({
  id: z.string(),
  createdAt: z.number(),
  /** Epoch ms when the window closes; `null`: no window. */
  expiresAt: z.number().nullable(),
  /** Calls it will still hit; `null`: no limit. */
  remainingCalls: z.number().int().nonnegative().nullable(),
  /** Calls it has hit so far. */
  hits: z.number().int().nonnegative(),
});
export type ActiveFault = z.infer<typeof ActiveFault>;
