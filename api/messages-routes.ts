import { callerOf } from './api-caller';
import { type ApiContext } from './api-context';
import { errorBody, invalidRequest, toApiError } from './api-error';
import { answerHeaders, awaitAnswer, bestEffortWanted, submitDropIn } from './cascade-answer';
import { openEventStream } from './event-stream';
import { toCascadeInputFromMessages, toMessagesEvents, toMessagesResponse } from './messages-mapping';
import { MessagesRequest } from './messages-schemas';
import { NoQuery } from './cascade-schemas';
import { idempotencyKeyFrom, parseInput, parseQuery } from './parse-input';
import { type RouteTable } from './route-table';

/** The error dialect of this path: Anthropic's error shape (chosen by path in the error handler). */
export const MESSAGES_PATH = '/v1/messages';

/**
 * `POST /v1/messages`: Anthropic's Messages endpoint on top of the same cascade workflow and checks
 * as `/v1/chat/completions`, for Claude SDK users: `model: "cascade"` or `"cascade/<route>"`, the
 * answer as a `message` with the final model's true `stop_reason`, errors in Anthropic's shape (a
 * cascade without a passing answer is a 422 carrying its record, unless best-effort answers were
 * asked for). With `stream: true` the Messages events follow SSE keep-alives once the cascade ends.
 */
export function registerMessagesRoutes(routes: RouteTable, context: ApiContext): void {
  const { limits } = context;

  routes.add(MESSAGES_PATH, {
    async POST(request, reply) {
      parseQuery(NoQuery, request.query);
      const caller = callerOf(request);
      if (request.body === undefined)
        throw invalidRequest([
          'body: required: a Messages request, e.g. {"model": "cascade", "max_tokens": 1024, "messages": [...]}',
        ]);
      const body = parseInput(MessagesRequest, request.body);
      const { request: input, toChatProblem } = toCascadeInputFromMessages(
        body,
        context,
        idempotencyKeyFrom(request.headers),
      );
      const bestEffort = bestEffortWanted(request.headers);
      const { id, workflowId } = await submitDropIn(context, { caller, input, toChatProblem });
      if (body.stream !== true) {
        const answer = await awaitAnswer(context, { id, workflowId, caller }, reply, { bestEffort });
        reply.headers(answerHeaders(answer.result, answer.bestEffort));
        return toMessagesResponse(answer.result, { bestEffort: answer.bestEffort });
      }

      const stream = openEventStream(reply, { keepAliveMs: limits.keepAliveMs, headers: { 'x-cascade-id': id } });
      try {
        const answer = await awaitAnswer(context, { id, workflowId, caller }, reply, { bestEffort });
        stream.end(toMessagesEvents(toMessagesResponse(answer.result, { bestEffort: answer.bestEffort })));
      } catch (error) {
        const apiError = toApiError(error, limits.bodyLimitBytes);
        if (apiError.status >= 500) request.log.error({ err: error, status: apiError.status }, 'stream failed');
        stream.end(`event: error\ndata: ${JSON.stringify(errorBody(apiError, 'anthropic', String(request.id)))}\n\n`);
      }
      return reply;
    },
  });
}
