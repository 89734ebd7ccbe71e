import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { type JsonSchemaDocument } from './request';

// One instance for the process: compiling is the slow part, so validators are cached by schema text.
// Caching is safe in workflow code because a schema always compiles to the same validator.
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>();
const MAX_CACHED = 200;

function validatorFor(schema: JsonSchemaDocument): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    if (validators.size >= MAX_CACHED) validators.delete(validators.keys().next().value!);
    validators.set(key, validate);
  }
  return validate;
}

/** Problems with a JSON Schema itself, one line each, or an empty list when it is usable. */
export function jsonSchemaProblems(schema: JsonSchemaDocument): string[] {
  if (typeof schema === 'boolean') return [];
  try {
    if (!ajv.validateSchema(schema)) return formatErrors(ajv.errors ?? []);
    validatorFor(schema);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/** Validates a value against a schema; returns one line per violation (capped), or an empty list. */
export function validateAgainstSchema(value: unknown, schema: JsonSchemaDocument, maxProblems = 5): string[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  return formatErrors(validate.errors ?? []).slice(0, maxProblems);
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`.trim());
}
