import { type z } from 'zod';
import { formatIssues } from '../core/format-issues';
import { invalidRequest } from './api-error';
import { IdempotencyKey, MAX_QUERY_VALUE_LENGTH, QueryValue } from './cascade-schemas';

/**
 * Parses untrusted input with a zod schema, or throws a 400 naming every problem as `field: problem`.
 * `prefix` names where the input came from (`query`, `params`) so the field names read unambiguously.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(formatIssues(parsed.error.issues, prefix));
  return parsed.data;
}

/**
 * Parses a query string: first every value (printable, bounded: `QueryValue`), then the endpoint's
 * schema. A parameter given more than once is a problem of its own, named as such.
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const entries = Object.entries((query ?? {}) as Record<string, unknown>);
  const repeated = entries
    .filter(([, value]) => Array.isArray(value))
    .map(([name]) => `query.${name}: given more than once`);
  if (repeated.length > 0) throw invalidRequest(repeated);
  const unsafe = entries.flatMap(([name, value]) => {
    if (!QueryValue.safeParse(name).success)
      return [`query: a parameter name is over ${MAX_QUERY_VALUE_LENGTH} characters or holds control characters`];
    const parsed = QueryValue.safeParse(value);
    return parsed.success ? [] : formatIssues(parsed.error.issues, `query.${name}`);
  });
  if (unsafe.length > 0) throw invalidRequest(unsafe);
  return parseInput(schema, query ?? {}, 'query');
}

/** The `Idempotency-Key` header, validated as a request id; undefined when absent. */
export function idempotencyKeyFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalidRequest(['headers.idempotency-key: given more than once']);
  return parseInput(IdempotencyKey, value, 'headers.idempotency-key');
}
