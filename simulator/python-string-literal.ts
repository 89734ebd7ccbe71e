/**
 * A parser for Python string literals and lists of them, as `repr()` writes them. The RouterBench
 * CSVs store every prompt and model response as such a list (e.g. `['B\n']`), so replay needs the
 * exact decoded text, escapes and all.
 */

/** The text is not a Python string literal (or list of them); `offset` is where parsing stopped. */
export class PythonLiteralSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'PythonLiteralSyntaxError';
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const HEX_ESCAPE_LENGTHS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** Walks one source string; each `read*` method consumes what it names or throws. */
class LiteralReader {
  offset = 0;

  constructor(readonly source: string) {}

  get done(): boolean {
    return this.offset >= this.source.length;
  }

  peek(): string | undefined {
    return this.source[this.offset];
  }

  skipWhitespace(): void {
    while (!this.done && ' \t\r\n'.includes(this.source[this.offset]!)) this.offset++;
  }

  expect(char: string): void {
    if (this.source[this.offset] !== char) throw new PythonLiteralSyntaxError(`expected "${char}"`, this.offset);
    this.offset++;
  }

  /** One literal, prefix and quotes included, e.g. `r'\d'`, `"it's"` or `'''a\nb'''`. */
  readString(): string {
    const prefixMatch = /^[rRuUbB]{0,2}/.exec(this.source.slice(this.offset, this.offset + 2));
    const prefix = (prefixMatch?.[0] ?? '').toLowerCase();
    if (/[^rub]|(.).*\1|u[rb]|[rb]u/.test(prefix))
      throw new PythonLiteralSyntaxError(`invalid string prefix "${prefix}"`, this.offset);
    this.offset += prefix.length;
    const raw = prefix.includes('r');
    const quoteChar = this.peek();
    if (quoteChar !== "'" && quoteChar !== '"')
      throw new PythonLiteralSyntaxError('expected a string literal', this.offset);
    const triple = this.source.startsWith(quoteChar.repeat(3), this.offset);
    const quote = triple ? quoteChar.repeat(3) : quoteChar;
    const start = this.offset;
    this.offset += quote.length;
    // Runs of ordinary characters are copied in one slice; only backslashes, quotes and newlines
    // need a closer look. Cells run to tens of kilobytes, so this matters.
    const special = triple ? /[\\'"]/g : /[\\'"\n]/g;
    let text = '';
    for (;;) {
      special.lastIndex = this.offset;
      const found = special.exec(this.source);
      if (!found) throw new PythonLiteralSyntaxError('unterminated string literal', start);
      text += this.source.slice(this.offset, found.index);
      this.offset = found.index;
      if (this.source.startsWith(quote, this.offset)) {
        this.offset += quote.length;
        return text;
      }
      const char = found[0];
      if (char === '\n') throw new PythonLiteralSyntaxError('newline in a single-quoted string', this.offset);
      if (char !== '\\') {
        text += char;
        this.offset++;
        continue;
      }
      text += raw ? this.readRawEscape() : this.readEscape();
    }
  }

  /** In a raw string a backslash only stops the next quote from ending it; both characters stay. */
  private readRawEscape(): string {
    const next = this.source[this.offset + 1];
    if (next === undefined) throw new PythonLiteralSyntaxError('unterminated string literal', this.offset);
    this.offset += 2;
    return `\\${next}`;
  }

  private readEscape(): string {
    const escapeStart = this.offset;
    const next = this.source[this.offset + 1];
    if (next === undefined) throw new PythonLiteralSyntaxError('unterminated escape', escapeStart);
    this.offset += 2;
    if (next === '\n') return '';
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) return simple;
    const hexLength = HEX_ESCAPE_LENGTHS[next];
    if (hexLength !== undefined) {
      const digits = this.source.slice(this.offset, this.offset + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(digits)) {
        throw new PythonLiteralSyntaxError(`truncated \\${next} escape`, escapeStart);
      }
      this.offset += hexLength;
      const codePoint = Number.parseInt(digits, 16);
      if (codePoint > 0x10ffff) throw new PythonLiteralSyntaxError(`\\${next} escape out of range`, escapeStart);
      return String.fromCodePoint(codePoint);
    }
    if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(this.source.slice(this.offset - 1, this.offset + 2))![0];
      this.offset += octal.length - 1;
      return String.fromCodePoint(Number.parseInt(octal, 8));
    }
    if (next === 'N') {
      // Named escapes need Unicode's name table, which `repr()` never emits; refuse them loudly
      // rather than decode them wrongly.
      throw new PythonLiteralSyntaxError('\\N{...} escapes are not supported', escapeStart);
    }
    // Python keeps an unknown escape as written, backslash included.
    return `\\${next}`;
  }
}

/** Decodes one Python string literal, e.g. `'it\'s'` -> `it's`. Adjacent literals concatenate. */
export function parsePythonStringLiteral(source: string): string {
  const reader = new LiteralReader(source);
  reader.skipWhitespace();
  let text = reader.readString();
  reader.skipWhitespace();
  while (!reader.done) {
    text += reader.readString();
    reader.skipWhitespace();
  }
  return text;
}

/** Decodes a Python list of string literals, e.g. `['B\n']` -> `['B\n']` as JS strings. */
export function parsePythonStringList(source: string): string[] {
  const reader = new LiteralReader(source);
  reader.skipWhitespace();
  reader.expect('[');
  const items: string[] = [];
  reader.skipWhitespace();
  while (reader.peek() !== ']') {
    let item = reader.readString();
    reader.skipWhitespace();
    while (reader.peek() !== ',' && reader.peek() !== ']' && !reader.done) {
      item += reader.readString();
      reader.skipWhitespace();
    }
    items.push(item);
    if (reader.peek() === ',') {
      reader.offset++;
      reader.skipWhitespace();
    } else if (reader.peek() !== ']') {
      throw new PythonLiteralSyntaxError('expected "," or "]"', reader.offset);
    }
  }
  reader.expect(']');
  reader.skipWhitespace();
  if (!reader.done) throw new PythonLiteralSyntaxError('unexpected text after the list', reader.offset);
  return items;
}
