/** The outcome of reading an answer as JSON. */
export type JsonAnswer = { ok: true; value: unknown } | { ok: false; reason: string };

const FENCED_BLOCK = /```(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?```/g;

/**
 * Reads an answer as JSON. Models often wrap JSON in a Markdown fence, so the whole answer may be
 * JSON or hold exactly one fenced block that is; prose around a bare JSON value is not accepted,
 * since the caller asked for JSON only.
 */
export function parseJsonAnswer(text: string): JsonAnswer {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'the answer is empty' };
  const direct = tryParse(trimmed);
  if (direct.ok) return direct;
  const blocks = [...trimmed.matchAll(FENCED_BLOCK)].map((m) => m[1] ?? '');
  if (blocks.length === 1) {
    const fenced = tryParse(blocks[0]!.trim());
    if (fenced.ok) return fenced;
    return { ok: false, reason: `the fenced block is not valid JSON (${fenced.reason})` };
  }
  if (blocks.length > 1)
    return { ok: false, reason: `the answer holds ${blocks.length} code blocks, expected one JSON value` };
  return { ok: false, reason: `the answer is not valid JSON (${direct.reason})` };
}

function tryParse(text: string): JsonAnswer {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = (error as Error).message;
    return { ok: false, reason: message.length > 120 ? `${message.slice(0, 117)}...` : message };
  }
}
