/**
 * The workflow side of tracing, bundled into every workflow bundle (`bundleWorkflows`). It traces
 * only a workflow whose start carried trace context (an API with tracing on adds it), so with
 * tracing off no span is made in the sandbox and nothing is exported: no overhead. Old histories
 * carry no trace header and replay exactly as before.
 */
// The package's workflow-safe entry (its root also loads the worker and client sides); the rule's
// `**/lib/**` pattern is meant for this project's lib/, not a package's. Types only here: see `otelInterceptors`.
// eslint-disable-next-line no-restricted-imports
import type * as OtelWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * The OpenTelemetry workflow interceptors, loaded by the first traced workflow. The bundle runs this
 * module for every workflow, and a static import made every workflow evaluate the OpenTelemetry SDK
 * again (about a tenth of a one-step cascade's workflow CPU, `npm run bench -- --cpu-prof`), traced
 * or not. It is not preloaded: it registers OpenTelemetry globals, which the SDK would freeze.
 */
function otelInterceptors(): typeof OtelWorkflow {
  // A static path that the bundler resolves at build time, like an import: deterministic, only deferred.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, no-restricted-globals
  return require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OtelWorkflow;
}

/** The header the OpenTelemetry client interceptor puts trace context in. */
const TRACE_HEADER = '_tracer-data';

export const interceptors: WorkflowInterceptorsFactory = () => {
  // Per workflow (the factory runs once per workflow), decided by its start headers.
  let otel:
    | {
        inbound: OtelWorkflow.OpenTelemetryInboundInterceptor;
        outbound: OtelWorkflow.OpenTelemetryOutboundInterceptor;
        internals: OtelWorkflow.OpenTelemetryInternalsInterceptor;
      }
    | undefined;
  return {
    inbound: [
      {
        execute(input, next) {
          if (!(TRACE_HEADER in input.headers)) return next(input);
          if (!otel) {
            const {
              OpenTelemetryInboundInterceptor,
              OpenTelemetryOutboundInterceptor,
              OpenTelemetryInternalsInterceptor,
            } = otelInterceptors();
            otel = {
              inbound: new OpenTelemetryInboundInterceptor(),
              outbound: new OpenTelemetryOutboundInterceptor(),
              internals: new OpenTelemetryInternalsInterceptor(),
            };
          }
          return otel.inbound.execute(input, next);
        },
        handleSignal: (input, next) => (otel ? otel.inbound.handleSignal(input, next) : next(input)),
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => (otel ? otel.outbound.scheduleActivity(input, next) : next(input)),
        scheduleLocalActivity: (input, next) => (otel ? otel.outbound.scheduleLocalActivity(input, next) : next(input)),
        startChildWorkflowExecution: (input, next) =>
          otel ? otel.outbound.startChildWorkflowExecution(input, next) : next(input),
        continueAsNew: (input, next) => (otel ? otel.outbound.continueAsNew(input, next) : next(input)),
        getLogAttributes: (input, next) => (otel ? otel.outbound.getLogAttributes(input, next) : next(input)),
      },
    ],
    internals: [{ dispose: (input, next) => (otel ? otel.internals.dispose(input, next) : next(input)) }],
  };
};
