/**
 * A string matching a regular expression, for JSON Schema `pattern`s such as `^INV-\d{4}$` or
 * `^[A-Z]{2}[0-9]{3}$`. Covers the common subset: literals, escapes, `\d \w \s .`, character
 * classes with ranges, groups with alternation (the first branch is taken), and the quantifiers
 * `? * + {n} {n,} {n,m}` (the minimum count, at least one for `+`). Returns `undefined` for
 * anything else (lookarounds, backreferences, negated classes), or when the result does not match.
 */
export function samplePattern(pattern: string): string | undefined {
  try {
    const parser = new PatternParser(pattern.replace(/^\^/, '').replace(/(?<!\\)\$$/, ''));
    const sample = parser.parseAlternation();
    if (!parser.done) return undefined;
    return compilePattern(pattern).test(sample) ? sample : undefined;
  } catch {
    return undefined;
  }
}

/** JSON Schema patterns are Unicode regular expressions; a few valid ones only compile without the flag. */
function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return new RegExp(pattern);
  }
}

class UnsupportedPattern extends Error {}

const CLASS_SAMPLES: Readonly<Record<string, string>> = { d: '7', w: 'a', s: ' ', D: 'a', W: '-', S: 'a' };

class PatternParser {
  private offset = 0;

  constructor(private readonly source: string) {}

  get done(): boolean {
    return this.offset >= this.source.length;
  }

  /** `a|b|c`: samples the first branch, but still parses the others. */
  parseAlternation(): string {
    const first = this.parseSequence();
    while (this.source[this.offset] === '|') {
      this.offset++;
      this.parseSequence();
    }
    return first;
  }

  private parseSequence(): string {
    let out = '';
    while (!this.done && this.source[this.offset] !== '|' && this.source[this.offset] !== ')') {
      const atom = this.parseAtom();
      out += atom.repeat(this.parseQuantifier());
    }
    return out;
  }

  private parseAtom(): string {
    const char = this.source[this.offset++]!;
    switch (char) {
      case '(': {
        if (this.source[this.offset] === '?') {
          if (this.source[this.offset + 1] !== ':') throw new UnsupportedPattern();
          this.offset += 2;
        }
        const inner = this.parseAlternation();
        if (this.source[this.offset++] !== ')') throw new UnsupportedPattern();
        return inner;
      }
      case '[':
        return this.parseClass();
      case '.':
        return 'a';
      case '\\':
        return this.parseEscape();
      case '^':
      case '$':
      case '*':
      case '+':
      case '?':
      case '{':
        throw new UnsupportedPattern();
      default:
        return char;
    }
  }

  private parseEscape(): string {
    const char = this.source[this.offset++];
    if (char === undefined) throw new UnsupportedPattern();
    const sample = CLASS_SAMPLES[char];
    if (sample !== undefined) return sample;
    if (/[1-9bBkpPu]/.test(char)) throw new UnsupportedPattern();
    return { n: '\n', t: '\t', r: '\r' }[char] ?? char;
  }

  /** `[A-Z0-9_]`: the first item of the class. */
  private parseClass(): string {
    if (this.source[this.offset] === '^') throw new UnsupportedPattern();
    let first: string | undefined;
    while (this.source[this.offset] !== ']') {
      if (this.done) throw new UnsupportedPattern();
      let item = this.source[this.offset++]!;
      if (item === '\\') item = this.parseEscape();
      if (this.source[this.offset] === '-' && this.source[this.offset + 1] !== ']') {
        this.offset++;
        const end = this.source[this.offset++];
        if (end === undefined || end === '\\') throw new UnsupportedPattern();
      }
      first ??= item;
    }
    this.offset++;
    if (first === undefined) throw new UnsupportedPattern();
    return first;
  }

  private parseQuantifier(): number {
    const char = this.source[this.offset];
    let count = 1;
    if (char === '?' || char === '*') count = 0;
    else if (char === '+') count = 1;
    else if (char === '{') {
      const braces = /^\{(\d+)(?:,(\d*))?\}/.exec(this.source.slice(this.offset));
      if (!braces) throw new UnsupportedPattern();
      this.offset += braces[0].length;
      if (this.source[this.offset] === '?') this.offset++;
      return Number(braces[1]);
    } else return 1;
    this.offset++;
    if (this.source[this.offset] === '?') this.offset++;
    return count;
  }
}
