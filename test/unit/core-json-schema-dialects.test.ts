/**
 * JSON Schema as clients send it: the dialect each schema declares, schemas from the real emitters
 * (zod 4's `toJSONSchema`, the OpenAI SDK's `zodResponseFormat`, Pydantic's `model_json_schema`
 * checked in under test/fixtures/pydantic/), and the safety limits: local references only, ids
 * ignored, linear-time patterns, bounded validation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { runAnswerCheck } from '../../core/checks';
import { jsonSchemaProblems, MAX_VALIDATION_STEPS, validateAgainstSchema } from '../../core/json-schema';
import { compileLinearRegExp, toRe2Pattern, UnsupportedPatternError } from '../../core/linear-regexp';
import { SCHEMA_LIMITS } from '../../core/prepare-schema';
import { type JsonSchemaDocument } from '../../core/request';

function pydantic(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'pydantic', `${name}.schema.json`), 'utf8'),
  ) as Record<string, unknown>;
}

/** Asserts the schema is usable, the good value passes and the bad one fails naming each expected path. */
function assertValidates(schema: JsonSchemaDocument, good: unknown, bad: unknown, badPaths: string[]): void {
  assert.deepEqual(jsonSchemaProblems(schema), []);
  assert.deepEqual(validateAgainstSchema(good, schema), []);
  const problems = validateAgainstSchema(bad, schema, 50);
  for (const at of badPaths)
    assert.ok(
      problems.some((p) => p.startsWith(`${at} `)),
      `expected a problem at ${at}: ${JSON.stringify(problems)}`,
    );
}

describe('JSON Schema dialects', () => {
  it('reads a schema without $schema as 2020-12: prefixItems, unevaluatedProperties, $defs, const, anyOf', () => {
    const schema = {
      $defs: { point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false } },
      type: 'object',
      properties: {
        kind: { const: 'shape' },
        at: { $ref: '#/$defs/point' },
        label: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
      required: ['kind', 'at'],
      unevaluatedProperties: false,
    };
    assertValidates(
      schema,
      { kind: 'shape', at: [1, 2], label: null },
      { kind: 'other', at: [1, 'x', 3], label: 5, extra: true },
      ['/kind', '/at/1', '/at', '/label', '(root)'],
    );
  });

  it('reads 2019-09 and draft-07 as they declare: tuple items, additionalItems, definitions, dependencies', () => {
    const tuple = { items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false };
    assertValidates(
      { $schema: 'https://json-schema.org/draft/2019-09/schema', ...tuple, unevaluatedItems: false },
      ['a', 1],
      ['a', 'b', 3],
      ['/1', '(root)'],
    );
    assertValidates(
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        definitions: { name: { type: 'string', minLength: 1 } },
        type: 'object',
        properties: { name: { $ref: '#/definitions/name' }, pair: tuple },
        dependencies: { name: ['pair'] },
      },
      { name: 'x', pair: ['a', 1] },
      { name: '', pair: ['a', 1, 2] },
      ['/name', '/pair'],
    );
    // The same tuple form is not 2020-12, where `items` is one schema.
    assert.deepEqual(jsonSchemaProblems(tuple), ['/items must be object,boolean']);
  });

  it('refuses an unknown dialect, naming it and the supported ones', () => {
    assert.deepEqual(jsonSchemaProblems({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }), [
      '/$schema unsupported dialect "http://json-schema.org/draft-04/schema#": supported are "2020-12", "2019-09", "draft-07" (2020-12 when $schema is absent)',
    ]);
  });

  it('refuses a keyword the dialect does not have, naming it, instead of ignoring it', () => {
    assert.deepEqual(jsonSchemaProblems({ type: 'object', propertys: { a: {} } }), [
      'unsupported keyword "propertys" (not part of the schema\'s dialect)',
    ]);
    assert.deepEqual(
      jsonSchemaProblems({ $schema: 'http://json-schema.org/draft-07/schema#', prefixItems: [{ type: 'string' }] }),
      ['unsupported keyword "prefixItems" (not part of the schema\'s dialect)'],
    );
    assert.match(
      jsonSchemaProblems({ $dynamicRef: '#node' })[0]!,
      /^\/\$dynamicRef unsupported keyword "\$dynamicRef"/,
    );
  });

  it('treats format names it does not check as annotations, refuses "url" and checks the standard ones', () => {
    assert.deepEqual(jsonSchemaProblems({ type: 'string', format: 'cuid' }), []);
    assert.deepEqual(validateAgainstSchema('anything', { type: 'string', format: 'cuid' }), []);
    assert.match(jsonSchemaProblems({ type: 'string', format: 'url' })[0]!, /^\/format format "url" is not supported/);
    assert.deepEqual(validateAgainstSchema('not an email', { type: 'string', format: 'email' }), [
      '(root) must match format "email"',
    ]);
    assert.deepEqual(validateAgainstSchema('https://example.com/a?b#c', { type: 'string', format: 'uri' }), []);
  });
});

describe('schemas from the emitters', () => {
  const Invoice = z.object({
    number: z.string().regex(/^INV-\d+$/),
    email: z.email(),
    id: z.uuid(),
    issued: z.iso.datetime(),
    currency: z.enum(['EUR', 'USD']),
    total: z.number().nonnegative(),
    note: z.string().nullable(),
    discount: z.number().optional(),
    coordinates: z.tuple([z.number(), z.number()]),
    lines: z.array(z.object({ sku: z.string(), qty: z.number().int().min(1) })).min(1),
    extra: z.record(z.string(), z.number()),
    status: z.union([z.literal('open'), z.literal('paid')]),
  });
  const good = {
    number: 'INV-7',
    email: 'ap@acme.example',
    id: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
    issued: '2024-12-31T10:00:00Z',
    currency: 'EUR',
    total: 12.5,
    note: null,
    coordinates: [1, 2],
    lines: [{ sku: 'A1', qty: 2 }],
    extra: { shipping: 5 },
    status: 'open',
  };
  const bad = {
    ...good,
    number: 'X-7',
    email: 'nope',
    currency: 'JPY',
    coordinates: [1, 'x'],
    lines: [],
    extra: { shipping: 'free' },
    status: 'void',
    surprise: 1,
  };
  const badPaths = [
    '/number',
    '/email',
    '/currency',
    '/coordinates/1',
    '/lines',
    '/extra/shipping',
    '/status',
    '(root)',
  ];

  it("zod 4's toJSONSchema (2020-12)", () => {
    const schema = z.toJSONSchema(Invoice) as Record<string, unknown>;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assertValidates(schema, good, bad, badPaths);
  });

  it("the OpenAI SDK's zodResponseFormat (draft-07)", () => {
    // OpenAI's strict structured outputs take no optional fields (only nullable ones), tuples or records.
    const Strict = Invoice.omit({ discount: true, coordinates: true, extra: true });
    const schema = zodResponseFormat(Strict, 'invoice').json_schema.schema as Record<string, unknown>;
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const { coordinates: _c, extra: _e, ...strictGood } = good;
    const { coordinates: _bc, extra: _be, ...strictBad } = bad;
    assertValidates(schema, strictGood, strictBad, ['/number', '/email', '/currency', '/lines', '/status', '(root)']);
  });

  it("zod's patterns with lookahead (z.hostname(), z.iso.duration()) are refused, naming the pattern", () => {
    const problems = jsonSchemaProblems(z.toJSONSchema(z.object({ host: z.hostname() })) as Record<string, unknown>);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^\/properties\/host\/pattern pattern "\^\(\?=.*" is not supported: lookahead/);
  });

  it("Pydantic's model_json_schema: nested models in $defs, optional fields, enums, a pattern", () => {
    const schema = pydantic('invoice');
    const invoice = {
      invoice_number: 'INV-2024-001',
      customer: 'Acme GmbH',
      billing_address: { street: 'Hauptstr. 1', city: 'Berlin', country: 'DE' },
      currency: 'EUR',
      total: 1250,
      due_date: '2024-12-31',
      lines: [{ sku: 'A1', quantity: 2, unit_price: 625 }],
    };
    assertValidates(
      schema,
      invoice,
      {
        ...invoice,
        invoice_number: '2024-001',
        billing_address: { street: 'x', city: 'y', country: 'Germany', postcode: 10115 },
        shipping_address: { city: 'z' },
        currency: 'DM',
        due_date: '31/12/2024',
        lines: [],
        fax: '-',
      },
      [
        '/invoice_number',
        '/billing_address/country',
        '/billing_address/postcode',
        '/shipping_address',
        '/currency',
        '/due_date',
        '/lines',
        '(root)',
      ],
    );
  });

  it("Pydantic's discriminated union (oneOf with discriminator), literals and a tuple as prefixItems", () => {
    const schema = pydantic('payment');
    assertValidates(
      schema,
      { amount: 10, method: { kind: 'card', last4: '4242' }, coordinates: [52.5, 13.4] },
      { amount: 'ten', method: { kind: 'card', iban: 'DE00' }, coordinates: [52.5] },
      ['/amount', '/method', '/coordinates'],
    );
  });
});

describe('JSON Schema safety', () => {
  it('runs a catastrophic pattern in linear time: ^(a+)+$ against thirty a and a !', () => {
    const schema = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };
    assert.deepEqual(jsonSchemaProblems(schema), []);
    // On JavaScript's engine this takes minutes; a long enough input makes any slip obvious.
    assert.deepEqual(validateAgainstSchema({ name: `${'a'.repeat(100_000)}!` }, schema), [
      '/name must match pattern "^(a+)+$"',
    ]);
    assert.deepEqual(validateAgainstSchema({ name: 'aaa' }, schema), []);
  });

  it('refuses patterns the linear-time engine cannot run, naming each, in pattern and patternProperties', () => {
    assert.match(
      jsonSchemaProblems({ type: 'string', pattern: '(a)\\1' })[0]!,
      /^\/pattern pattern "\(a\)\\\\1" is not supported: backreferences/,
    );
    assert.match(
      jsonSchemaProblems({ type: 'object', patternProperties: { '^(?!id)': {} } })[0]!,
      /^\/patternProperties\/\^\(\?!id\) pattern "\^\(\?!id\)" is not supported: lookahead/,
    );
    assert.match(jsonSchemaProblems({ pattern: '[' })[0]!, /not a valid ECMA-262 regular expression/);
  });

  it('allows only references inside the schema, and never registers an $id', () => {
    assert.match(
      jsonSchemaProblems({ $ref: 'https://example.com/schema.json' })[0]!,
      /^\/\$ref "https:\/\/example.com\/schema.json" is not a reference inside the schema/,
    );
    // Two callers with the same $id: neither "already exists" nor sees the other's schema.
    assert.deepEqual(jsonSchemaProblems({ $id: 'https://example.com/customer', type: 'string' }), []);
    assert.deepEqual(jsonSchemaProblems({ $id: 'https://example.com/customer', type: 'number' }), []);
    assert.deepEqual(validateAgainstSchema(5, { $id: 'https://example.com/customer', type: 'string' }), [
      '(root) must be string',
    ]);
    assert.match(jsonSchemaProblems({ $ref: 'https://example.com/customer' })[0]!, /not a reference inside the schema/);
  });

  it('caps schema size, properties and depth, naming the limit', () => {
    const properties = Object.fromEntries(
      Array.from({ length: SCHEMA_LIMITS.maxProperties + 1 }, (_, i) => [`p${i}`, {}]),
    );
    assert.deepEqual(jsonSchemaProblems({ properties }), [
      `(root) declares ${SCHEMA_LIMITS.maxProperties + 1} properties, more than the ${SCHEMA_LIMITS.maxProperties} allowed`,
    ]);
    assert.match(
      jsonSchemaProblems({ description: 'x'.repeat(SCHEMA_LIMITS.maxChars) })[0]!,
      /characters as compact JSON, more than the/,
    );
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < SCHEMA_LIMITS.maxDepth + 1; i++) deep = { items: deep };
    assert.match(jsonSchemaProblems(deep)[0]!, /is nested more than 32 subschemas deep$/);
  });

  it('stops a validation that would take exponential time at the step budget: a failed check, not a stall', () => {
    const $defs: Record<string, unknown> = { d40: { type: 'string' } };
    for (let i = 0; i < 40; i++)
      $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const schema = { $defs, $ref: '#/$defs/d0' };
    assert.deepEqual(jsonSchemaProblems(schema), []);
    assert.deepEqual(validateAgainstSchema(5, schema), [
      `(root) validation stopped after ${MAX_VALIDATION_STEPS} steps: this answer is too costly to validate against this schema`,
    ]);
    const check = runAnswerCheck({ type: 'json_schema' }, { text: '5', schema });
    assert.equal(check.status, 'fail');
    assert.match(check.reason, /too costly to validate/);
  });

  it('refuses an answer nested deeper than a recursive schema may follow', () => {
    const tree = {
      $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } },
      $ref: '#/$defs/node',
    };
    let answer: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) answer = { child: answer };
    assert.deepEqual(validateAgainstSchema(answer, tree), [
      '(root) is nested more than 100 levels deep, too deep to validate',
    ]);
  });

  it('checks uniqueItems by value in linear time (key order does not matter)', () => {
    assert.deepEqual(
      validateAgainstSchema(
        [
          { a: 1, b: [2] },
          { b: [2], a: 1 },
        ],
        { uniqueItems: true },
      ),
      ['(root) must NOT have duplicate items (items ## 0 and 1 are identical)'],
    );
    assert.deepEqual(validateAgainstSchema([1, '1', [1], { a: 1 }], { uniqueItems: true }), []);
  });

  it('turns a check that throws into a failed check with the reason', () => {
    // A regex check whose config was never validated: the pattern does not compile.
    const result = runAnswerCheck({ type: 'regex', pattern: '(', mustMatch: true }, { text: 'x' });
    assert.equal(result.status, 'fail');
    assert.match(result.reason, /^the check could not run on this answer \(SyntaxError: Invalid regular expression/);
  });
});

describe('ECMA-262 patterns on RE2', () => {
  const cases: [pattern: string, matching: string[], notMatching: string[]][] = [
    ['^a\\sb$', ['a b', 'a\u00a0b', 'a\u3000b'], ['ab']],
    ['^a\\Sb$', ['axb'], ['a\u00a0b']],
    ['^a.b$', ['axb', 'a😀b'], ['a\nb', 'a\rb', 'a\u2028b']],
    ['^\\u0041\\u{1F600}$', ['A😀'], ['A']],
    ['^\\uD83D\\uDE00$', ['😀'], ['\uD83D']],
    ['^[^]$', ['\n'], ['']],
    ['^a[]', [], ['a']],
    ['^[\\s\\d]+$', ['1 2\u00a0'], ['a']],
    ['^(?<year>\\d{4})-[[:]$', ['2024-:', '2024-['], ['2024-a']],
    ['^\\cJ$', ['\n'], ['J']],
    ['^[\\b]$', ['\b'], ['b']],
    ['^\\p{Lu}\\p{Script=Greek}$', ['AΩ'], ['aΩ']],
  ];
  for (const [pattern, matching, notMatching] of cases) {
    it(`/${pattern}/u means the same on RE2 (${toRe2Pattern(pattern)})`, () => {
      const linear = compileLinearRegExp(pattern);
      const js = new RegExp(pattern, 'u');
      for (const text of [...matching, ...notMatching])
        assert.equal(linear.test(text), js.test(text), JSON.stringify(text));
      for (const text of matching) assert.ok(linear.test(text), JSON.stringify(text));
    });
  }

  it('refuses lookaround and backreferences with UnsupportedPatternError', () => {
    for (const pattern of ['a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>'])
      assert.throws(() => compileLinearRegExp(pattern), UnsupportedPatternError, pattern);
  });
});
