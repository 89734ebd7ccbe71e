import { type ModelConfig, type RouteConfig } from './config';
import { requestMessages, type CascadeRequest, type Message } from './request';

/** What one model call sends, provider-neutral. */
export interface ModelPrompt {
  system?: string;
  messages: Message[];
  responseFormat?:
    { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown> | boolean };
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
  if (request.schema !== undefined)
    parts.push(`${SCHEMA_INSTRUCTION}\n\`\`\`json\n${JSON.stringify(request.schema, null, 2)}\n\`\`\``);
  if (route.feedbackOnEscalation && rejectedReasons.length > 0) {
    parts.push(
      `An earlier answer to this request was rejected:\n${rejectedReasons.map((r) => `- ${r}`).join('\n')}\nAvoid these problems.`,
    );
  }
  const prompt: ModelPrompt = { messages: requestMessages(request) };
  if (parts.length > 0) prompt.system = parts.join('\n\n');
  if (request.schema !== undefined && model.jsonMode === 'json_schema') {
    prompt.responseFormat = { type: 'json_schema', name: 'answer', schema: request.schema };
  } else if (request.schema !== undefined && model.jsonMode === 'json_object') {
    prompt.responseFormat = { type: 'json_object' };
  }
  return prompt;
}

/** All the text a prompt sends, for token estimates. */
export function promptText(prompt: ModelPrompt): string {
  return [prompt.system ?? '', ...prompt.messages.map((m) => m.content)].join('\n');
}
