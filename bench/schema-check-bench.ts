/**
 * The worst cases of the `json_schema` check, measured: it runs inside workflow tasks, which share
 * one thread, so its worst case is everyone's latency. Each case is built to be as costly as the
 * limits allow (a schema at the size and property caps, an answer that exhausts the step budget in
 * the most expensive way per step); the reference is an ordinary passing validation in the same
 * run. Writes `bench/results/schema-check.json`.
 *
 *   npx tsx bench/schema-check-bench.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findTextContradictions } from '../core/ground-truth';
import { jsonSchemaProblems, MAX_VALIDATION_STEPS, validateAgainstSchema } from '../core/json-schema';
import { SCHEMA_LIMITS } from '../core/prepare-schema';
import { type JsonSchemaDocument } from '../core/request';

interface Case {
  name: string;
  /** What one run does; it must not be cached between runs (a fresh schema each time where compiling is measured). */
  run(round: number): unknown;
}

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(c: Case): { name: string; minMs: number; medianMs: number; outcome: string } {
  const times: number[] = [];
  let outcome: unknown;
  c.run(-1); // warm-up: JIT, and compiling the schema where the case measures validation
  for (let round = 0; round < RUNS; round++) {
    const start = performance.now();
    outcome = c.run(round);
    times.push(performance.now() - start);
  }
  const text = JSON.stringify(outcome) ?? '';
  return {
    name: c.name,
    minMs: Number(Math.min(...times).toFixed(2)),
    medianMs: Number(median(times).toFixed(2)),
    outcome: text.length > 120 ? `${text.slice(0, 117)}...` : text,
  };
}

/** A schema of `count` string properties, distinct per `salt` so each compiles afresh. */
function flatSchema(count: number, salt: string): JsonSchemaDocument {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) properties[`field_${i}_${salt}`] = { type: 'string', minLength: 1, maxLength: 200 };
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

/** Nested objects as deep as allowed, the properties spread over the levels. */
function nestedSchema(salt: string): JsonSchemaDocument {
  const levels = Math.floor(SCHEMA_LIMITS.maxDepth / 2) - 1;
  const width = Math.floor(SCHEMA_LIMITS.maxProperties / levels);
  let schema: Record<string, unknown> = { type: 'string' };
  for (let level = 0; level < levels; level++) {
    const properties: Record<string, unknown> = { child: schema };
    for (let i = 1; i < width; i++) properties[`p${i}_${salt}`] = { type: 'integer', minimum: i };
    schema = { type: 'object', properties, required: ['child'] };
  }
  return schema;
}

/** `$defs` that each apply the next one twice (`anyOf` or `allOf`): 2^40 applications without the step budget. */
function doublingSchema(keyword: 'anyOf' | 'allOf', leaf: Record<string, unknown>): JsonSchemaDocument {
  const $defs: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++)
    $defs[`d${i}`] = { [keyword]: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
  $defs.d40 = leaf;
  return { $defs, $ref: '#/$defs/d0' };
}

const invoice = {
  type: 'object',
  required: ['number', 'customer', 'total', 'currency', 'lines'],
  additionalProperties: false,
  properties: {
    number: { type: 'string', pattern: '^INV-\\d{4}-\\d{3}$' },
    customer: { type: 'string', minLength: 1 },
    email: { type: 'string', format: 'email' },
    total: { type: 'number', minimum: 0 },
    currency: { enum: ['EUR', 'USD', 'GBP'] },
    due: { type: 'string', format: 'date' },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku', 'quantity'],
        properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
      },
    },
  },
};
const invoices = Array.from({ length: 200 }, (_, i) => ({
  number: `INV-2024-${String(i % 1000).padStart(3, '0')}`,
  customer: `Customer ${i}`,
  email: `ap${i}@customer.example`,
  total: 100 + i,
  currency: 'EUR',
  due: '2024-12-31',
  lines: [
    { sku: `A${i}`, quantity: 1 },
    { sku: `B${i}`, quantity: 2 },
  ],
}));

// As long as a string may be with one pattern or format and still fit the step budget (4 characters a step).
const MEGA = 700_000;
const patternKeys = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key_${i}_${'x'.repeat(20)}`, i]));
const manyPatterns = {
  type: 'object',
  patternProperties: Object.fromEntries(
    Array.from({ length: 100 }, (_, i) => [`^key_${i}\\d*_x+$`, { type: 'integer' }]),
  ),
};
const bigEnum = { type: 'array', items: { enum: Array.from({ length: 4000 }, (_, i) => `value-${i}`) } };
const recursive = {
  $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' }, name: { type: 'string' } } } },
  $ref: '#/$defs/node',
};
let deepNode: Record<string, unknown> = { name: 'leaf' };
for (let i = 0; i < 99; i++) deepNode = { name: `n${i}`, child: deepNode };

// Answers are built once: a case times the check, not the making of its answer.
const distinctNumbers = Array.from({ length: 200_000 }, (_, i) => i);
const distinctObjects = Array.from({ length: 50_000 }, (_, i) => ({ b: i, a: [i, 'x'] }));
const strings = Array.from({ length: 100_000 }, () => 'x');
const notInEnum = Array.from({ length: 5000 }, (_, i) => `other-${i}`);
const kilobyteStrings = Array.from({ length: 1000 }, () => `${'a'.repeat(1000)}!`);
const longString = `${'a'.repeat(MEGA)}!`;
const formatAttack = `${'a:/'.repeat(MEGA / 3)}\u0000`;
const spacesLine = `${' '.repeat(MEGA)}total: 5`;

const cases: Case[] = [
  {
    name: 'reference: 200 invoices, valid',
    run: () => validateAgainstSchema(invoices, { type: 'array', items: invoice }),
  },
  {
    name: 'anyOf doubling 40 levels, failing',
    run: () => validateAgainstSchema(5, doublingSchema('anyOf', { type: 'string' })),
  },
  {
    name: 'allOf doubling 40 levels, passing',
    run: () => validateAgainstSchema('x', doublingSchema('allOf', { type: 'string' })),
  },
  {
    name: 'uniqueItems, 200k distinct numbers',
    run: () => validateAgainstSchema(distinctNumbers, { uniqueItems: true }),
  },
  {
    name: 'uniqueItems, 50k distinct objects',
    run: () => validateAgainstSchema(distinctObjects, { uniqueItems: true }),
  },
  {
    name: '100k items, each failing 3 keywords',
    run: () => validateAgainstSchema(strings, { items: { type: 'integer', minimum: 1, multipleOf: 2 } }),
  },
  { name: '100 patternProperties, 20k keys', run: () => validateAgainstSchema(patternKeys, manyPatterns) },
  {
    name: 'pattern on a 700 KB string',
    run: () => validateAgainstSchema(longString, { type: 'string', pattern: '^(a+)+$' }),
  },
  {
    name: 'pattern, 1000 strings of 1 KB',
    run: () => validateAgainstSchema(kilobyteStrings, { items: { type: 'string', pattern: '^(a|aa)+$' } }),
  },
  ...['email', 'uri', 'uri-reference', 'date-time', 'ipv6', 'hostname', 'duration', 'json-pointer', 'regex'].map(
    (format): Case => ({
      name: `format ${format} on a 700 KB string`,
      run: () => validateAgainstSchema(formatAttack, { type: 'string', format }),
    }),
  ),
  {
    name: 'enum of 4000, 5000 items not in it',
    run: () => validateAgainstSchema(notInEnum, bigEnum),
  },
  { name: 'recursive schema, answer 100 deep', run: () => validateAgainstSchema(deepNode, recursive) },
  {
    name: `compile: ${SCHEMA_LIMITS.maxProperties} properties (fresh schema)`,
    run: (round) => jsonSchemaProblems(flatSchema(SCHEMA_LIMITS.maxProperties, `r${round}`)),
  },
  {
    name: `compile: nested ${SCHEMA_LIMITS.maxDepth / 2 - 1} objects deep (fresh schema)`,
    run: (round) => jsonSchemaProblems(nestedSchema(`r${round}`)),
  },
  {
    name: 'check in a workflow: compile + validate, 200 properties (fresh schema)',
    run: (round) => {
      const schema = flatSchema(200, `w${round}`);
      const answer = Object.fromEntries(
        Object.keys((schema as { properties: object }).properties).map((k) => [k, 'v']),
      );
      return validateAgainstSchema(answer, schema);
    },
  },
  {
    name: 'ground truth: 700 KB line of spaces then a key',
    run: () => findTextContradictions(spacesLine, { total: 4 }),
  },
];

/** The most invoices (the reference's shape) an answer may hold and still validate within the step budget. */
function invoiceCapacity(): number {
  const schema = { type: 'array', items: invoice };
  const fits = (count: number) =>
    validateAgainstSchema(
      Array.from({ length: count }, (_, i) => invoices[i % invoices.length]),
      schema,
    ).length === 0;
  let low = 1;
  let high = 1_000_000;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

async function main(): Promise<void> {
  const rows = cases.map(measure);
  const capacity = invoiceCapacity();
  console.log(`the step budget validates answers of up to ${capacity} invoices of the reference's shape`);
  const reference = rows[0]!.minMs;
  const table = rows.map((row) => ({ ...row, vsReference: Number((row.minMs / reference).toFixed(1)) }));
  for (const row of table)
    console.log(`${row.name.padEnd(62)} ${String(row.minMs).padStart(8)} ms  x${row.vsReference}  ${row.outcome}`);
  const file = path.join(__dirname, 'results', 'schema-check.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        maxValidationSteps: MAX_VALIDATION_STEPS,
        invoicesWithinBudget: capacity,
        loadAverage: os.loadavg()[0],
        limits: SCHEMA_LIMITS,
        runs: RUNS,
        note: 'minMs and medianMs over the runs after a warm-up; vsReference = minMs / the reference case minMs',
        cases: table,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`written to ${path.relative(process.cwd(), file)}`);
}

void main();
