import { type FactMode } from './simulator-script';
import { normalizeFactKey, type PromptFact } from './prompt-facts';
import { samplePattern } from './pattern-sample';
import { alternativeString, formatSample, plausibleNumber, plausibleString } from './plausible-values';
import { unitHash } from './unit-hash';

/**
 * Builds JSON answers the way a capable model would: a value valid for the requested JSON Schema,
 * with plausible field values, taking any `key: value` facts of the prompt for the fields they
 * name. In `contradict` mode every such field gets a different plausible value instead, which is
 * how a scripted model "gets the facts wrong".
 *
 * Supported: `type` (and type lists), `properties`, `required`, `items`/`prefixItems`,
 * `minItems`/`maxItems`/`uniqueItems`, `enum`, `const`, `anyOf`/`oneOf` (first non-null branch),
 * `allOf` (merged), local `$ref`s, `format` (common ones), `pattern` (common subset),
 * `minLength`/`maxLength`, numeric bounds and `multipleOf`.
 */

export interface SchemaInstanceOptions {
  facts?: readonly PromptFact[];
  factMode?: FactMode;
  /** Varies choices such as enum members between prompts; the same salt gives the same value. */
  salt?: string;
}

type SchemaObject = Record<string, unknown>;

const MAX_DEPTH = 12;

/** A value valid for `schema`, built as described above. */
export function buildSchemaInstance(schema: unknown, options: SchemaInstanceOptions = {}): unknown {
  return new InstanceBuilder(schema, options).build(schema, '', 0, 0);
}

/** An object of the facts (numbers and booleans typed), for a JSON request without a schema. */
export function buildFactsObject(facts: readonly PromptFact[], factMode: FactMode = 'use'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const fact of facts) {
    const name = fact.key
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '');
    const value = guessType(fact.value);
    out[name] = factMode === 'use' ? value : contradictValue(value, {}, fact.key);
  }
  return out;
}

function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function guessType(raw: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  return raw;
}

/** The schema's type, declared or implied by its keywords; `null` only when nothing else is allowed. */
function typeOf(schema: SchemaObject): string {
  const declared = schema.type;
  if (typeof declared === 'string') return declared;
  if (Array.isArray(declared)) {
    const types = declared.filter((t): t is string => typeof t === 'string');
    return types.find((t) => t !== 'null') ?? types[0] ?? 'string';
  }
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
  if ('items' in schema || 'prefixItems' in schema) return 'array';
  if ('minimum' in schema || 'maximum' in schema || 'multipleOf' in schema) return 'number';
  return 'string';
}

function allowedTypes(schema: SchemaObject): string[] {
  const declared = schema.type;
  if (Array.isArray(declared)) return declared.filter((t): t is string => typeof t === 'string');
  return [typeOf(schema)];
}

class InstanceBuilder {
  private readonly facts: ReadonlyMap<string, string>;
  private readonly factMode: FactMode;
  private readonly salt: string;

  constructor(
    private readonly root: unknown,
    options: SchemaInstanceOptions,
  ) {
    this.facts = new Map((options.facts ?? []).map((fact) => [fact.normalizedKey, fact.value]));
    this.factMode = options.factMode ?? 'use';
    this.salt = options.salt ?? '';
  }

  build(schema: unknown, key: string, depth: number, index: number): unknown {
    const resolved = this.resolve(schema, 0);
    if (resolved === false) return null;
    if (!isSchemaObject(resolved)) return plausibleString(key, index);
    if ('const' in resolved) return resolved.const;
    const fact = key === '' ? undefined : this.facts.get(normalizeFactKey(key));
    if (fact !== undefined) {
      const value = factValue(resolved, fact, key, this.factMode);
      if (value !== undefined) return value;
    }
    if (Array.isArray(resolved.enum) && resolved.enum.length > 0) {
      const start = Math.floor(unitHash(this.salt, key) * resolved.enum.length);
      return resolved.enum[(start + index) % resolved.enum.length];
    }
    const branches = resolved.anyOf ?? resolved.oneOf;
    if (Array.isArray(branches) && branches.length > 0) {
      const nonNull = branches.find((branch) => {
        const b = this.resolve(branch, 0);
        return !(isSchemaObject(b) && b.type === 'null');
      });
      return this.build(nonNull ?? branches[0], key, depth + 1, index);
    }
    if (depth > MAX_DEPTH) return minimalValue(resolved);
    switch (typeOf(resolved)) {
      case 'object':
        return this.buildObject(resolved, depth);
      case 'array':
        return this.buildArray(resolved, key, depth);
      case 'integer':
        return numberFor(resolved, key, true);
      case 'number':
        return numberFor(resolved, key, false);
      case 'boolean':
        return true;
      case 'null':
        return null;
      default:
        return stringFor(resolved, key, index);
    }
  }

  private buildObject(schema: SchemaObject, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const properties = isSchemaObject(schema.properties) ? schema.properties : {};
    for (const [name, sub] of Object.entries(properties)) out[name] = this.build(sub, name, depth + 1, 0);
    const required = Array.isArray(schema.required)
      ? schema.required.filter((r): r is string => typeof r === 'string')
      : [];
    const extra =
      schema.additionalProperties === undefined || schema.additionalProperties === false
        ? true
        : schema.additionalProperties;
    for (const name of required) if (!(name in out)) out[name] = this.build(extra, name, depth + 1, 0);
    return out;
  }

  private buildArray(schema: SchemaObject, key: string, depth: number): unknown[] {
    const tuple = Array.isArray(schema.prefixItems)
      ? schema.prefixItems
      : Array.isArray(schema.items)
        ? schema.items
        : [];
    const rest = Array.isArray(schema.items) ? (schema.additionalItems ?? true) : (schema.items ?? true);
    const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
    let maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY;
    if (rest === false) maxItems = Math.min(maxItems, tuple.length);
    const restResolved = this.resolve(rest, 0);
    if (schema.uniqueItems === true && isSchemaObject(restResolved) && Array.isArray(restResolved.enum)) {
      maxItems = Math.min(maxItems, tuple.length + restResolved.enum.length);
    }
    // Two items read as a list; fewer only when the schema says so.
    const count = Math.min(maxItems, Math.max(minItems, tuple.length, 2));
    return Array.from({ length: count }, (_, i) => this.build(tuple[i] ?? rest, key, depth + 1, i));
  }

  /** Follows local `$ref`s and merges `allOf` into one schema object. */
  private resolve(schema: unknown, hops: number): unknown {
    if (!isSchemaObject(schema) || hops > 32) return schema;
    let current: SchemaObject = schema;
    if (typeof current.$ref === 'string') {
      const { $ref, ...siblings } = current;
      const target = this.resolve(resolvePointer(this.root, $ref), hops + 1);
      current = isSchemaObject(target) ? { ...target, ...siblings } : siblings;
    }
    if (Array.isArray(current.allOf)) {
      const { allOf, ...base } = current;
      let merged: SchemaObject = base;
      for (const part of allOf) {
        const resolved = this.resolve(part, hops + 1);
        if (isSchemaObject(resolved)) merged = mergeSchemas(merged, resolved);
      }
      current = merged;
    }
    return current;
  }
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return true;
  const tokens = ref
    .slice(1)
    .split('/')
    .slice(1)
    .map((token) => decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const token of tokens) {
    if (!isSchemaObject(node) && !Array.isArray(node)) return true;
    node = (node as Record<string, unknown>)[token];
  }
  return node ?? true;
}

function mergeSchemas(a: SchemaObject, b: SchemaObject): SchemaObject {
  const merged: SchemaObject = { ...a, ...b };
  if (isSchemaObject(a.properties) || isSchemaObject(b.properties)) {
    merged.properties = {
      ...(isSchemaObject(a.properties) ? a.properties : {}),
      ...(isSchemaObject(b.properties) ? b.properties : {}),
    };
  }
  if (Array.isArray(a.required) || Array.isArray(b.required)) {
    merged.required = [
      ...new Set([...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])]),
    ];
  }
  return merged;
}

function minimalValue(schema: SchemaObject): unknown {
  const minimal: Record<string, unknown> = { object: {}, array: [], integer: 0, number: 0, boolean: false, null: null };
  return typeOf(schema) in minimal ? minimal[typeOf(schema)] : '';
}

function stringFor(schema: SchemaObject, key: string, index: number): string {
  let value =
    (typeof schema.format === 'string' ? formatSample(schema.format, index) : undefined) ?? plausibleString(key, index);
  if (typeof schema.pattern === 'string' && !safeTest(schema.pattern, value))
    value = samplePattern(schema.pattern) ?? value;
  if (typeof schema.minLength === 'number' && value.length < schema.minLength)
    value = value.padEnd(schema.minLength, '.');
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) value = value.slice(0, schema.maxLength);
  return value;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return false;
  }
}

interface NumericBounds {
  low: number;
  high: number;
}

function boundsOf(schema: SchemaObject, integer: boolean): NumericBounds {
  // Exclusive bounds are nudged inward: by one for integers, by a small step otherwise.
  const step = integer ? 1 : 0.01;
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  if (typeof schema.minimum === 'number')
    low = schema.exclusiveMinimum === true ? schema.minimum + step : schema.minimum;
  if (typeof schema.maximum === 'number')
    high = schema.exclusiveMaximum === true ? schema.maximum - step : schema.maximum;
  if (typeof schema.exclusiveMinimum === 'number') low = Math.max(low, schema.exclusiveMinimum + step);
  if (typeof schema.exclusiveMaximum === 'number') high = Math.min(high, schema.exclusiveMaximum - step);
  if (integer) {
    low = Math.ceil(low);
    high = Math.floor(high);
  }
  return { low, high };
}

function fitNumber(value: number, schema: SchemaObject, integer: boolean): number {
  const { low, high } = boundsOf(schema, integer);
  let fitted = integer ? Math.round(value) : value;
  if (fitted < low || fitted > high) {
    if (Number.isFinite(low) && Number.isFinite(high)) fitted = (low + high) / 2;
    else fitted = fitted < low ? low : high;
    if (integer) fitted = Math.ceil(fitted);
  }
  const multipleOf = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  if (multipleOf !== undefined) {
    fitted = Math.round(fitted / multipleOf) * multipleOf;
    if (fitted < low) fitted += multipleOf;
    if (fitted > high) fitted -= multipleOf;
    fitted = Number(fitted.toPrecision(12));
  }
  return fitted;
}

function numberFor(schema: SchemaObject, key: string, integer: boolean): number {
  return fitNumber(plausibleNumber(key), schema, integer);
}

/** The fact as the field's type, taken or contradicted; `undefined` when it does not fit the field. */
function factValue(schema: SchemaObject, raw: string, key: string, mode: FactMode): unknown {
  for (const type of allowedTypes(schema)) {
    const value = coerce(raw, type);
    if (value === undefined) continue;
    let fitting: unknown = value;
    if (Array.isArray(schema.enum)) {
      fitting = schema.enum.find((member) => String(member).toLowerCase() === String(value).toLowerCase());
      if (fitting === undefined) continue;
    }
    return mode === 'use' ? fitting : contradictValue(fitting, schema, key);
  }
  return undefined;
}

function coerce(raw: string, type: string): unknown {
  const text = raw.trim();
  switch (type) {
    case 'integer':
    case 'number': {
      const numeric = text.replace(/^[$€£¥]\s*|\s*(?:USD|EUR|GBP|%)$/gi, '').replace(/,(?=\d{3}\b)/g, '');
      if (!/^[-+]?\d+(\.\d+)?$/.test(numeric)) return undefined;
      const value = Number(numeric);
      return type === 'integer' && !Number.isInteger(value) ? undefined : value;
    }
    case 'boolean':
      if (/^(true|yes|y)$/i.test(text)) return true;
      if (/^(false|no|n)$/i.test(text)) return false;
      return undefined;
    case 'null':
      return /^null$/i.test(text) ? null : undefined;
    case 'string':
      return raw;
    default:
      return undefined;
  }
}

/** A plausible value of the same type that differs from `value`, within the schema where it can. */
function contradictValue(value: unknown, schema: SchemaObject, key: string): unknown {
  if (Array.isArray(schema.enum)) {
    const other = schema.enum.find((member) => JSON.stringify(member) !== JSON.stringify(value));
    if (other !== undefined) return other;
  }
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number') {
    const integer = Number.isInteger(value);
    const { low, high } = boundsOf(schema, integer);
    const delta = integer
      ? Math.max(1, Math.round(Math.abs(value) * 0.1))
      : Math.max(0.01, Math.round(Math.abs(value) * 10) / 100);
    const up = Number((value + delta).toPrecision(12));
    const down = Number((value - delta).toPrecision(12));
    return up <= high ? up : down >= low ? down : value === low ? high : low;
  }
  if (typeof value === 'string') return alternativeString(key, value);
  return value;
}
