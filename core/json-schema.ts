import Ajv, { _, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import names from 'ajv/dist/compile/names';
import { nestingDepth } from './json-depth';
import { linearRegExpEngine } from './linear-regexp';
import { canonicalJson } from './normalize-answer';
import { prepareSchema, SCHEMA_LIMITS, STEP_KEYWORD, type SchemaDialect, type StepCost } from './prepare-schema';
import { type JsonSchemaDocument } from './request';
import { schemaFormat } from './schema-formats';

/**
 * JSON Schema validation for requests' schemas, in the API (is the schema usable?) and in the
 * workflow's `json_schema` check (does the answer satisfy it?). The safety properties:
 *
 * - Each schema compiles in an Ajv instance of its own, for the dialect it declares, so nothing
 *   one request's schema registers (an `$id`, a compiled function) is visible to another's, and
 *   dropping a compiled schema frees it. Validators are cached by the schema's text, a bounded
 *   cache: the same text always compiles to the same validator.
 * - Patterns run on a linear-time engine (`linear-regexp.ts`), formats too (`schema-formats.ts`).
 * - Validation is bounded by construction: every subschema counts its steps (`prepare-schema.ts`)
 *   and validation stops at `MAX_VALIDATION_STEPS`, a failed check, whatever the schema and the
 *   answer. `bench/schema-check-bench.ts` measures the worst cases in milliseconds.
 * - `uniqueItems` compares items by their canonical JSON in a set (linear), not pairwise
 *   (quadratic, as Ajv does it).
 */

/** Validation of one answer stops after this many steps (about a subschema applied to a value each). */
export const MAX_VALIDATION_STEPS = 200_000;

/** A JSON answer nested deeper than this is not validated (a recursive schema would recurse as deep). */
export const MAX_ANSWER_DEPTH = 100;

const AJV_CLASSES: Record<SchemaDialect, new (options: Options) => Ajv> = {
  '2020-12': Ajv2020,
  '2019-09': Ajv2019,
  'draft-07': Ajv,
};

/** Checks a schema against its dialect's meta-schema, for messages naming the bad keyword. Holds only meta-schemas. */
const metaValidators = new Map<SchemaDialect, Ajv>();

function metaValidatorFor(dialect: SchemaDialect): Ajv {
  let ajv = metaValidators.get(dialect);
  if (!ajv) {
    ajv = new AJV_CLASSES[dialect]({ allErrors: true, strict: false, validateFormats: false, logger: false });
    metaValidators.set(dialect, ajv);
  }
  return ajv;
}

class ValidationBudgetExceeded extends Error {}

const MAX_REPORTED_ERRORS = 20;

/*
 * Step costs, calibrated with bench/schema-check-bench.ts so that every worst case (each built to
 * be the costliest per step) takes about as long when it reaches the budget.
 */
/** Collecting one validation error (a failing branch's cost is in its errors). */
const ERROR_STEPS = 10;
/** Characters a pattern, format or length keyword reads per step (RE2 reads about 40 per microsecond). */
const CHARS_PER_STEP = 4;
/** Each item `uniqueItems` canonicalises, plus two steps per character of its canonical JSON. */
const UNIQUE_ITEM_STEPS = 4;

/** A compiled schema: a validator with its own step budget, or the problems that kept it from compiling. */
type CompiledSchema = { validate: (value: unknown) => string[] | 'too_costly' } | { problems: string[] };

const tooDeep = `(root) is nested more than ${SCHEMA_LIMITS.maxJsonDepth} levels deep as JSON`;

const compiledSchemas = new Map<string, CompiledSchema>();
/**
 * Compiled schemas kept, most recently used: an app sending the same schema again skips compiling.
 * Each holds its own Ajv instance (about 1 MiB with its code, bench/schema-memory-bench.ts).
 */
const MAX_CACHED_SCHEMAS = 16;

function compiledSchemaFor(schema: JsonSchemaDocument): CompiledSchema {
  // Before anything recursive (the cache key is JSON text) touches an untrusted document.
  if (nestingDepth(schema, SCHEMA_LIMITS.maxJsonDepth) > SCHEMA_LIMITS.maxJsonDepth) return { problems: [tooDeep] };
  const key = JSON.stringify(schema);
  const cached = compiledSchemas.get(key);
  if (cached) {
    // Most recently used last, so the oldest is evicted first.
    compiledSchemas.delete(key);
    compiledSchemas.set(key, cached);
    return cached;
  }
  const compiled = compile(schema);
  if (compiledSchemas.size >= MAX_CACHED_SCHEMAS) compiledSchemas.delete(compiledSchemas.keys().next().value!);
  compiledSchemas.set(key, compiled);
  return compiled;
}

function compile(schema: JsonSchemaDocument): CompiledSchema {
  const outcome = prepareSchema(schema);
  if (!outcome.ok) return { problems: outcome.problems };
  const { dialect, costs, formats } = outcome.prepared;

  const counter = new StepCounter(costs);
  const ajv = new AJV_CLASSES[dialect]({
    allErrors: true,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    // Ajv's check that a property name matches no pattern runs the patterns on JavaScript's engine.
    allowMatchingProperties: true,
    validateSchema: false,
    addUsedSchema: false,
    meta: false,
    logger: false,
    // Ajv's optimisation pass (dropping unused names and constant branches from the generated code)
    // was about a third of compiling a 500-property schema, in the workflow thread, and the generated
    // code runs no slower without it (bench/schema-check-bench.ts).
    code: { regExp: linearRegExpEngine, optimize: false },
    // Only the formats the schema names: each checked one compiles its pattern; the others are annotations.
    formats: Object.fromEntries(formats.map((name) => [name, schemaFormat(name) ?? true])),
  });
  // OpenAPI's (and Pydantic's) `discriminator` is a hint beside a `oneOf` that validates fully.
  ajv.addKeyword({ keyword: 'discriminator', schemaType: 'object' });
  ajv.addKeyword({
    keyword: STEP_KEYWORD,
    schemaType: 'number',
    // Generated inline rather than called: a function call per subschema would double validation time.
    code(cxt) {
      const index = cxt.schema as number;
      const cost = costs[index]!;
      const steps = cxt.gen.scopeValue('keyword', { ref: counter });
      // `errors` is the count of errors collected so far: creating them is the costly part of a failing branch.
      if (cost.perChar + cost.perItem + cost.perKey === 0) cxt.gen.code(_`${steps}.add(${cost.base}, ${names.errors})`);
      else cxt.gen.code(_`${steps}.charge(${index}, ${cxt.data}, ${names.errors})`);
    },
  });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword({
    keyword: 'uniqueItems',
    type: 'array',
    schemaType: 'boolean',
    validate: function uniqueItems(unique: boolean, data: unknown[]) {
      if (!unique) return true;
      const seen = new Map<string, number>();
      for (const [i, item] of data.entries()) {
        const canonical = canonicalJson(item);
        counter.add(UNIQUE_ITEM_STEPS + 2 * canonical.length, counter.errors);
        const j = seen.get(canonical);
        if (j !== undefined) {
          (uniqueItems as { errors?: Partial<ErrorObject>[] }).errors = [
            {
              keyword: 'uniqueItems',
              message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
              params: { i, j },
            },
          ];
          return false;
        }
        seen.set(canonical, i);
      }
      return true;
    },
  });

  let validate: ValidateFunction;
  try {
    validate = ajv.compile(outcome.prepared.schema as AnySchemaObject | boolean);
  } catch (error) {
    return { problems: [compileProblem(error as Error)] };
  }
  return {
    validate: (value) => {
      counter.reset();
      try {
        // Ajv collects every error (allErrors); only the first few are ever shown.
        return validate(value) ? [] : formatErrors((validate.errors ?? []).slice(0, MAX_REPORTED_ERRORS));
      } catch (error) {
        if (error instanceof ValidationBudgetExceeded) return 'too_costly';
        throw error;
      }
    },
  };
}

/** Counts the steps of one validation; generated code calls it from every subschema. */
class StepCounter {
  used = 0;
  errors = 0;
  constructor(private readonly costs: readonly StepCost[]) {}

  /** Adds a subschema's steps, and `ERROR_STEPS` for each error collected since the last call. */
  add(steps: number, errors: number): void {
    if (errors > this.errors) this.used += (errors - this.errors) * ERROR_STEPS;
    this.errors = errors;
    this.used += steps;
    if (this.used > MAX_VALIDATION_STEPS) throw new ValidationBudgetExceeded();
  }

  /** A subschema's steps for a value whose size it depends on. */
  charge(index: number, data: unknown, errors: number): void {
    const cost = this.costs[index]!;
    let steps = cost.base;
    if (typeof data === 'string') {
      steps += Math.ceil((cost.perChar * data.length) / CHARS_PER_STEP);
    } else if (Array.isArray(data)) {
      steps += cost.perItem * data.length;
    } else if (cost.perKey > 0 && typeof data === 'object' && data !== null) {
      let keys = 0;
      let chars = 0;
      for (const key in data) {
        keys += 1;
        chars += key.length;
      }
      steps += cost.perKey * (keys + Math.ceil(chars / CHARS_PER_STEP));
    }
    this.add(steps, errors);
  }

  reset(): void {
    this.used = 0;
    this.errors = 0;
  }
}

/** Ajv's compile errors, phrased for a caller ("strict mode: unknown keyword: "foo"" names the keyword). */
function compileProblem(error: Error): string {
  const unknown = /^strict mode: unknown keyword: "([^"]+)"/.exec(error.message);
  if (unknown) return `unsupported keyword "${unknown[1]}" (not part of the schema's dialect)`;
  return error.message;
}

/**
 * Problems with a JSON Schema itself, one line each, or an empty list when it is usable: an
 * unknown dialect, a keyword the dialect does not have, a reference outside the schema, a
 * pattern the linear-time engine cannot run, a limit exceeded, or a malformed keyword.
 */
export function jsonSchemaProblems(schema: JsonSchemaDocument): string[] {
  if (typeof schema === 'boolean') return [];
  if (nestingDepth(schema, SCHEMA_LIMITS.maxJsonDepth) > SCHEMA_LIMITS.maxJsonDepth) return [tooDeep];
  const prepared = prepareSchema(schema);
  if (!prepared.ok) return prepared.problems;
  // The meta-schema names a malformed keyword with its place ("/required must be array"), where
  // Ajv's compiler would not. The check in the workflow skips it: the schema was validated here
  // before the cascade started, and a malformed one fails to compile there anyway.
  const { $schema: _dialect, ...body } = schema;
  const meta = metaValidatorFor(prepared.prepared.dialect);
  if (!meta.validateSchema(body)) return [...new Set(formatErrors(meta.errors ?? []))];
  const compiled = compiledSchemaFor(schema);
  return 'problems' in compiled ? compiled.problems : [];
}

/**
 * Validates a value against a schema; returns one line per violation (capped), or an empty list.
 * An unusable schema, an answer nested too deep, or a validation that exceeds its step budget is
 * a violation too, saying so: the check fails with a reason, it never throws.
 */
export function validateAgainstSchema(value: unknown, schema: JsonSchemaDocument, maxProblems = 5): string[] {
  const compiled = compiledSchemaFor(schema);
  if ('problems' in compiled)
    return [`the schema is not usable: ${compiled.problems.slice(0, maxProblems).join('; ')}`];
  if (nestingDepth(value, MAX_ANSWER_DEPTH) > MAX_ANSWER_DEPTH)
    return [`(root) is nested more than ${MAX_ANSWER_DEPTH} levels deep, too deep to validate`];
  const problems = compiled.validate(value);
  if (problems === 'too_costly') {
    return [
      `(root) validation stopped after ${MAX_VALIDATION_STEPS} steps: this answer is too costly to validate against this schema`,
    ];
  }
  return problems.slice(0, maxProblems);
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`.trim());
}
