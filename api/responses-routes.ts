import { callerOf } from './api-caller';
import { type ApiContext } from './api-context';
import { errorBody, invalidRequest, toApiError, type OpenAIErrorResponse } from './api-error';
import { answerHeaders, awaitAnswer, bestEffortWanted, submitDropIn } from './cascade-answer';
import { NoQuery } from './cascade-schemas';
import { openEventStream } from './event-stream';
import { idempotencyKeyFrom, parseInput, parseQuery } from './parse-input';
import {
  toCascadeInputFromResponses,
  toResponsesEvents,
  toResponsesResponse,
  toResponsesServerSentEvents,
} from './responses-mapping';
import { ResponsesRequest } from './responses-schemas';
import { type RouteTable } from './route-table';

/** The error dialect of this path: OpenAI's error shape (chosen by path in the error handler). */
export const RESPONSES_PATH = '/v1/responses';

/**
 * `POST /v1/responses`: OpenAI's Responses endpoint (what `client.responses.create` and the Vercel
 * AI SDK's default OpenAI provider call) on top of the same cascade workflow and checks as
 * `/v1/chat/completions`: the answer as a `response` with the final model in `model` and its
 * function calls as `function_call` items, errors in OpenAI's shape (a cascade without a passing
 * answer is a 422 carrying its record, unless best-effort answers were asked for). Responses are
 * not stored: the cascade's record is at `GET /v1/cascades/{id}`.
 *
 * With `stream: true` the headers go out at once, SSE keep-alive comments follow while the cascade
 * runs, then the Responses events once the answer has passed its checks. A failure after the
 * stream opened is an `error` event that carries OpenAI's error object too, which the OpenAI SDK
 * raises as an APIError.
 */
export function registerResponsesRoutes(routes: RouteTable, context: ApiContext): void {
  const { limits } = context;

  routes.add(RESPONSES_PATH, {
    async POST(request, reply) {
      parseQuery(NoQuery, request.query);
      const caller = callerOf(request);
      if (request.body === undefined)
        throw invalidRequest(['body: required: a Responses request, e.g. {"model": "cascade", "input": "..."}']);
      const body = parseInput(ResponsesRequest, request.body);
      const { request: input, toChatProblem } = toCascadeInputFromResponses(
        body,
        context,
        idempotencyKeyFrom(request.headers),
      );
      const bestEffort = bestEffortWanted(request.headers);
      const { id, workflowId } = await submitDropIn(context, { caller, input, toChatProblem });
      const createdAtMs = Date.now();
      if (body.stream !== true) {
        const answer = await awaitAnswer(context, { id, workflowId, caller }, reply, { bestEffort });
        reply.headers(answerHeaders(answer.result, answer.bestEffort));
        return toResponsesResponse({
          result: answer.result,
          request: body,
          createdAtMs,
          bestEffort: answer.bestEffort,
        });
      }

      const stream = openEventStream(reply, { keepAliveMs: limits.keepAliveMs, headers: { 'x-cascade-id': id } });
      try {
        const answer = await awaitAnswer(context, { id, workflowId, caller }, reply, { bestEffort });
        const response = toResponsesResponse({
          result: answer.result,
          request: body,
          createdAtMs,
          bestEffort: answer.bestEffort,
        });
        stream.end(toResponsesServerSentEvents(toResponsesEvents(response)));
      } catch (error) {
        const apiError = toApiError(error, limits.bodyLimitBytes);
        if (apiError.status >= 500) request.log.error({ err: error, status: apiError.status }, 'stream failed');
        const openai = errorBody(apiError, 'openai', String(request.id)) as OpenAIErrorResponse;
        // Responses' own error event fields, plus OpenAI's error object, which makes the SDK raise it.
        const event = {
          type: 'error',
          sequence_number: 0,
          code: apiError.code,
          message: openai.error.message,
          param: apiError.param ?? null,
          ...openai,
        };
        stream.end(`event: error\ndata: ${JSON.stringify(event)}\n\n`);
      }
      return reply;
    },
  });
}
