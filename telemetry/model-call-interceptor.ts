import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { type ActivityInboundCallsInterceptor, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { type CallModelInput, type CallModelOutput } from '../activities';
import { type CascadeMetrics, MODEL_CALL_ERROR_KINDS } from './cascade-metrics';

/** The error kind of a failed model call, from the `ApplicationFailure` type `callModel` gives it. */
export function modelCallErrorKind(error: unknown): string {
  if (error instanceof CancelledFailure) return 'cancelled';
  const type = error instanceof ApplicationFailure ? error.type : undefined;
  return type && MODEL_CALL_ERROR_KINDS.has(type) ? type : 'other';
}

/**
 * Measures every `callModel` attempt from outside the activity, so the activity stays about the
 * call itself: duration by outcome, the error kind, and the provider's token counts. Other
 * activities pass through untouched.
 */
export function modelCallMetricsInterceptor(metrics: CascadeMetrics): ActivityInterceptorsFactory {
  return (context) => {
    if (context.info.activityType !== 'callModel') return {};
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const call = input.args[0] as CallModelInput;
        const started = performance.now();
        try {
          const output = (await next(input)) as CallModelOutput;
          metrics.recordModelCall({
            model: call.model,
            provider: call.provider,
            durationSeconds: (performance.now() - started) / 1000,
            usage: output.usage,
          });
          return output;
        } catch (error) {
          metrics.recordModelCall({
            model: call.model,
            provider: call.provider,
            durationSeconds: (performance.now() - started) / 1000,
            errorKind: modelCallErrorKind(error),
          });
          throw error;
        }
      },
    };
    return { inbound };
  };
}
