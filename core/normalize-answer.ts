import { type AgreementNormalization } from './config';
import { parseJsonAnswer } from './json-answer';

/**
 * Reduces an answer to the form two answers are compared in. `undefined` means the answer has no
 * such form (no choice letter, no number), which never counts as agreement.
 */
export function normalizeAnswer(text: string, normalization: AgreementNormalization): string | undefined {
  switch (normalization) {
    case 'text':
      return normalizeText(text) || undefined;
    case 'choice':
      return extractChoice(text);
    case 'number':
      return extractNumber(text);
    case 'json': {
      const parsed = parseJsonAnswer(text);
      return parsed.ok ? canonicalJson(parsed.value) : undefined;
    }
    case 'code':
      return normalizeCode(text) || undefined;
  }
}

/** Lowercase, trimmed, whitespace collapsed, trailing sentence punctuation dropped. */
export function normalizeText(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!]+$/, '')
    .trim();
}

const CHOICE_PREFIX = /^(?:the\s+)?(?:correct\s+)?(?:answer|option|choice)\s*(?:is|:)?\s*:?\s*/i;
// A letter, maybe bracketed, then the end or a delimiter: "B", "(B)", "B) Paris", "D (the sun)", "B\n...".
// "A chart" or "I do" is rejected: a letter followed by a word may just be an English word.
const CHOICE_BODY = /^[([]?([A-Za-z])[)\]]?(?:\s*[.):,-]|\s*\(|\s*\n|\s*$)/;

/**
 * The choice letter an answer gives: `B` for "B\n", "(B)", "B) wet palms", "**B**", "The answer is B"
 * or "Answer: B". A lowercase letter counts only when it is the whole answer. Anything else, e.g.
 * an option's text instead of its letter, has no choice form, so it never counts as agreement.
 */
export function extractChoice(text: string): string | undefined {
  const stripEmphasis = (value: string) =>
    value
      .trim()
      .replace(/^[*_`]+|[*_`]+$/g, '')
      .trim();
  const answer = stripEmphasis(stripEmphasis(text).replace(CHOICE_PREFIX, ''));
  const match = CHOICE_BODY.exec(answer);
  if (!match) return undefined;
  const letter = match[1]!;
  if (letter !== letter.toUpperCase() && answer.length !== 1) return undefined;
  return letter.toUpperCase();
}

/**
 * The last number in the answer (worked answers end with the result: "... so x = 42"), thousands
 * separators and currency signs dropped, in canonical form.
 */
export function extractNumber(text: string): string | undefined {
  const matches = text.replace(/[$€£]/g, '').match(/-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi);
  const last = matches?.[matches.length - 1];
  if (!last) return undefined;
  const value = Number(last.replace(/,/g, ''));
  return Number.isFinite(value) ? String(value) : undefined;
}

/** JSON with object keys sorted, so key order never decides agreement. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Code without fences, comments, blank lines and trailing whitespace: formatting never decides agreement. */
export function normalizeCode(text: string): string {
  const fenced = /```[a-zA-Z0-9_+-]*\s*\n([\s\S]*?)```/.exec(text);
  const code = fenced ? fenced[1]! : text;
  return code
    .split('\n')
    .map((line) => line.replace(/(^|\s)(#|\/\/).*$/, '').trimEnd())
    .filter((line) => line.trim() !== '')
    .join('\n');
}
