import { nestingDepth } from './json-depth';
import { compileLinearRegExp, UnsupportedPatternError } from './linear-regexp';
import { REFUSED_FORMATS } from './schema-formats';

/**
 * A request's JSON Schema as the validator runs it: its dialect read from `$schema`, checked
 * against the limits below, with every `$id` dropped (an id would register the schema under a
 * name another request could reach; only references inside the schema resolve), and with a step
 * counter added to every subschema, so the cost of validating an answer is bounded by
 * construction (see `json-schema.ts`). Pure: the same schema always prepares the same way.
 */

/** The JSON Schema dialects a schema may declare with `$schema`; 2020-12 when it declares none. */
export const SCHEMA_DIALECTS = ['2020-12', '2019-09', 'draft-07'] as const;
export type SchemaDialect = (typeof SCHEMA_DIALECTS)[number];

/** The dialect of a schema without `$schema`: 2020-12, as OpenAI's structured outputs and Pydantic assume. */
export const DEFAULT_SCHEMA_DIALECT: SchemaDialect = '2020-12';

const DIALECT_URIS: Readonly<Record<string, SchemaDialect>> = {
  'json-schema.org/draft/2020-12/schema': '2020-12',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft-07/schema': 'draft-07',
};

/** Limits on a schema, each chosen so that compiling it and validating an answer stay fast (README: Security). */
export const SCHEMA_LIMITS = {
  /** The schema as compact JSON. */
  maxChars: 64_000,
  /**
   * Property names declared, over every `properties` of the schema. Compiling costs about 0.1 ms a
   * property (bench/schema-check-bench.ts), in the API and in the workflow task of each cascade.
   */
  maxProperties: 500,
  /** Subschemas nested in subschemas (OpenAI allows 10 levels of objects; zod and Pydantic stay far below). */
  maxDepth: 32,
  /** JSON nesting of the whole document, values of `const`, `enum` and `default` included. */
  maxJsonDepth: 100,
  /** Characters of one `pattern` or `patternProperties` key. */
  maxPatternChars: 1_000,
} as const;

/** The custom keyword that counts validation steps; a schema may not use the name itself. */
export const STEP_KEYWORD = 'x-llm-cascade-step';

/**
 * What one application of a subschema to a value costs, in steps: a fixed part for its keywords,
 * plus parts per character of a string, per item of an array and per property of an object for
 * the keywords that look at each (patterns, formats, `additionalProperties`, `uniqueItems`, ...).
 */
export interface StepCost {
  base: number;
  perChar: number;
  perItem: number;
  perKey: number;
}

export interface PreparedSchema {
  dialect: SchemaDialect;
  /** The schema to compile: ids and `$schema` dropped, `STEP_KEYWORD: <index into costs>` on every subschema. */
  schema: Record<string, unknown> | boolean;
  costs: StepCost[];
  /** The `format` names the schema uses. */
  formats: string[];
}

export type PrepareOutcome = { ok: true; prepared: PreparedSchema } | { ok: false; problems: string[] };

/** Keywords the validator does not run, refused by name rather than silently ignored. */
const REFUSED_KEYWORDS: Readonly<Record<string, string>> = {
  $dynamicRef: 'dynamic references are not supported; use $ref',
  $dynamicAnchor: 'dynamic references are not supported; use $ref',
  $recursiveRef: 'recursive references are not supported; use $ref',
  $recursiveAnchor: 'recursive references are not supported; use $ref',
  $vocabulary: 'custom vocabularies are not supported',
  [STEP_KEYWORD]: 'this keyword name is reserved',
};

const SUBSCHEMA = [
  'additionalProperties',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'unevaluatedProperties',
  'unevaluatedItems',
  'additionalItems',
  'contentSchema',
];
const SUBSCHEMA_LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
/** Keywords that look at every property of an object value. */
const PER_KEY = [
  'additionalProperties',
  'patternProperties',
  'propertyNames',
  'unevaluatedProperties',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'minProperties',
  'maxProperties',
];
/** Keywords that look at every item of an array value. */
const PER_ITEM = ['items', 'prefixItems', 'additionalItems', 'contains', 'unevaluatedItems', 'uniqueItems'];
/** Keywords that read a string value whole (`minLength` counts code points). */
const PER_CHAR = ['pattern', 'format', 'minLength', 'maxLength'];

type SchemaObject = Record<string, unknown>;

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointer(path: string, ...tokens: (string | number)[]): string {
  return path + tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The dialect a `$schema` value names, or undefined for one not supported. */
export function dialectOf(uri: string): SchemaDialect | undefined {
  const bare = uri.replace(/^https?:\/\//, '').replace(/#$/, '');
  return DIALECT_URIS[bare];
}

/**
 * Reads a schema's dialect, checks it against the limits and the supported keywords, and builds
 * what the validator compiles. Problems are one line each, `<JSON pointer> <problem>` as the
 * validator's own messages are.
 */
export function prepareSchema(schema: SchemaObject | boolean): PrepareOutcome {
  if (typeof schema === 'boolean') {
    return { ok: true, prepared: { dialect: DEFAULT_SCHEMA_DIALECT, schema, costs: [], formats: [] } };
  }
  const problems: string[] = [];
  let dialect = DEFAULT_SCHEMA_DIALECT;
  if (schema.$schema !== undefined) {
    const declared = typeof schema.$schema === 'string' ? dialectOf(schema.$schema) : undefined;
    if (!declared) {
      return {
        ok: false,
        problems: [
          `/$schema unsupported dialect ${JSON.stringify(schema.$schema)}: supported are ${SCHEMA_DIALECTS.map((d) => `"${d}"`).join(', ')} (2020-12 when $schema is absent)`,
        ],
      };
    }
    dialect = declared;
  }
  if (nestingDepth(schema, SCHEMA_LIMITS.maxJsonDepth) > SCHEMA_LIMITS.maxJsonDepth)
    return { ok: false, problems: [`(root) is nested more than ${SCHEMA_LIMITS.maxJsonDepth} levels deep as JSON`] };
  const size = JSON.stringify(schema).length;
  if (size > SCHEMA_LIMITS.maxChars) {
    return {
      ok: false,
      problems: [`(root) is ${size} characters as compact JSON, more than the ${SCHEMA_LIMITS.maxChars} allowed`],
    };
  }

  const costs: StepCost[] = [];
  const formats = new Set<string>();
  let properties = 0;
  let tooDeep = false;

  const prepare = (node: unknown, path: string, depth: number): unknown => {
    if (!isObject(node)) return node;
    if (depth > SCHEMA_LIMITS.maxDepth) {
      if (!tooDeep) problems.push(`${path} is nested more than ${SCHEMA_LIMITS.maxDepth} subschemas deep`);
      tooDeep = true;
      return node;
    }
    const out: SchemaObject = {};
    const cost: StepCost = { base: 1, perChar: 0, perItem: 0, perKey: 0 };
    for (const [keyword, value] of Object.entries(node)) {
      const at = pointer(path, keyword);
      const refused = REFUSED_KEYWORDS[keyword];
      if (refused) {
        problems.push(`${at} unsupported keyword "${keyword}": ${refused}`);
        continue;
      }
      if (keyword === '$schema') {
        if (depth > 0 && (typeof value !== 'string' || dialectOf(value) !== dialect))
          problems.push(`${at} only the root may declare a dialect, and a subschema may not change it`);
        continue;
      }
      if (keyword === '$id') {
        // A draft-07 "#name" id is a local anchor; any other id is dropped, never registered.
        if (dialect === 'draft-07' && typeof value === 'string' && value.startsWith('#')) out.$id = value;
        continue;
      }
      if (keyword === '$ref') {
        if (typeof value !== 'string' || !value.startsWith('#'))
          problems.push(
            `${at} ${JSON.stringify(value)} is not a reference inside the schema: only local references ("#/$defs/...") are supported`,
          );
        out.$ref = value;
        continue;
      }
      if (keyword === 'pattern' && typeof value === 'string') checkPattern(value, at);
      if (keyword === 'format' && typeof value === 'string') {
        const refusedFormat = REFUSED_FORMATS[value];
        if (refusedFormat) problems.push(`${at} format "${value}" is not supported: ${refusedFormat}`);
        formats.add(value);
      }
      if (keyword === 'enum' && Array.isArray(value)) cost.base += value.length;
      if (keyword === 'const' || keyword === 'enum') cost.base += Math.ceil(JSON.stringify(value).length / 16);
      if (keyword === 'required' && Array.isArray(value)) cost.base += value.length;
      if (PER_KEY.includes(keyword)) cost.perKey = Math.max(cost.perKey, 1);
      if (PER_ITEM.includes(keyword)) cost.perItem = 1;
      if (PER_CHAR.includes(keyword)) cost.perChar += 1;

      if (SUBSCHEMA.includes(keyword)) {
        out[keyword] = prepare(value, at, depth + 1);
      } else if (SUBSCHEMA_LIST.includes(keyword) && Array.isArray(value)) {
        out[keyword] = value.map((item, i) => prepare(item, pointer(at, i), depth + 1));
      } else if (keyword === 'items') {
        out[keyword] = Array.isArray(value)
          ? value.map((item, i) => prepare(item, pointer(at, i), depth + 1))
          : prepare(value, at, depth + 1);
      } else if ((SUBSCHEMA_MAP.includes(keyword) || keyword === 'dependencies') && isObject(value)) {
        if (keyword === 'properties') properties += Object.keys(value).length;
        if (keyword === 'properties' || keyword === 'patternProperties') cost.base += Object.keys(value).length;
        if (keyword === 'patternProperties') {
          for (const key of Object.keys(value)) checkPattern(key, pointer(at, key));
          // Every property name of a value is matched against every pattern.
          cost.perKey += Object.keys(value).length;
        }
        out[keyword] = Object.fromEntries(
          Object.entries(value).map(([name, sub]) => [
            name,
            // draft-07 `dependencies` values are schemas or lists of property names.
            Array.isArray(sub) ? sub : prepare(sub, pointer(at, name), depth + 1),
          ]),
        );
      } else {
        out[keyword] = value;
      }
    }
    out[STEP_KEYWORD] = costs.length;
    costs.push(cost);
    return out;
  };

  const checkPattern = (pattern: string, at: string) => {
    if (pattern.length > SCHEMA_LIMITS.maxPatternChars) {
      problems.push(
        `${at} pattern is ${pattern.length} characters, more than the ${SCHEMA_LIMITS.maxPatternChars} allowed`,
      );
      return;
    }
    try {
      compileLinearRegExp(pattern);
    } catch (error) {
      if (!(error instanceof UnsupportedPatternError)) throw error;
      problems.push(
        `${at} ${error.message} (patterns run on a linear-time engine with RE2's limits, so that no answer can stall the validator)`,
      );
    }
  };

  const prepared = prepare(schema, '', 0) as SchemaObject;
  if (properties > SCHEMA_LIMITS.maxProperties)
    problems.push(`(root) declares ${properties} properties, more than the ${SCHEMA_LIMITS.maxProperties} allowed`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, prepared: { dialect, schema: prepared, costs, formats: [...formats] } };
}
