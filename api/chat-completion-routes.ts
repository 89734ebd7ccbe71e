import { RequestValidationError } from '../core/request';
import { callerOf } from './api-caller';
import { type ApiContext } from './api-context';
import { ApiError, invalidRequest } from './api-error';
import {
  toCascadeInput,
  toChatCompletion,
  toChatCompletionChunks,
  toServerSentEvents,
  unansweredError,
} from './chat-completion-mapping';
import { ChatCompletionRequest } from './chat-completion-schemas';
import { statusUrl } from './cascade-routes';
import { idempotencyKeyFrom, parseInput, parseQuery } from './parse-input';
import { NoQuery } from './cascade-schemas';
import { type RouteTable } from './route-table';
import { annotateCascadeId } from '../telemetry/http-tracing';

/** The error dialect of this path: OpenAI's error shape (chosen by path in the error handler). */
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/**
 * `POST /v1/chat/completions`: OpenAI's endpoint on top of a cascade. It runs the cascade to the
 * end (up to the chat wait limit) and answers in OpenAI's `chat.completion` shape, with the final
 * model in `model` and the cascade's record in the `cascade` field. With `stream: true` the same
 * answer comes as server-sent `chat.completion.chunk` events; the stream starts only when the
 * answer is final, since a cheap tier's text may still be rejected, so every failure before it is
 * an ordinary HTTP error the client's SDK raises.
 */
export function registerChatCompletionRoutes(routes: RouteTable, context: ApiContext): void {
  const { config, limits } = context;

  routes.add(CHAT_COMPLETIONS_PATH, {
    async POST(request, reply) {
      parseQuery(NoQuery, request.query);
      const caller = callerOf(request);
      if (request.body === undefined)
        throw invalidRequest([
          'body: required: a chat completion request, e.g. {"model": "cascade", "messages": [...]}',
        ]);
      const chat = parseInput(ChatCompletionRequest, request.body);
      const { request: input, toChatProblem } = toCascadeInput(chat, config, idempotencyKeyFrom(request.headers));
      // In the caller's tenant, like POST /v1/cascades: its id namespace and budget ceiling. It
      // validates before Temporal is touched; the problems are named as the chat request's fields.
      let submission;
      try {
        submission = await context.submitFor(caller, input);
      } catch (error) {
        if (error instanceof RequestValidationError) throw invalidRequest(error.problems.map(toChatProblem));
        throw error;
      }
      const { id, workflowId } = submission;
      annotateCascadeId(workflowId);
      const waited = await context.waitForResult(workflowId, limits.chatWaitMs, reply);
      if (waited.kind === 'timeout') {
        throw new ApiError({
          status: 504,
          code: 'cascade_still_running',
          message: `cascade ${id} is still running after ${Math.round(limits.chatWaitMs / 1000)} s; its result will be at ${statusUrl(id)}`,
          // A retry without an Idempotency-Key would start a second cascade.
          headers: { 'x-should-retry': 'false', location: statusUrl(id) },
        });
      }
      if (waited.kind === 'ended') {
        throw new ApiError({
          status: 502,
          code: `cascade_${waited.status}`,
          message: waited.message,
          headers: { 'x-should-retry': 'false' },
        });
      }
      const result = context.resultFor(caller, waited.result);
      const failure = unansweredError(result);
      if (failure) throw failure;
      reply.header('x-cascade-id', id).header('x-cascade-outcome', result.outcome);
      const completion = toChatCompletion(result, Date.now());
      if (chat.stream !== true) return completion;
      const chunks = toChatCompletionChunks(completion, { includeUsage: chat.stream_options?.include_usage === true });
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(toServerSentEvents(chunks));
    },
  });
}
