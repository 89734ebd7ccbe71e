import { RE2JS } from 're2js';

/**
 * Regular expressions from requests (a JSON Schema's `pattern` and `patternProperties`) run on RE2
 * (`re2js`, pure JavaScript, deterministic): time linear in the input whatever the pattern, where
 * JavaScript's backtracking engine takes exponential time on `^(a+)+$` against thirty `a`s and a
 * `!`. JSON Schema patterns are ECMA-262 regular expressions (with the `u` flag), so each is first
 * translated to RE2 syntax with the same meaning (`\uXXXX`, `.`, `\s`, `[^]` differ); what RE2
 * cannot run in linear time (lookaround, backreferences, repeat counts above 1000) is refused with
 * `UnsupportedPatternError`, which validation turns into a 400 naming the pattern.
 */

/** A pattern that cannot run on the linear-time engine, and why. */
export class UnsupportedPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern)} is not supported: ${reason}`);
    this.name = 'UnsupportedPatternError';
  }
}

/** The code point ranges of ECMA-262's `\s` (WhiteSpace and LineTerminator). */
const WHITESPACE_RANGES: readonly (readonly [number, number])[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const MAX_CODE_POINT = 0x10ffff;

function hex(codePoint: number): string {
  return `\\x{${codePoint.toString(16)}}`;
}

function rangesText(ranges: readonly (readonly [number, number])[]): string {
  return ranges.map(([low, high]) => (low === high ? hex(low) : `${hex(low)}-${hex(high)}`)).join('');
}

function complement(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [low, high] of ranges) {
    if (low > next) out.push([next, low - 1]);
    next = high + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const WHITESPACE = rangesText(WHITESPACE_RANGES);
const NOT_WHITESPACE = rangesText(complement(WHITESPACE_RANGES));
/** ECMA-262's `.` without the `s` flag: anything but a line terminator. */
const ANY_BUT_LINE_TERMINATOR = `[^\\n\\r${hex(0x2028)}${hex(0x2029)}]`;
const ANYTHING = `[${hex(0)}-${hex(MAX_CODE_POINT)}]`;
const NOTHING = `[^${hex(0)}-${hex(MAX_CODE_POINT)}]`;

/** `Script=Greek` and `General_Category=Letter` as RE2 spells them (`Greek`, `Letter` is refused by RE2 itself). */
function re2Property(name: string): string {
  const match = /^(?:Script|sc|General_Category|gc)=(.+)$/.exec(name);
  return match ? match[1]! : name;
}

/**
 * Translates an ECMA-262 pattern (valid with the `u` flag) to RE2 syntax with the same meaning, or
 * throws `UnsupportedPatternError`. A tokenizer, not a parser: it tracks only character classes,
 * escapes and group openings, which is where the two syntaxes differ.
 */
export function toRe2Pattern(pattern: string): string {
  const refuse = (reason: string): never => {
    throw new UnsupportedPatternError(pattern, reason);
  };
  const chars = [...pattern];
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '\\') {
      const { text, length } = translateEscape(chars, i, inClass, refuse);
      out += text;
      i += length;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      // `[` is literal inside an ECMA-262 class, but `[:alpha:]` means something in RE2.
      out += c === '[' ? '\\[' : c;
      i += 1;
      continue;
    }
    if (c === '[') {
      // ECMA-262's `[]` matches nothing and `[^]` anything; RE2 reads `]` there as a member.
      if (chars[i + 1] === ']') {
        out += NOTHING;
        i += 2;
        continue;
      }
      if (chars[i + 1] === '^' && chars[i + 2] === ']') {
        out += ANYTHING;
        i += 3;
        continue;
      }
      inClass = true;
      out += chars[i + 1] === '^' ? '[^' : '[';
      i += chars[i + 1] === '^' ? 2 : 1;
      continue;
    }
    if (c === '.') {
      out += ANY_BUT_LINE_TERMINATOR;
      i += 1;
      continue;
    }
    if (c === '(' && chars[i + 1] === '?') {
      const next = chars[i + 2];
      if (next === '=' || next === '!') refuse('lookahead cannot run in linear time');
      if (next === '<' && (chars[i + 3] === '=' || chars[i + 3] === '!'))
        refuse('lookbehind cannot run in linear time');
      if (next === '<') {
        out += '(?P<';
        i += 3;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  return out;
}

function translateEscape(
  chars: readonly string[],
  at: number,
  inClass: boolean,
  refuse: (reason: string) => never,
): { text: string; length: number } {
  const next = chars[at + 1];
  if (next === undefined) return refuse('it ends with a lone backslash');
  const hexDigits = (from: number, count: number) => chars.slice(from, from + count).join('');
  switch (next) {
    case 'u': {
      if (chars[at + 2] === '{') {
        const close = chars.indexOf('}', at + 3);
        return { text: `\\x{${chars.slice(at + 3, close).join('')}}`, length: close - at + 1 };
      }
      const unit = parseInt(hexDigits(at + 2, 4), 16);
      // A surrogate pair written as two escapes is one code point under the `u` flag.
      if (unit >= 0xd800 && unit <= 0xdbff && chars[at + 6] === '\\' && chars[at + 7] === 'u') {
        const low = parseInt(hexDigits(at + 8, 4), 16);
        if (low >= 0xdc00 && low <= 0xdfff)
          return { text: hex((unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000), length: 12 };
      }
      return { text: hex(unit), length: 6 };
    }
    case 'c':
      return { text: hex(chars[at + 2]!.charCodeAt(0) % 32), length: 3 };
    case '0':
      return { text: hex(0), length: 2 };
    case 's':
      return { text: inClass ? WHITESPACE : `[${WHITESPACE}]`, length: 2 };
    case 'S':
      return { text: inClass ? NOT_WHITESPACE : `[${NOT_WHITESPACE}]`, length: 2 };
    case 'b':
      // Inside a class `\b` is a backspace; outside it is a word boundary in both syntaxes.
      return { text: inClass ? hex(8) : '\\b', length: 2 };
    case 'k':
      return refuse('backreferences cannot run in linear time');
    case 'p':
    case 'P': {
      if (chars[at + 2] !== '{') return { text: `\\${next}`, length: 2 };
      const close = chars.indexOf('}', at + 3);
      return { text: `\\${next}{${re2Property(chars.slice(at + 3, close).join(''))}}`, length: close - at + 1 };
    }
    default:
      if (next >= '1' && next <= '9') return refuse('backreferences cannot run in linear time');
      return { text: `\\${next}`, length: 2 };
  }
}

/** What Ajv needs of a compiled pattern; `toString` keys Ajv's per-schema cache of patterns. */
export interface LinearRegExp {
  test(text: string): boolean;
  toString(): string;
}

const compiled = new Map<string, LinearRegExp>();
const MAX_COMPILED = 128;

/**
 * Compiles an ECMA-262 pattern (`u` flag semantics; `i` is the only other flag) for the
 * linear-time engine. Throws `UnsupportedPatternError` for a pattern that is not valid ECMA-262 or
 * that RE2 cannot run. Compiled patterns are cached by their text (a bounded cache: the same text
 * always compiles to the same automaton, so the cache cannot change an answer).
 */
export function compileLinearRegExp(pattern: string, flags = ''): LinearRegExp {
  const key = `${flags}/${pattern}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    throw new UnsupportedPatternError(pattern, `not a valid ECMA-262 regular expression (${(error as Error).message})`);
  }
  let engine: RE2JS;
  try {
    engine = RE2JS.compile(toRe2Pattern(pattern), flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    if (error instanceof UnsupportedPatternError) throw error;
    throw new UnsupportedPatternError(
      pattern,
      `the linear-time engine (RE2) cannot run it: ${(error as Error).message}`,
    );
  }
  const regExp: LinearRegExp = {
    test: (text) => engine.test(text),
    toString: () => `/${pattern}/${flags}`,
  };
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, regExp);
  return regExp;
}

/**
 * Ajv's `code.regExp` option: every `pattern` and `patternProperties` key of a schema compiles here.
 * Ajv passes the `u` flag (its `unicodeRegExp` default), which is RE2's own semantics.
 */
export const linearRegExpEngine = Object.assign((pattern: string, _flags: string) => compileLinearRegExp(pattern), {
  code: 'linearRegExp',
});
