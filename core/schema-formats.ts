import { type Format } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats';
import { compileLinearRegExp, UnsupportedPatternError } from './linear-regexp';

/**
 * The `format`s a schema's answers are checked against: ajv-formats' full set, with every format
 * that is a regular expression moved to the linear-time engine, since an answer is untrusted text
 * and `format` runs on all of it. Measured on adversarial strings of 20,000 characters, every
 * format stays under 30 ms except `url`, whose regular expression takes 1.3 s (quadratic in the
 * length): `url` is refused (use `uri`, the standard format). Two formats stay on JavaScript's
 * engine because RE2 has no lookahead, each linear by construction: `hostname` (its lookahead
 * limits the whole string to 254 characters) and `duration` (digit runs each end in a distinct
 * letter, so nothing is ambiguous). The function formats (`date`, `time`, `date-time`, `uri`,
 * `byte`, `regex`, ...) use anchored patterns without nested repetition.
 *
 * Names JSON Schema does not define (zod's `cuid`, `emoji`, `jwt`; Pydantic's `password`,
 * `binary`, ...) are annotations, as the specification says of unknown formats: zod emits a
 * `pattern` beside each, which is checked.
 */

/** Formats refused at validation, with the reason given in the 400. */
export const REFUSED_FORMATS: Readonly<Record<string, string>> = {
  url: 'its check takes time quadratic in the length of the string; use "uri", the standard format',
};

/** Formats kept on JavaScript's engine, with why each is safe there (see above). */
const LINEAR_BY_CONSTRUCTION = new Set(['hostname', 'duration']);

function linearFormat(name: string, format: Format): Format {
  if (!(format instanceof RegExp) || LINEAR_BY_CONSTRUCTION.has(name)) return format;
  try {
    const engine = compileLinearRegExp(format.source, format.flags);
    return (text: string) => engine.test(text);
  } catch (error) {
    // Only a new ajv-formats release could get here; failing loudly keeps the set honest.
    if (error instanceof UnsupportedPatternError) throw new Error(`format ${name}: ${error.message}`);
    throw error;
  }
}

const compiledFormats = new Map<string, Format>();

/** The check of a format JSON Schema defines (ajv-formats' set), or undefined for an annotation-only name. */
export function schemaFormat(name: string): Format | undefined {
  if (!Object.hasOwn(fullFormats, name) || name in REFUSED_FORMATS) return undefined;
  let format = compiledFormats.get(name);
  if (!format) {
    format = linearFormat(name, fullFormats[name as keyof typeof fullFormats]);
    compiledFormats.set(name, format);
  }
  return format;
}
