import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { type ActivityInboundCallsInterceptor, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { type CallModelInput, type CallModelOutput } from '../workflows/definitions';
import { type CascadeConfig } from '../core/config';
import { type CascadeMetrics, MODEL_CALL_ERROR_KINDS } from './cascade-metrics';
import { CASCADE_ID_ATTRIBUTE } from './tracing';

/** The error kind of a failed model call, from the `ApplicationFailure` type `callModel` gives it. */
export function modelCallErrorKind(error: unknown): string {
  if (error instanceof CancelledFailure) return 'cancelled';
  const type = error instanceof ApplicationFailure ? error.type : undefined;
  return type && MODEL_CALL_ERROR_KINDS.has(type) ? type : 'other';
}

/**
 * The OpenTelemetry GenAI names (semantic conventions, gen_ai.*). Both the older `gen_ai.system`
 * and its successor `gen_ai.provider.name` are set, so backends of either generation read them.
 */
const GEN_AI = {
  operation: 'gen_ai.operation.name',
  system: 'gen_ai.system',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  maxTokens: 'gen_ai.request.max_tokens',
  temperature: 'gen_ai.request.temperature',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  errorType: 'error.type',
} as const;

/** The GenAI provider name: the well-known value for Anthropic and OpenAI, the config's name for a compatible server. */
function genAiProvider(config: CascadeConfig, provider: string): string {
  const type = config.providers[provider]?.type;
  return type === 'anthropic' || type === 'openai' ? type : provider;
}

/**
 * Observes every `callModel` attempt from outside the activity, so the activity stays about the
 * call itself. Metrics: duration by outcome, the error kind, the provider's token counts. Tracing
 * (when on): a client span `chat <model>` inside the activity's span, with the GenAI attributes and
 * the cascade id. Other activities pass through untouched.
 */
export function modelCallInterceptor(options: {
  config: CascadeConfig;
  metrics?: CascadeMetrics;
  tracer?: Tracer;
}): ActivityInterceptorsFactory {
  const { metrics, tracer, config } = options;
  return (context) => {
    if (context.info.activityType !== 'callModel') return {};
    const cascadeId = context.info.workflowExecution?.workflowId;
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const call = input.args[0] as CallModelInput;
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        const observe = async (span: Span | undefined) => {
          try {
            const output = (await next(input)) as CallModelOutput;
            metrics?.recordModelCall({
              model: call.model,
              provider: call.provider,
              durationSeconds: seconds(),
              usage: output.usage,
            });
            span?.setAttributes({
              [GEN_AI.responseModel]: output.responseModel,
              [GEN_AI.finishReasons]: [output.finishReason],
              [GEN_AI.inputTokens]: output.usage.inputTokens,
              [GEN_AI.outputTokens]: output.usage.outputTokens,
            });
            return output;
          } catch (error) {
            const kind = modelCallErrorKind(error);
            metrics?.recordModelCall({
              model: call.model,
              provider: call.provider,
              durationSeconds: seconds(),
              errorKind: kind,
            });
            span?.setAttribute(GEN_AI.errorType, kind);
            span?.setStatus({ code: SpanStatusCode.ERROR, message: kind });
            throw error;
          } finally {
            span?.end();
          }
        };
        if (!tracer) return observe(undefined);
        // The activity's own span (RunActivity:callModel) is the active one: it gets the cascade id too.
        if (cascadeId) trace.getActiveSpan()?.setAttribute(CASCADE_ID_ATTRIBUTE, cascadeId);
        const provider = genAiProvider(config, call.provider);
        return tracer.startActiveSpan(
          `chat ${call.providerModel}`,
          {
            kind: SpanKind.CLIENT,
            attributes: {
              [GEN_AI.operation]: 'chat',
              [GEN_AI.system]: provider,
              [GEN_AI.provider]: provider,
              [GEN_AI.requestModel]: call.providerModel,
              [GEN_AI.maxTokens]: call.maxOutputTokens,
              ...(call.temperature !== undefined ? { [GEN_AI.temperature]: call.temperature } : {}),
              ...(cascadeId ? { [CASCADE_ID_ATTRIBUTE]: cascadeId } : {}),
              'llm_cascade.model': call.model,
              'llm_cascade.attempt': context.info.attempt,
            },
          },
          observe,
        );
      },
    };
    return { inbound };
  };
}
