import { callerOf } from './api-caller';
import { type ApiContext } from './api-context';
import { errorBody, invalidRequest, toApiError } from './api-error';
import { answerHeaders, awaitAnswer, bestEffortWanted, submitDropIn } from './cascade-answer';
import { NoQuery } from './cascade-schemas';
import {
  toCascadeInput,
  toChatCompletion,
  toChatCompletionChunks,
  toServerSentEvents,
} from './chat-completion-mapping';
import { ChatCompletionRequest } from './chat-completion-schemas';
import { openEventStream } from './event-stream';
import { idempotencyKeyFrom, parseInput, parseQuery } from './parse-input';
import { type RouteTable } from './route-table';

/** The error dialect of this path: OpenAI's error shape (chosen by path in the error handler). */
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/**
 * `POST /v1/chat/completions`: OpenAI's endpoint on top of a cascade. It runs the cascade to the
 * end (up to the chat wait limit) and answers in OpenAI's `chat.completion` shape, with the final
 * model in `model`, its true `finish_reason`, and the cascade's record in the `cascade` field. A
 * cascade whose answers all failed their checks is an error (422) carrying that record, unless the
 * caller sends `x-cascade-best-effort: true` (or the route sets `bestEffort`).
 *
 * With `stream: true` the response starts at once (headers, then an SSE keep-alive comment every
 * `keepAliveMs`) and the checked answer follows as `chat.completion.chunk` events when the cascade
 * ends, since a cheap tier's text may still be rejected. Invalid requests are refused before the
 * stream opens, as ordinary HTTP errors; a failure after it opened is an `error` event in OpenAI's
 * shape, which the OpenAI SDK raises as an APIError.
 */
export function registerChatCompletionRoutes(routes: RouteTable, context: ApiContext): void {
  const { limits } = context;

  routes.add(CHAT_COMPLETIONS_PATH, {
    async POST(request, reply) {
      parseQuery(NoQuery, request.query);
      const caller = callerOf(request);
      if (request.body === undefined)
        throw invalidRequest([
          'body: required: a chat completion request, e.g. {"model": "cascade", "messages": [...]}',
        ]);
      const chat = parseInput(ChatCompletionRequest, request.body);
      const { request: input, toChatProblem } = toCascadeInput(chat, context, idempotencyKeyFrom(request.headers));
      const bestEffort = bestEffortWanted(request.headers);
      const { id, workflowId } = await submitDropIn(context, { caller, input, toChatProblem });
      if (chat.stream !== true) {
        const answer = await awaitAnswer(context, { id, workflowId, caller }, reply, { bestEffort });
        reply.headers(answerHeaders(answer.result, answer.bestEffort));
        return toChatCompletion(answer.result, Date.now(), { bestEffort: answer.bestEffort });
      }

      const stream = openEventStream(reply, { keepAliveMs: limits.keepAliveMs, headers: { 'x-cascade-id': id } });
      try {
        const answer = await awaitAnswer(context, { id, workflowId, caller }, reply, { bestEffort });
        const completion = toChatCompletion(answer.result, Date.now(), { bestEffort: answer.bestEffort });
        const includeUsage = chat.stream_options?.include_usage === true;
        stream.end(toServerSentEvents(toChatCompletionChunks(completion, { includeUsage })));
      } catch (error) {
        const apiError = toApiError(error, limits.bodyLimitBytes);
        if (apiError.status >= 500) request.log.error({ err: error, status: apiError.status }, 'stream failed');
        stream.end(`data: ${JSON.stringify(errorBody(apiError, 'openai', String(request.id)))}\n\n`);
      }
      return reply;
    },
  });
}
