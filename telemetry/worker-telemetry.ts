import { Runtime, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { type Logger } from 'pino';
import { type CascadeTelemetry } from '../core/cascade-telemetry';
import { type CascadeConfig } from '../core/config';
import { configHash } from './config-hash';
import { type CascadeSinks } from '../workflows/cascade-sinks';
import { type CascadeMetrics } from './cascade-metrics';
import { modelCallMetricsInterceptor } from './model-call-interceptor';

/** What a worker reports to. Each part is optional: without metrics nothing is counted. */
export interface WorkerTelemetry {
  metrics?: CascadeMetrics;
  /** Where the one line per finished cascade goes; the Temporal runtime's logger when absent. */
  logger?: Logger;
}

/**
 * The one structured log line per finished cascade: labels and numbers, never prompt or answer
 * text, never a key. `durationMs` runs from the workflow's start to this worker's finish.
 */
export function cascadeFinishedFields(
  cascadeId: string,
  cascade: CascadeTelemetry,
  config: CascadeConfig | undefined,
  durationMs: number,
): Record<string, unknown> {
  return {
    event: 'cascade_finished',
    cascadeId,
    outcome: cascade.outcome,
    route: cascade.route,
    taskType: cascade.taskType,
    classifierSource: cascade.classifierSource,
    finalTier: cascade.finalTier,
    finalModel: cascade.finalModel,
    escalations: cascade.escalations.length,
    escalatedOn: cascade.escalations.map((escalation) => `${escalation.tier}:${escalation.check}`),
    costUsd: cascade.costUsd,
    baselineUsd: cascade.baselineUsd,
    savedUsd: cascade.savedUsd,
    configHash: config ? configHash(config) : null,
    durationMs,
  };
}

/**
 * The worker options that wire a worker to its telemetry: the `cascadeTelemetry` sink every cascade
 * calls once when it ends (not during replay), and the model-call interceptor. The sink is always
 * registered, so a worker without metrics does not log an unregistered sink per cascade.
 */
export function workerTelemetryOptions(telemetry: WorkerTelemetry = {}): Pick<WorkerOptions, 'sinks' | 'interceptors'> {
  const { metrics } = telemetry;
  const log = (fields: Record<string, unknown>) =>
    telemetry.logger
      ? telemetry.logger.info(fields, 'cascade finished')
      : Runtime.instance().logger.info('cascade finished', fields);
  const sinks: InjectedSinks<CascadeSinks> = {
    cascadeTelemetry: {
      finished: {
        fn(info, cascade, config) {
          const durationMs = Math.max(0, Date.now() - info.startTime.getTime());
          metrics?.recordCascade(cascade, durationMs / 1000, config);
          log(cascadeFinishedFields(info.workflowId, cascade, config, durationMs));
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
