import { ApplicationFailure, Context } from '@temporalio/activity';
import { ProviderErrorType, isRetryableProviderError } from '../core/provider-errors';
import { redactSecrets } from '../core/redact-secrets';
import { generateRequest } from '../providers/language-model';
import { ProviderError } from '../providers/provider-error';
import { type ProviderRegistry } from '../providers/provider-registry';
import { type CallModelInput, type CallModelOutput } from '../workflows/definitions';
import { createRequestMessagesReader } from './request-messages';

/** Transient failures pass through the retry policy; this is the backoff floor when a provider sends no `retry-after`. */
function toApplicationFailure(error: ProviderError): ApplicationFailure {
  const retryable = isRetryableProviderError(error.type);
  return ApplicationFailure.create({
    type: error.type,
    // Never the provider's own message: this lands in the history, the result, the memo and the
    // caller's response. The full message is logged (redacted) where the failure is caught.
    message: error.publicMessage,
    nonRetryable: !retryable,
    // `retryAfterMs` travels in the details too: once the attempts are used up, the workflow still
    // has to honour it before its next round on the tier (nextRetryDelay does not reach workflows).
    details: [
      {
        provider: error.options.provider,
        model: error.options.modelId,
        status: error.options.status ?? null,
        retryAfterMs: error.options.retryAfterMs ?? null,
      },
    ],
    ...(retryable && error.options.retryAfterMs !== undefined ? { nextRetryDelay: error.options.retryAfterMs } : {}),
  });
}

/**
 * `callModel`: one model call through the provider's SDK. Retries belong to Temporal: the SDK has
 * `maxRetries: 0`, and every provider error leaves here as an `ApplicationFailure` whose `type` is
 * its kind (see core/provider-errors.ts), retryable or not, with `retry-after` as `nextRetryDelay`.
 * Heartbeats let a crashed worker's call be retried within the heartbeat timeout instead of the
 * whole call timeout, and cancel the HTTP request when the workflow is cancelled.
 */
export function createCallModel(providers: ProviderRegistry) {
  const readRequestMessages = createRequestMessagesReader();
  return async function callModel(input: CallModelInput): Promise<CallModelOutput> {
    const context = Context.current();
    // A large request travels by reference: its messages are read from the cascade's input.
    const prompt =
      input.requestMessages === 'workflow-input'
        ? { ...input.prompt, messages: await readRequestMessages() }
        : input.prompt;
    // Every log line of a call names its cascade (the workflow id is the request id).
    const cascadeId = context.info.workflowExecution?.workflowId;
    let languageModel;
    try {
      languageModel = providers.languageModel(input.provider, input.providerModel);
    } catch (error) {
      throw ApplicationFailure.create({
        type: ProviderErrorType.configuration,
        message: redactSecrets((error as Error).message),
        nonRetryable: true,
      });
    }
    const heartbeatEvery = Math.max(200, Math.floor((context.info.heartbeatTimeoutMs ?? 30_000) / 3));
    const heartbeat = setInterval(() => context.heartbeat(), heartbeatEvery);
    // The SDKs' timeout stops counting once response headers arrive, so a body that dribbles in
    // would hold the call forever: this deadline covers the whole call.
    const deadline = AbortSignal.timeout(input.timeoutMs);
    const started = Date.now();
    try {
      const result = await languageModel.generate(
        generateRequest(prompt, input, AbortSignal.any([context.cancellationSignal, deadline])),
      );
      const latencyMs = Date.now() - started;
      context.log.info('model call completed', {
        cascadeId,
        model: input.model,
        attempt: context.info.attempt,
        latencyMs,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
      });
      return {
        text: result.text,
        ...(result.toolCalls ? { toolCalls: result.toolCalls } : {}),
        usage: result.usage,
        finishReason: result.finishReason,
        ...(result.stopSequence !== undefined ? { stopSequence: result.stopSequence } : {}),
        responseModel: result.responseModel,
        attempt: context.info.attempt,
        latencyMs,
      };
    } catch (error) {
      if (deadline.aborted && !context.cancellationSignal.aborted) {
        const timeout = new ProviderError(
          ProviderErrorType.timeout,
          `${input.provider} did not finish answering within ${input.timeoutMs} ms`,
          {
            provider: input.provider,
            modelId: input.providerModel,
          },
        );
        context.log.warn('model call timed out', {
          cascadeId,
          model: input.model,
          attempt: context.info.attempt,
        });
        throw toApplicationFailure(timeout);
      }
      if (error instanceof ProviderError) {
        context.log.warn('model call failed', {
          cascadeId,
          model: input.model,
          attempt: context.info.attempt,
          type: error.type,
          status: error.options.status,
          message: redactSecrets(error.message),
        });
        throw toApplicationFailure(error);
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  };
}
