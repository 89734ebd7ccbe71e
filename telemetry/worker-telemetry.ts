import { type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { type CascadeSinks } from '../workflows/cascade-sinks';
import { type CascadeMetrics } from './cascade-metrics';
import { modelCallMetricsInterceptor } from './model-call-interceptor';

/** What a worker reports to: the process's metrics. Each part is optional; without it nothing is recorded. */
export interface WorkerTelemetry {
  metrics?: CascadeMetrics;
}

/**
 * The worker options that wire a worker to its telemetry: the `cascadeTelemetry` sink every cascade
 * calls once when it ends (not during replay), and the model-call interceptor. The sink is always
 * registered, so a worker without metrics does not log an unregistered sink per cascade.
 */
export function workerTelemetryOptions(telemetry: WorkerTelemetry = {}): Pick<WorkerOptions, 'sinks' | 'interceptors'> {
  const { metrics } = telemetry;
  const sinks: InjectedSinks<CascadeSinks> = {
    cascadeTelemetry: {
      finished: {
        fn(info, cascade, config) {
          const durationSeconds = Math.max(0, (Date.now() - info.startTime.getTime()) / 1000);
          metrics?.recordCascade(cascade, durationSeconds, config);
        },
      },
    },
  };
  return {
    sinks,
    interceptors: { activity: metrics ? [modelCallMetricsInterceptor(metrics)] : [] },
  };
}

/** For `Worker.runReplayHistories`: the same sinks, which a replay never calls but the SDK wants registered. */
export function replayTelemetryOptions(): Pick<WorkerOptions, 'sinks'> {
  return { sinks: workerTelemetryOptions().sinks };
}
