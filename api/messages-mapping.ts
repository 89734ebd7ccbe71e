/**
 * Translation between Anthropic's Messages shapes and the cascade's own request and result. Pure
 * functions: the route handler does the I/O.
 */
import { type CascadeResult } from '../core/result';
import { invalidRequest } from './api-error';
import { cascadeRecord, usageOf } from './cascade-answer';
import { type ChatCascadeInput } from './chat-completion-mapping';
import { modelTarget, type ModelScope } from './gateway-models';
import {
  type MessagesContentBlock,
  type MessagesRequest,
  type MessagesResponse,
  type MessagesStopReason,
} from './messages-schemas';

function textOf(content: string | readonly { text: string }[] | undefined): string {
  if (content === undefined) return '';
  return typeof content === 'string' ? content : content.map((block) => block.text).join('\n');
}

/**
 * Maps a Messages request onto a cascade request: `system` becomes the system text, text blocks
 * the turns, `tool_use` blocks an assistant's tool calls and `tool_result` blocks tool turns (in
 * the order they came), `max_tokens` and the sampling fields the generation parameters, tools and
 * tool choice their cascade forms, and the idempotency key the id.
 */
export function toCascadeInputFromMessages(
  body: MessagesRequest,
  scope: ModelScope,
  id: string | undefined,
): ChatCascadeInput {
  const target = modelTarget(body.model, scope);
  const messages: Record<string, unknown>[] = [];
  /** Where each converted message came from, as a field path of the Messages request. */
  const origin: string[] = [];
  body.messages.forEach((message, i) => {
    if (typeof message.content === 'string') {
      messages.push({ role: message.role, content: message.content });
      origin.push(`messages[${i}]`);
      return;
    }
    if (message.role === 'assistant') {
      const calls = message.content.filter(
        (b): b is Extract<MessagesContentBlock, { type: 'tool_use' }> => b.type === 'tool_use',
      );
      const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
      messages.push({
        role: 'assistant',
        content: text,
        ...(calls.length > 0
          ? { toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.input) })) }
          : {}),
      });
      origin.push(`messages[${i}]`);
      return;
    }
    // A user turn: its tool results become tool turns, its text one user turn, in block order.
    let text: string[] = [];
    const flushText = () => {
      if (text.length === 0) return;
      messages.push({ role: 'user', content: text.join('\n') });
      origin.push(`messages[${i}]`);
      text = [];
    };
    message.content.forEach((block, j) => {
      if (block.type === 'text') text.push(block.text);
      else if (block.type === 'tool_result') {
        flushText();
        const result = textOf(block.content);
        messages.push({
          role: 'tool',
          toolCallId: block.tool_use_id,
          content: block.is_error ? `error: ${result}` : result || '(empty result)',
        });
        origin.push(`messages[${i}].content[${j}]`);
      } else {
        throw invalidRequest([`messages[${i}].content[${j}].type: a tool_use block belongs in an assistant message`]);
      }
    });
    flushText();
  });

  const choice = body.tool_choice;
  const params: Record<string, unknown> = {
    maxTokens: body.max_tokens,
    ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
    ...(body.stop_sequences !== undefined && body.stop_sequences.length > 0 ? { stop: body.stop_sequences } : {}),
  };
  const metadata = {
    ...(body.metadata?.user_id != null ? { user: body.metadata.user_id } : {}),
    ...(body.cascade?.metadata ?? {}),
  };
  const system = textOf(body.system);
  const request: Record<string, unknown> = {
    messages,
    params,
    ...(id !== undefined ? { id } : {}),
    ...(system !== '' ? { system } : {}),
    ...target,
    ...(body.tools && body.tools.length > 0
      ? {
          tools: body.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description !== undefined ? { description: tool.description } : {}),
            parameters: tool.input_schema,
          })),
        }
      : {}),
    ...(choice
      ? {
          toolChoice:
            choice.type === 'auto'
              ? 'auto'
              : choice.type === 'any'
                ? 'required'
                : choice.type === 'none'
                  ? 'none'
                  : { name: choice.name },
        }
      : {}),
    ...(choice && choice.type !== 'none' && choice.disable_parallel_tool_use ? { parallelToolCalls: false } : {}),
    ...(body.cascade?.maxCostUsd !== undefined ? { maxCostUsd: body.cascade.maxCostUsd } : {}),
    ...(body.cascade?.groundTruth !== undefined ? { groundTruth: body.cascade.groundTruth } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };

  const toChatProblem = (problem: string): string => {
    const messageField = /^messages\[(\d+)\]/.exec(problem);
    if (messageField) {
      return problem
        .replace(messageField[0], origin[Number(messageField[1])] ?? messageField[0])
        .replace(/\.toolCallId\b/, '.tool_use_id')
        .replace(/\.toolCalls\b/, '.content');
    }
    const renames: [RegExp, string][] = [
      [/^system\b/, 'system'],
      [/^taskType\b/, 'model'],
      [/^id\b/, 'headers.idempotency-key'],
      [/^(maxCostUsd|groundTruth)\b/, 'cascade.$1'],
      [/^params\.maxTokens\b/, 'max_tokens'],
      [/^params\.topP\b/, 'top_p'],
      [/^params\.stop\b/, 'stop_sequences'],
      [/^params\.temperature\b/, 'temperature'],
      [/^tools\[(\d+)\]\.parameters\b/, 'tools[$1].input_schema'],
      [/^toolChoice\.name\b/, 'tool_choice.name'],
      [/^(toolChoice|parallelToolCalls)\b/, 'tool_choice'],
    ];
    for (const [pattern, replacement] of renames)
      if (pattern.test(problem)) return problem.replace(pattern, replacement);
    return problem;
  };
  return { request, toChatProblem };
}

/** The final model's finish reason in Anthropic's words. */
export function messagesStopReason(reason: string | undefined): MessagesStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'refusal':
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** A tool call's arguments as the parsed object Anthropic's `tool_use.input` is; a best-effort answer's unparsable ones wrapped. */
function toolInput(args: string): unknown {
  try {
    const value: unknown = JSON.parse(args);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // Only a best-effort answer can get here: a passing one's arguments are a JSON object.
  }
  return { unparsed: args };
}

/** The Messages response for a finished cascade: the final answer's text and tool calls, its true stop reason. */
export function toMessagesResponse(result: CascadeResult, options: { bestEffort?: boolean } = {}): MessagesResponse {
  const usage = usageOf(result);
  const text = result.output.json !== undefined ? JSON.stringify(result.output.json) : result.output.text;
  return {
    id: result.id,
    type: 'message',
    role: 'assistant',
    model: result.finalModel ?? 'cascade',
    content: [
      ...(text !== '' ? [{ type: 'text' as const, text }] : []),
      ...(result.output.toolCalls ?? []).map((call) => ({
        type: 'tool_use' as const,
        id: call.id,
        name: call.name,
        input: toolInput(call.arguments),
      })),
    ],
    // Only Anthropic says which stop sequence ended an answer; an OpenAI model's stop stays end_turn.
    stop_reason:
      result.output.stopSequence !== undefined ? 'stop_sequence' : messagesStopReason(result.output.finishReason),
    stop_sequence: result.output.stopSequence ?? null,
    usage: {
      input_tokens: usage.inputTokens - usage.cachedInputTokens,
      output_tokens: usage.outputTokens,
      cache_read_input_tokens: usage.cachedInputTokens,
      cache_creation_input_tokens: 0,
    },
    cascade: { ...cascadeRecord(result), ...(options.bestEffort ? { bestEffort: true as const } : {}) },
  };
}

function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A finished message as the Messages stream events, in the order the API sends them: the message
 * without content, each content block whole (text in one delta, a tool call's input as one
 * `input_json_delta`), then the stop reason with the usage and the cascade record, then the stop.
 */
export function toMessagesEvents(message: MessagesResponse): string {
  const { content, stop_reason, stop_sequence, usage, cascade, ...envelope } = message;
  const events = [
    sseEvent('message_start', {
      type: 'message_start',
      message: {
        ...envelope,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 0 },
      },
    }),
  ];
  content.forEach((block, index) => {
    const opening = block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} };
    events.push(sseEvent('content_block_start', { type: 'content_block_start', index, content_block: opening }));
    const delta =
      block.type === 'text'
        ? { type: 'text_delta', text: block.text }
        : { type: 'input_json_delta', partial_json: JSON.stringify(block.input) };
    events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta }));
    events.push(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason, stop_sequence },
      usage: { output_tokens: usage.output_tokens },
      cascade,
    }),
    sseEvent('message_stop', { type: 'message_stop' }),
  );
  return events.join('');
}
