/**
 * Translation between OpenAI's Responses shapes and the cascade's own request and result. Pure
 * functions: the route handler does the I/O.
 */
import { CASCADE_MODEL } from '../core/exposed-models';
import { type CascadeResult } from '../core/result';
import { ApiError } from './api-error';
import { cascadeRecord, usageOf } from './cascade-answer';
import { type ChatCascadeInput } from './chat-completion-mapping';
import { modelTarget, type ModelScope } from './gateway-models';
import {
  type ResponsesInputItem,
  type ResponsesOutputItem,
  type ResponsesRequest,
  type ResponsesResponse,
  type ResponsesStreamEvent,
} from './responses-schemas';

function messageText(content: string | readonly { text?: unknown }[]): string {
  if (typeof content === 'string') return content;
  // Parts were checked to be text parts by the schema; joined as chat completions joins them.
  return content.map((part) => String(part.text)).join('\n');
}

function outputText(output: Extract<ResponsesInputItem, { type: 'function_call_output' }>['output']): string {
  return typeof output === 'string' ? output : output.map((part) => part.text).join('\n');
}

/**
 * Maps a Responses request onto a cascade request: `instructions` and system / developer messages
 * become the `system` text, message items the turns, `function_call` items an assistant's tool
 * calls (consecutive ones one turn, with the assistant text before them), `function_call_output`
 * items tool turns, `text.format` a JSON Schema to check against, `max_output_tokens` and the
 * sampling fields the generation parameters, and the idempotency key the id.
 */
export function toCascadeInputFromResponses(
  body: ResponsesRequest,
  scope: ModelScope,
  id: string | undefined,
): ChatCascadeInput {
  const target = modelTarget(body.model, scope);
  const systemParts: string[] = [];
  let firstSystem: string | undefined;
  if (body.instructions != null && body.instructions !== '') {
    systemParts.push(body.instructions);
    firstSystem = 'instructions';
  }
  const messages: Record<string, unknown>[] = [];
  /** Where each converted message came from, as a field path of the Responses request. */
  const origin: string[] = [];
  /** For an assistant turn built from function_call items: where each of its calls came from. */
  const callOrigin = new Map<number, string[]>();
  const items: readonly ResponsesInputItem[] =
    typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  items.forEach((item, i) => {
    const path = typeof body.input === 'string' ? 'input' : `input[${i}]`;
    if (item.type === 'function_call') {
      const call = { id: item.call_id, name: item.name, arguments: item.arguments };
      const last = messages.at(-1);
      const previous = items[i - 1];
      // A call right after the assistant's text or another call belongs to the same assistant turn.
      const sameTurn =
        last !== undefined &&
        last.role === 'assistant' &&
        previous !== undefined &&
        (previous.type === 'function_call' || ('role' in previous && previous.role === 'assistant'));
      if (sameTurn) {
        const k = messages.length - 1;
        last.toolCalls = [...((last.toolCalls as unknown[] | undefined) ?? []), call];
        callOrigin.set(k, [...(callOrigin.get(k) ?? []), path]);
      } else {
        messages.push({ role: 'assistant', content: '', toolCalls: [call] });
        origin.push(path);
        callOrigin.set(messages.length - 1, [path]);
      }
      return;
    }
    if (item.type === 'function_call_output') {
      messages.push({ role: 'tool', toolCallId: item.call_id, content: outputText(item.output) });
      origin.push(path);
      return;
    }
    const text = messageText(item.content);
    if (item.role === 'system' || item.role === 'developer') {
      firstSystem ??= `${path}.content`;
      if (text !== '') systemParts.push(text);
      return;
    }
    messages.push({ role: item.role, content: text });
    origin.push(path);
  });
  if (messages.length === 0) {
    throw new ApiError({
      status: 400,
      code: 'invalid_request',
      param: 'input',
      message: 'input: must hold at least one user message besides system and developer messages',
    });
  }

  const format = body.text?.format;
  let schema: unknown;
  if (format?.type === 'json_object') schema = { type: 'object' };
  if (format?.type === 'json_schema') schema = format.schema;

  const metadata = {
    ...(body.metadata ?? {}),
    ...(body.user !== undefined ? { user: body.user } : {}),
    ...(body.cascade?.metadata ?? {}),
  };
  const params = Object.fromEntries(
    Object.entries({ maxTokens: body.max_output_tokens, temperature: body.temperature, topP: body.top_p }).filter(
      ([, value]) => value !== undefined && value !== null,
    ),
  );
  const request: Record<string, unknown> = {
    messages,
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...responsesTools(body),
    ...(id !== undefined ? { id } : {}),
    ...(systemParts.length > 0 ? { system: systemParts.join('\n\n') } : {}),
    ...target,
    ...(schema !== undefined ? { schema } : {}),
    ...(body.cascade?.maxCostUsd !== undefined ? { maxCostUsd: body.cascade.maxCostUsd } : {}),
    ...(body.cascade?.groundTruth !== undefined ? { groundTruth: body.cascade.groundTruth } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };

  const toChatProblem = (problem: string): string => {
    const callField = /^messages\[(\d+)\]\.toolCalls\[(\d+)\](?:\.(\w+))?/.exec(problem);
    if (callField) {
      const where = callOrigin.get(Number(callField[1]))?.[Number(callField[2])];
      if (where !== undefined) {
        const field = callField[3] === 'id' ? '.call_id' : callField[3] !== undefined ? `.${callField[3]}` : '';
        return problem.replace(callField[0], `${where}${field}`);
      }
    }
    const messageField = /^messages\[(\d+)\]/.exec(problem);
    if (messageField) {
      const k = Number(messageField[1]);
      const where = origin[k] ?? messageField[0];
      const isToolTurn = messages[k]?.role === 'tool';
      return problem
        .replace(messageField[0], where)
        .replace(/^(input(?:\[\d+\])?)\.toolCallId\b/, '$1.call_id')
        .replace(/^(input(?:\[\d+\])?)\.content\b/, isToolTurn ? '$1.output' : '$1.content');
    }
    const renames: [RegExp, string][] = [
      [/^system\b/, firstSystem ?? 'instructions'],
      [/^schema\b/, 'text.format.schema'],
      [/^taskType\b/, 'model'],
      [/^id\b/, 'headers.idempotency-key'],
      [/^(maxCostUsd|groundTruth)\b/, 'cascade.$1'],
      [/^params\.maxTokens\b/, 'max_output_tokens'],
      [/^params\.topP\b/, 'top_p'],
      [/^params\.temperature\b/, 'temperature'],
      [/^toolChoice\.name\b/, 'tool_choice.name'],
      [/^toolChoice\b/, 'tool_choice'],
      [/^parallelToolCalls\b/, 'parallel_tool_calls'],
    ];
    for (const [pattern, replacement] of renames)
      if (pattern.test(problem)) return problem.replace(pattern, replacement);
    return problem;
  };
  return { request, toChatProblem };
}

/** The request's tools in the cascade's terms (null means unset). */
function responsesTools(body: ResponsesRequest): Record<string, unknown> {
  const choice = body.tool_choice;
  return {
    ...(body.tools && body.tools.length > 0
      ? {
          tools: body.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description != null ? { description: tool.description } : {}),
            ...(tool.parameters != null ? { parameters: tool.parameters } : {}),
          })),
        }
      : {}),
    // Without tools, a tool_choice or parallel_tool_calls is refused by validation, naming it.
    ...(choice != null ? { toolChoice: typeof choice === 'string' ? choice : { name: choice.name } } : {}),
    ...(body.parallel_tool_calls != null ? { parallelToolCalls: body.parallel_tool_calls } : {}),
  };
}

/**
 * The Responses `response` for a finished cascade: the final answer's text as one message (the
 * JSON re-serialised without any code fence when a schema was asked for and the answer parsed),
 * its tool calls as `function_call` items, `incomplete` when the final model stopped at its output
 * limit, and the request's settings echoed as OpenAI echoes them.
 */
export function toResponsesResponse(options: {
  result: CascadeResult;
  request: ResponsesRequest;
  createdAtMs: number;
  bestEffort?: boolean;
}): ResponsesResponse {
  const { result, request } = options;
  const usage = usageOf(result);
  const truncated = result.output.finishReason === 'length';
  const text = result.output.json !== undefined ? JSON.stringify(result.output.json) : result.output.text;
  const toolCalls = result.output.toolCalls ?? [];
  const output: ResponsesOutputItem[] = [
    ...(text !== '' || toolCalls.length === 0
      ? [
          {
            type: 'message' as const,
            id: `msg_${result.id}`,
            status: truncated ? ('incomplete' as const) : ('completed' as const),
            role: 'assistant' as const,
            content: [{ type: 'output_text' as const, text, annotations: [] }],
          },
        ]
      : []),
    ...toolCalls.map((call) => ({
      type: 'function_call' as const,
      id: `fc_${call.id}`,
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
      status: 'completed' as const,
    })),
  ];
  const choice = request.tool_choice;
  return {
    id: result.id,
    object: 'response',
    created_at: Math.floor(options.createdAtMs / 1000),
    status: truncated ? 'incomplete' : 'completed',
    incomplete_details: truncated ? { reason: 'max_output_tokens' } : null,
    error: null,
    model: result.finalModel ?? CASCADE_MODEL,
    output,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    temperature: request.temperature ?? null,
    top_p: request.top_p ?? null,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    tool_choice: choice ?? 'auto',
    tools: request.tools ?? [],
    text: { format: request.text?.format ?? { type: 'text' } },
    metadata: request.metadata ?? {},
    store: false,
    ...(request.user !== undefined ? { user: request.user } : {}),
    usage: {
      input_tokens: usage.inputTokens,
      input_tokens_details: { cached_tokens: usage.cachedInputTokens, cache_write_tokens: 0 },
      output_tokens: usage.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
    cascade: { ...cascadeRecord(result), ...(options.bestEffort ? { bestEffort: true as const } : {}) },
  };
}

/**
 * A finished response as the Responses stream events, in the order the API sends them, numbered
 * from 0: the response in progress and without output, then each output item opened, its text (or
 * a call's arguments) in one delta, since it exists whole before the stream starts (a tier's answer
 * is shown only after it passed its checks), and closed; then the response completed (or
 * incomplete) with its usage and the cascade record.
 */
export function toResponsesEvents(response: ResponsesResponse): ResponsesStreamEvent[] {
  const events: ResponsesStreamEvent[] = [];
  const push = (type: string, fields: Record<string, unknown>) =>
    events.push({ type, sequence_number: events.length, ...fields });
  const { cascade: _cascade, ...envelope } = response;
  const pending = { ...envelope, status: 'in_progress', incomplete_details: null, output: [], usage: null };
  push('response.created', { response: pending });
  push('response.in_progress', { response: pending });
  response.output.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === 'message') {
      push('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      item.content.forEach((part, content_index) => {
        const at = { item_id, output_index, content_index };
        push('response.content_part.added', { ...at, part: { ...part, text: '' } });
        push('response.output_text.delta', { ...at, delta: part.text, logprobs: [] });
        push('response.output_text.done', { ...at, text: part.text, logprobs: [] });
        push('response.content_part.done', { ...at, part });
      });
    } else {
      push('response.output_item.added', { output_index, item: { ...item, arguments: '', status: 'in_progress' } });
      push('response.function_call_arguments.delta', { item_id, output_index, delta: item.arguments });
      push('response.function_call_arguments.done', {
        item_id,
        output_index,
        name: item.name,
        arguments: item.arguments,
      });
    }
    push('response.output_item.done', { output_index, item });
  });
  push(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  return events;
}

/** Events as a `text/event-stream` body, each named by its type as OpenAI's API names them. */
export function toResponsesServerSentEvents(events: readonly ResponsesStreamEvent[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}
