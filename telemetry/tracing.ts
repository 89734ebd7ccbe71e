import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, Resource, type IResource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ConfigError } from '../core/config';

/**
 * OpenTelemetry tracing of a process: the HTTP request, the workflow, each activity and the
 * provider call, in one trace. Off unless an OTLP endpoint is configured with the standard
 * variables; off means no provider, no interceptors, no trace header on workflows: no overhead.
 */
export interface Tracing {
  tracer: Tracer;
  /** Where the workflow's spans (made in the sandbox, handed over by a sink) go. */
  spanProcessor: SpanProcessor;
  resource: IResource;
  /** Flushes the spans not yet exported. */
  shutdown(): Promise<void>;
}

/** The attribute every span of a cascade carries: its id (the request id). */
export const CASCADE_ID_ATTRIBUTE = 'llm_cascade.cascade_id';

/**
 * Installs the tracer provider for the process (the global one, with an AsyncLocalStorage context
 * manager and W3C `traceparent` propagation) around `spanProcessor`. Once per process.
 */
export function startTracing(options: { spanProcessor: SpanProcessor; serviceName: string }): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName }).merge(
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults.
    detectResourcesSync({ detectors: [envDetectorSync] }),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [options.spanProcessor] });
  provider.register();
  return {
    tracer: trace.getTracer('llm-cascade'),
    spanProcessor: options.spanProcessor,
    resource: provider.resource,
    shutdown: () => provider.shutdown(),
  };
}

const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const;
const PROTOCOL_VARIABLES = ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const;

/**
 * Tracing as the standard OpenTelemetry variables ask: on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, exporting OTLP over HTTP/protobuf in batches;
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` keep it off. The exporter reads the
 * endpoint, headers and timeout variables itself. A protocol other than http/protobuf is refused
 * at startup rather than silently ignored.
 */
export function tracingFromEnv(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((name) => name.trim().toLowerCase());
  if (exporters.includes('none')) return undefined;
  if (!ENDPOINT_VARIABLES.some((name) => env[name]?.trim())) return undefined;
  const problems: string[] = [];
  const unsupported = exporters.filter((name) => name !== 'otlp' && name !== '');
  if (unsupported.length > 0)
    problems.push(`OTEL_TRACES_EXPORTER: only "otlp" (or "none") is supported, got "${env.OTEL_TRACES_EXPORTER}"`);
  for (const name of PROTOCOL_VARIABLES) {
    const protocol = env[name]?.trim();
    if (protocol && protocol !== 'http/protobuf')
      problems.push(
        `${name}: only "http/protobuf" is supported (point it at the collector's OTLP/HTTP port, usually 4318), got "${protocol}"`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems, 'environment');
  return startTracing({
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName,
  });
}
