import { ApplicationFailure, Context } from '@temporalio/activity';
import { ProviderErrorType } from '../core/provider-errors';
import { requestMessages, type Message } from '../core/request';
import { type CascadeWorkflowInput } from '../workflows/definitions';

/** Characters of request messages kept per worker; a cascade's calls (tiers, fallbacks, rounds) read them once. */
const CACHE_CHARS = 64 * 1024 * 1024;

/**
 * Reads a cascade's request messages from its input, for model calls whose input carries them by
 * reference (`CallModelInput.requestMessages`): the cascade's first history event, decoded with the
 * worker client's data converter (its codecs too). The input of a run never changes, so the answer
 * is cached per run, bounded in characters.
 */
export function createRequestMessagesReader() {
  const cache = new Map<string, { messages: Message[]; chars: number }>();
  let cachedChars = 0;
  return async function readRequestMessages(): Promise<Message[]> {
    const context = Context.current();
    const { workflowExecution, workflowNamespace } = context.info;
    if (!workflowExecution)
      throw referenceFailure('the call refers to its cascade input, but it runs outside a cascade');
    const key = `${workflowExecution.workflowId}\u0000${workflowExecution.runId}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit.messages;
    }
    const { client } = context;
    const response = await client.workflowService.getWorkflowExecutionHistory({
      namespace: workflowNamespace,
      execution: workflowExecution,
      maximumPageSize: 1,
    });
    const payloads = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
    let decoded = payloads;
    for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
    const input = decoded[0] ? payloadConverter.fromPayload<CascadeWorkflowInput>(decoded[0]) : undefined;
    if (!input?.request) throw referenceFailure('the call refers to its cascade input, which holds no request');
    const messages = requestMessages(input.request);
    const chars = messages.reduce((sum, m) => sum + m.content.length, 0);
    cache.set(key, { messages, chars });
    cachedChars += chars;
    for (const [oldest, entry] of cache) {
      if (cachedChars <= CACHE_CHARS || oldest === key) break;
      cache.delete(oldest);
      cachedChars -= entry.chars;
    }
    return messages;
  };
}

function referenceFailure(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ProviderErrorType.configuration, message, nonRetryable: true });
}
