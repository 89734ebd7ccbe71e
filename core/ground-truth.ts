import { type GroundTruthValue } from './request';
import { normalizeText } from './normalize-answer';

/** One answer field that contradicts a ground-truth fact. */
export interface Contradiction {
  key: string;
  /** Where in the answer the contradicting value is, e.g. `invoice.total`. */
  path: string;
  expected: GroundTruthValue;
  actual: unknown;
}

/**
 * Finds answer fields that name a ground-truth key but hold a different value. A key matches a
 * field whose path ends with the key's segments (`total` matches `invoice.total`), ignoring case,
 * `_` and `-`. Fields the answer does not have are not contradictions: silence is not a claim.
 */
export function findJsonContradictions(
  answer: unknown,
  groundTruth: Record<string, GroundTruthValue>,
): Contradiction[] {
  const fields = flatten(answer);
  const contradictions: Contradiction[] = [];
  for (const [key, expected] of Object.entries(groundTruth)) {
    const keySegments = key.split('.').map(canonicalKey);
    for (const field of fields) {
      if (!endsWith(field.segments, keySegments)) continue;
      if (!valuesEqual(expected, field.value))
        contradictions.push({ key, path: field.path, expected, actual: field.value });
    }
  }
  return contradictions;
}

/**
 * A `key: value` line, trimmed. Linear in the line's length: no two adjacent parts can take the same
 * characters in more than a bounded number of ways (the key is at most 61 characters, and the value
 * reaches the end of the line on the first try). The earlier form, with `\s*` at both ends around
 * optional parts, took 8.5 s on a line of 64K spaces.
 */
const KEY_VALUE_LINE = /^(?:[-*]\s*)?\**([A-Za-z][\w .-]{0,60}?)\**\s*[:=]\**\s*\**([\s\S]+?)\**$/;

/**
 * The same check for prose answers: `key: value` (or `key = value`) lines that name a ground-truth
 * key with another value. Markdown bold around the key or the value (`**Total:** 12`) is ignored.
 */
export function findTextContradictions(text: string, groundTruth: Record<string, GroundTruthValue>): Contradiction[] {
  const contradictions: Contradiction[] = [];
  for (const line of text.split('\n')) {
    const match = KEY_VALUE_LINE.exec(line.trim());
    if (!match) continue;
    const lineKey = canonicalKey(match[1]!);
    for (const [key, expected] of Object.entries(groundTruth)) {
      const lastSegment = canonicalKey(key.split('.').pop()!);
      if (lineKey !== lastSegment) continue;
      if (!valuesEqual(expected, match[2]!))
        contradictions.push({ key, path: match[1]!.trim(), expected, actual: match[2]! });
    }
  }
  return contradictions;
}

function canonicalKey(key: string): string {
  return key.toLowerCase().replace(/[\s_-]+/g, '');
}

function endsWith(segments: string[], suffix: string[]): boolean {
  if (suffix.length > segments.length) return false;
  const offset = segments.length - suffix.length;
  return suffix.every((segment, i) => segments[offset + i] === segment);
}

interface Field {
  path: string;
  segments: string[];
  value: unknown;
}

/** Every primitive leaf of a JSON value, with its path; array indices do not count as segments. */
function flatten(value: unknown, path = '', segments: string[] = [], out: Field[] = []): Field[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(item, `${path}[${i}]`, segments, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      flatten(child, path ? `${path}.${key}` : key, [...segments, canonicalKey(key)], out);
    }
  } else if (segments.length > 0) {
    out.push({ path, segments, value });
  }
  return out;
}

/** Compares a fact with an answer value after normalisation: numbers numerically, booleans by meaning, text loosely. */
export function valuesEqual(expected: GroundTruthValue, actual: unknown): boolean {
  if (expected === null)
    return actual === null || (typeof actual === 'string' && /^(null|none|n\/a|)$/i.test(actual.trim()));
  if (actual === null || actual === undefined) return false;
  if (typeof expected === 'boolean' || typeof actual === 'boolean') {
    const expectedTruth = asBoolean(expected);
    const actualTruth = asBoolean(actual);
    return expectedTruth !== undefined && expectedTruth === actualTruth;
  }
  const expectedNumber = asNumber(expected);
  const actualNumber = asNumber(actual);
  if (expectedNumber !== undefined && actualNumber !== undefined) {
    return (
      Math.abs(expectedNumber - actualNumber) <= 1e-9 * Math.max(1, Math.abs(expectedNumber), Math.abs(actualNumber))
    );
  }
  if (expectedNumber !== undefined || actualNumber !== undefined) {
    // One side is a number and the other is not: compare as text ("12 kg" vs 12 stays unequal).
    return normalizeText(String(expected)) === normalizeText(String(actual));
  }
  const expectedText = normalizeText(String(expected));
  const actualText = normalizeText(String(actual));
  if (expectedText === actualText) return true;
  const expectedDay = asIsoDay(String(expected));
  return expectedDay !== undefined && expectedDay === asIsoDay(String(actual));
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (['true', 'yes', 'y'].includes(text)) return true;
  if (['false', 'no', 'n'].includes(text)) return false;
  return undefined;
}

/** Numbers, and strings that are only a number with currency signs, separators or a percent sign. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const stripped = value
    .trim()
    .replace(/^[$€£]\s*/, '')
    .replace(/\s*(%|usd|eur|gbp)$/i, '')
    .replace(/,(?=\d{3}\b)/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(stripped)) return undefined;
  return Number(stripped);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A calendar day from `2024-03-05`, `March 5, 2024` or `5 March 2024`, so equal dates in other formats agree. */
function asIsoDay(text: string): string | undefined {
  const value = text.trim().toLowerCase();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[t ].*)?$/.exec(value);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  const monthFirst = /^([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(value);
  const dayFirst = /^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})$/.exec(value);
  const [month, day, year] = monthFirst
    ? [monthFirst[1]!, monthFirst[2]!, monthFirst[3]!]
    : dayFirst
      ? [dayFirst[2]!, dayFirst[1]!, dayFirst[3]!]
      : [];
  if (!month || !day || !year) return undefined;
  const index = MONTHS.indexOf(month);
  if (index < 0) return undefined;
  return `${year}-${String(index + 1).padStart(2, '0')}-${day.padStart(2, '0')}`;
}
