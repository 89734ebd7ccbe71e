import { type ModelConfig, type RouteConfig } from './config';
import { MAX_CHECK_REASON_CHARS } from './checks';
import {
  requestMessages,
  type CascadeRequest,
  type GenerationParams,
  type Message,
  type ToolChoice,
  type ToolDefinition,
} from './request';

/** What one model call sends, provider-neutral. */
export interface ModelPrompt {
  system?: string;
  messages: Message[];
  responseFormat?:
    { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown> | boolean };
  /** The request's generation parameters, as asked for (each call caps `maxTokens` at its model's limit). */
  params?: GenerationParams;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
}

/** The line that introduces the expected schema; the demo's simulated models look for it too. */
export const SCHEMA_INSTRUCTION = 'Respond with only a JSON value that validates against this JSON Schema:';

/**
 * Builds the prompt for a call: the route's and the request's system text, the schema instruction
 * when a schema is expected, and, on an escalation with feedback on, why earlier answers were
 * rejected. Feedback goes into the system text so the user's turn stays exactly as they wrote it.
 */
export function buildPrompt(
  request: CascadeRequest,
  route: Pick<RouteConfig, 'system' | 'feedbackOnEscalation'>,
  model: Pick<ModelConfig, 'jsonMode'>,
  rejectedReasons: readonly string[] = [],
): ModelPrompt {
  const parts: string[] = [];
  if (route.system) parts.push(route.system);
  if (request.system) parts.push(request.system);
  // Compact: indentation grows with nesting, and a deep schema printed with it was ten times its size.
  if (request.schema !== undefined)
    parts.push(`${SCHEMA_INSTRUCTION}\n\`\`\`json\n${JSON.stringify(request.schema)}\n\`\`\``);
  if (route.feedbackOnEscalation && rejectedReasons.length > 0) {
    parts.push(
      `An earlier answer to this request was rejected:\n${rejectedReasons.map((r) => `- ${r}`).join('\n')}\nAvoid these problems.`,
    );
  }
  const prompt: ModelPrompt = { messages: requestMessages(request) };
  if (parts.length > 0) prompt.system = parts.join('\n\n');
  if (request.params !== undefined && Object.keys(request.params).length > 0) prompt.params = request.params;
  if (request.tools !== undefined) prompt.tools = request.tools;
  if (request.toolChoice !== undefined) prompt.toolChoice = request.toolChoice;
  if (request.parallelToolCalls !== undefined) prompt.parallelToolCalls = request.parallelToolCalls;
  if (request.schema !== undefined && model.jsonMode === 'json_schema') {
    prompt.responseFormat = { type: 'json_schema', name: 'answer', schema: request.schema };
  } else if (request.schema !== undefined && model.jsonMode === 'json_object') {
    prompt.responseFormat = { type: 'json_object' };
  }
  return prompt;
}

/** All the text a prompt sends, for token estimates. */
export function promptText(prompt: ModelPrompt): string {
  return [
    prompt.system ?? '',
    ...prompt.messages.map((m) =>
      [m.content, ...(m.toolCalls ?? []).map((c) => `${c.name} ${c.arguments}`)].join('\n'),
    ),
    ...(prompt.tools ?? []).map((tool) => JSON.stringify(tool)),
  ].join('\n');
}

/**
 * The most a model call's prompt may weigh, as JSON in UTF-8. A call's input is one Temporal
 * payload, refused over 2 MB (the server then terminates the cascade); this leaves room for the
 * call's other fields.
 */
export const MAX_PROMPT_PAYLOAD_BYTES = 1_500_000;

/** The longest escalation feedback a prompt can carry: every check's reason, each bounded. */
const FEEDBACK_ALLOWANCE = ['x'.repeat(MAX_CHECK_REASON_CHARS * 8)];

/**
 * The size of the largest prompt any model call of this request can send: the request's messages
 * and system text, the longest route instruction, the schema twice (in the instruction and as the
 * provider's response format) and the most feedback an escalation adds. Computed at validation, so
 * a request whose calls could not be carried is refused before anything starts.
 */
export function largestPromptBytes(
  request: CascadeRequest,
  routes: readonly Pick<RouteConfig, 'system'>[] = [],
): number {
  const routeSystem = routes.reduce(
    (longest, route) => ((route.system?.length ?? 0) > longest.length ? route.system! : longest),
    '',
  );
  const prompt = buildPrompt(
    request,
    { system: routeSystem, feedbackOnEscalation: true },
    { jsonMode: 'json_schema' },
    FEEDBACK_ALLOWANCE,
  );
  return utf8Length(JSON.stringify(prompt));
}

/**
 * Why a request is too large to run, or undefined: the largest prompt one of its model calls would
 * send must fit in one Temporal payload. `routes`: the config's routes (their instructions count),
 * or none when validating without a config.
 */
export function promptSizeProblem(
  request: CascadeRequest,
  routes: readonly Pick<RouteConfig, 'system'>[] = [],
): string | undefined {
  const bytes = largestPromptBytes(request, routes);
  if (bytes <= MAX_PROMPT_PAYLOAD_BYTES) return undefined;
  const schemaChars = request.schema === undefined ? 0 : JSON.stringify(request.schema).length;
  const schemaPart =
    schemaChars > 0
      ? ` (the schema's ${schemaChars} characters count twice: in the instruction and as the response format)`
      : '';
  return `${request.messages ? 'messages' : 'prompt'}: too large to run: a model call would carry a prompt of ${bytes} bytes${schemaPart}, more than the ${MAX_PROMPT_PAYLOAD_BYTES} one call may carry`;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    // A surrogate pair is one four-byte character: two units of two bytes each.
    else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}
