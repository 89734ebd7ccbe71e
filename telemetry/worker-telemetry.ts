import { Runtime, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { type Logger } from 'pino';
import { type CascadeTelemetry } from '../core/cascade-telemetry';
import { type CascadeConfig } from '../core/config';
import { configHash } from '../core/config-hash';
import { type CascadeSinks } from '../workflows/cascade-sinks';
import { type CascadeMetrics } from './cascade-metrics';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { type ActivityInterceptorsFactory } from '@temporalio/worker';
import { type WorkflowInfo } from '@temporalio/workflow';
import { modelCallInterceptor } from './model-call-interceptor';
import { CASCADE_ID_ATTRIBUTE, type Tracing } from './tracing';

/** What a worker reports to. Each part is optional: without metrics nothing is counted. */
export interface WorkerTelemetry {
  metrics?: CascadeMetrics;
  /** Where the one line per finished cascade goes; the Temporal runtime's logger when absent. */
  logger?: Logger;
  /** Traces activities and model calls, and exports the workflows' spans; off when absent. */
  tracing?: Tracing;
}

/** The module every workflow bundle carries: it traces the workflows whose start carried trace context. */
export const WORKFLOW_TRACING_MODULE = require.resolve('../workflows/tracing-interceptors');

/**
 * The workflow spans' exporter sink. The SDK's own copies the whole workflow info onto each span
 * (memo included, which holds the cascade's reasons); this hands it only the ids and names.
 */
function workflowSpanExporter(tracing: Tracing | undefined) {
  if (!tracing) return { export: { fn: () => {} } };
  const inner = makeWorkflowExporter(tracing.spanProcessor, tracing.resource as never);
  return {
    export: {
      fn: (info: WorkflowInfo, spans: unknown) =>
        inner.export.fn(
          {
            [CASCADE_ID_ATTRIBUTE]: info.workflowId,
            temporalWorkflowId: info.workflowId,
            run_id: info.runId,
            workflowType: info.workflowType,
            taskQueue: info.taskQueue,
            namespace: info.namespace,
          } as unknown as WorkflowInfo,
          spans as never,
        ),
    },
  };
}

/** What the log line of a finished cascade is made of. */
export interface CascadeFinishedInput {
  cascadeId: string;
  cascade: CascadeTelemetry;
  /** The config the cascade ran under, or the part of it it recorded (a slim cascade). */
  config: CascadeConfig | undefined;
  /** From the workflow's start to this worker's finish. */
  durationMs: number;
  /** The hash the cascade recorded, of the whole config; computed from `config` when absent. */
  configHash?: string | undefined;
}

/**
 * The one structured log line per finished cascade: labels and numbers, never prompt or answer
 * text, never a key.
 */
export function cascadeFinishedFields({
  cascadeId,
  cascade,
  config,
  durationMs,
  configHash: recordedHash,
}: CascadeFinishedInput): Record<string, unknown> {
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
    configHash: recordedHash ?? (config ? configHash(config) : null),
    durationMs,
  };
}

/**
 * The worker options that wire a worker to its telemetry: the `cascadeTelemetry` sink every cascade
 * calls once when it ends (not during replay), and the model-call interceptor. The sink is always
 * registered, so a worker without metrics does not log an unregistered sink per cascade.
 */
export function workerTelemetryOptions(
  telemetry: WorkerTelemetry = {},
  config?: CascadeConfig,
): Pick<WorkerOptions, 'sinks' | 'interceptors'> {
  const { metrics, tracing } = telemetry;
  const log = (fields: Record<string, unknown>) =>
    telemetry.logger
      ? telemetry.logger.info(fields, 'cascade finished')
      : Runtime.instance().logger.info('cascade finished', fields);
  const sinks: InjectedSinks<CascadeSinks> & Record<string, unknown> = {
    // Registered with tracing off too: a workflow started by a traced client must not log an unregistered sink.
    exporter: workflowSpanExporter(tracing),
    cascadeTelemetry: {
      finished: {
        fn(info, cascade, config, hash) {
          const durationMs = Math.max(0, Date.now() - info.startTime.getTime());
          metrics?.recordCascade(cascade, durationMs / 1000, config);
          log(cascadeFinishedFields({ cascadeId: info.workflowId, cascade, config, durationMs, configHash: hash }));
        },
      },
    },
  };
  const activity: ActivityInterceptorsFactory[] = [];
  if (tracing)
    activity.push((context) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(context, { tracer: tracing.tracer }),
      outbound: new OpenTelemetryActivityOutboundInterceptor(context),
    }));
  if ((metrics || tracing) && config)
    activity.push(
      modelCallInterceptor({ config, ...(metrics ? { metrics } : {}), ...(tracing ? { tracer: tracing.tracer } : {}) }),
    );
  return {
    sinks: sinks as InjectedSinks<CascadeSinks>,
    interceptors: { activity },
  };
}

/** For `Worker.runReplayHistories`: the same sinks, which a replay never calls but the SDK wants registered. */
export function replayTelemetryOptions(): Pick<WorkerOptions, 'sinks'> {
  return { sinks: workerTelemetryOptions().sinks };
}
