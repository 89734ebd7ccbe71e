/**
 * What kind of JSON, if any, a request asks its answer to be. `enforced`: the API itself
 * guarantees the format (OpenAI's `response_format`, Anthropic's `output_config.format`), so every
 * answer is JSON; otherwise only the prompt asks, and a model may ignore it.
 */
export type JsonRequest =
  | { kind: 'none' }
  /** JSON of any shape: OpenAI's `json_object`, or an instruction without a usable schema. */
  | { kind: 'any_json'; enforced: boolean }
  | { kind: 'schema'; schema: unknown; enforced: boolean };

/** The line the engine adds to a prompt to ask for JSON, followed by the schema in a ```json block. */
export const JSON_SCHEMA_INSTRUCTION = 'Respond with only a JSON value that validates against this JSON Schema:';

const FENCED_BLOCK = /```[A-Za-z]*[ \t]*\n([\s\S]*?)```/;
const LOOSE_JSON_INSTRUCTION = /\b(?:respond|reply|answer|return|output)\b[^.\n]{0,40}\bJSON\b/i;

/**
 * Reads a JSON request out of prompt texts (system prompt first, then user turns): the engine's
 * instruction with its schema, or a plainer request for JSON.
 */
export function findPromptJsonRequest(texts: readonly string[]): JsonRequest {
  for (const text of texts) {
    const at = text.toLowerCase().indexOf(JSON_SCHEMA_INSTRUCTION.toLowerCase());
    if (at < 0) continue;
    const block = FENCED_BLOCK.exec(text.slice(at + JSON_SCHEMA_INSTRUCTION.length));
    if (!block) return { kind: 'any_json', enforced: false };
    try {
      return { kind: 'schema', schema: JSON.parse(block[1]!), enforced: false };
    } catch {
      return { kind: 'any_json', enforced: false };
    }
  }
  return texts.some((text) => LOOSE_JSON_INSTRUCTION.test(text))
    ? { kind: 'any_json', enforced: false }
    : { kind: 'none' };
}
