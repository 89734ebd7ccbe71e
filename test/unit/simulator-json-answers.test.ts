import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { renderInvalidJson } from '../../simulator/invalid-json';
import { buildFactsObject, buildSchemaInstance } from '../../simulator/json-schema-instance';
import { samplePattern } from '../../simulator/pattern-sample';
import { extractPromptFacts } from '../../simulator/prompt-facts';
import { findPromptJsonRequest, JSON_SCHEMA_INSTRUCTION } from '../../simulator/prompt-json-request';
import { breakSchemaInstance } from '../../simulator/schema-violation';

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

function assertValid(schema: object, value: unknown): void {
  assert.ok(ajv.validate(schema, value), `${JSON.stringify(value)}: ${ajv.errorsText()}`);
}

const SCHEMAS: Record<string, object> = {
  'nested objects and arrays': {
    type: 'object',
    properties: {
      customer: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          email: { type: 'string', format: 'email' },
          since: { type: 'string', format: 'date-time' },
        },
        required: ['name'],
      },
      tags: { type: 'array', items: { type: 'string' }, minItems: 3, maxItems: 3, uniqueItems: true },
      scores: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 } },
    },
    required: ['customer', 'tags'],
    additionalProperties: false,
  },
  'enums, consts and nullable types': {
    type: 'object',
    properties: {
      sentiment: { enum: ['positive', 'neutral', 'negative'] },
      version: { const: 2 },
      note: { type: ['string', 'null'] },
      labels: { type: 'array', items: { enum: ['a', 'b'] }, uniqueItems: true, minItems: 2 },
    },
    required: ['sentiment', 'version', 'note', 'labels'],
  },
  'numeric bounds and multipleOf': {
    type: 'object',
    properties: {
      age: { type: 'integer', minimum: 0, maximum: 10 },
      price: { type: 'number', exclusiveMinimum: 500 },
      ratio: { type: 'number', multipleOf: 0.25, minimum: 1, maximum: 2 },
      year: { type: 'integer', minimum: 1990, maximum: 1999 },
    },
    required: ['age', 'price', 'ratio', 'year'],
  },
  'string patterns and lengths': {
    type: 'object',
    properties: {
      code: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' },
      postcode: { type: 'string', pattern: '^(?:[0-9]{4})-[0-9]{3}$' },
      short: { type: 'string', maxLength: 4 },
      long: { type: 'string', minLength: 80 },
      id: { type: 'string', format: 'uuid' },
    },
    required: ['code', 'postcode', 'short', 'long', 'id'],
  },
  '$ref, $defs, allOf and anyOf': {
    $defs: {
      address: {
        type: 'object',
        properties: { city: { type: 'string' }, zip: { type: 'string' } },
        required: ['city', 'zip'],
      },
    },
    allOf: [
      { type: 'object', properties: { home: { $ref: '#/$defs/address' } }, required: ['home'] },
      { properties: { work: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/address' }] } }, required: ['work'] },
    ],
  },
  'a top-level array': {
    type: 'array',
    items: {
      type: 'object',
      properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      required: ['sku', 'qty'],
    },
    minItems: 1,
  },
  'a recursive schema': {
    $defs: {
      node: {
        type: 'object',
        properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        required: ['name'],
      },
    },
    $ref: '#/$defs/node',
  },
};

describe('buildSchemaInstance', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`builds a valid instance for ${name}`, () => assertValid(schema, buildSchemaInstance(schema, { salt: name })));
  }

  it('fills plausible values by field name', () => {
    const value = buildSchemaInstance({
      type: 'object',
      properties: {
        email: { type: 'string' },
        city: { type: 'string' },
        total: { type: 'number' },
        quantity: { type: 'integer' },
      },
    }) as Record<string, unknown>;
    assert.match(String(value.email), /^[a-z.]+@example\.\w+$/);
    assert.ok(
      typeof value.total === 'number' && typeof value.quantity === 'number' && Number.isInteger(value.quantity),
    );
    assert.notEqual(value.city, value.email);
  });

  it('takes the prompt facts for the fields they name, typed by the schema', () => {
    const schema = {
      type: 'object',
      properties: {
        customer_name: { type: 'string' },
        total: { type: 'number' },
        items: { type: 'integer' },
        paid: { type: 'boolean' },
        currency: { enum: ['EUR', 'USD'] },
        nested: { type: 'object', properties: { invoiceNumber: { type: 'string' } } },
      },
    };
    const facts = extractPromptFacts(
      'Please extract.\nCustomer Name: Maria Lopez\nTotal: $1,204.50\nitems: 3\npaid: no\ncurrency: usd\n- Invoice number: "INV-0042"',
    );
    const value = buildSchemaInstance(schema, { facts }) as Record<string, unknown>;
    assert.deepEqual(value, {
      customer_name: 'Maria Lopez',
      total: 1204.5,
      items: 3,
      paid: false,
      currency: 'USD',
      nested: { invoiceNumber: 'INV-0042' },
    });
    assertValid(schema, value);
  });

  it('contradicts every fact it uses in contradict mode, staying schema-valid', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        total: { type: 'number', maximum: 100 },
        count: { type: 'integer' },
        paid: { type: 'boolean' },
        status: { enum: ['open', 'closed'] },
        due: { type: 'string', format: 'date' },
        invoice: { type: 'string' },
      },
    };
    const facts = extractPromptFacts(
      'name: Maria Lopez\ntotal: 100\ncount: 7\npaid: yes\nstatus: open\ndue: 2024-02-29\ninvoice: INV-0049',
    );
    const used = buildSchemaInstance(schema, { facts, factMode: 'use' }) as Record<string, unknown>;
    const contradicted = buildSchemaInstance(schema, { facts, factMode: 'contradict' }) as Record<string, unknown>;
    for (const key of Object.keys(schema.properties)) assert.notDeepEqual(contradicted[key], used[key], key);
    assertValid(schema, contradicted);
    assert.equal(contradicted.invoice, 'INV-0040');
  });

  it('is deterministic for a salt, and varies enum picks between salts', () => {
    const schema = { type: 'object', properties: { colour: { enum: ['red', 'green', 'blue', 'amber', 'violet'] } } };
    assert.deepEqual(buildSchemaInstance(schema, { salt: 's1' }), buildSchemaInstance(schema, { salt: 's1' }));
    const picks = new Set(
      Array.from(
        { length: 20 },
        (_, i) => (buildSchemaInstance(schema, { salt: `s${i}` }) as { colour: string }).colour,
      ),
    );
    assert.ok(picks.size > 1);
  });
});

describe('broken JSON answers', () => {
  const schema = SCHEMAS['nested objects and arrays']!;
  const valid = buildSchemaInstance(schema);

  it('breakSchemaInstance keeps JSON valid but fails the schema', () => {
    for (const candidate of Object.values(SCHEMAS)) {
      const broken = breakSchemaInstance(candidate, buildSchemaInstance(candidate));
      assert.doesNotThrow(() => JSON.parse(JSON.stringify(broken)));
      assert.equal(ajv.validate(candidate, broken), false, JSON.stringify(broken));
    }
  });

  for (const style of ['truncated', 'single_quotes', 'prose'] as const) {
    it(`renderInvalidJson(${style}) never parses, for objects and scalars`, () => {
      for (const value of [valid, { a: 1 }, {}, [], 42, 'text', true, null]) {
        const text = renderInvalidJson(value, style);
        assert.throws(() => JSON.parse(text), SyntaxError, `${style}: ${text}`);
        assert.ok(text.length > 0);
      }
    });
  }
});

describe('reading the prompt', () => {
  it("finds the engine's JSON instruction and its schema, in the system prompt or the user turn", () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const system = `Be exact.\n\n${JSON_SCHEMA_INSTRUCTION}\n\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\``;
    assert.deepEqual(findPromptJsonRequest([system, 'hi']), { kind: 'schema', schema, enforced: false });
    assert.deepEqual(findPromptJsonRequest(['', system]), { kind: 'schema', schema, enforced: false });
    assert.deepEqual(findPromptJsonRequest([`${JSON_SCHEMA_INSTRUCTION}\n\`\`\`json\n{oops\n\`\`\``]), {
      kind: 'any_json',
      enforced: false,
    });
    assert.deepEqual(findPromptJsonRequest(['Reply with a JSON object.']), { kind: 'any_json', enforced: false });
    assert.deepEqual(findPromptJsonRequest(['Tell me a story.', 'About JSON Schema history.']), { kind: 'none' });
  });

  it('extracts key: value facts outside code blocks, first value winning', () => {
    const facts = extractPromptFacts(
      'Intro line without a fact\n* Order ID: A-17\nsee https://example.com\ntime is 10:30\n```\nignored: yes\n```\norder id: B-99\nDue date: 2024-05-01',
    );
    assert.deepEqual(
      facts.map((f) => [f.normalizedKey, f.value]),
      [
        ['orderid', 'A-17'],
        ['duedate', '2024-05-01'],
      ],
    );
  });

  it('samplePattern produces matches for common patterns and gives up on the rest', () => {
    for (const pattern of [
      '^INV-\\d{4}$',
      '^[A-Z]{2}[0-9]{3}$',
      '^(?:foo|bar)-\\w+$',
      '^\\+?\\d{1,3} \\d{3}$',
      'abc',
    ]) {
      const sample = samplePattern(pattern);
      assert.ok(sample !== undefined && new RegExp(pattern).test(sample), `${pattern} -> ${sample}`);
    }
    assert.equal(samplePattern('^(?!x).+$'), undefined);
    assert.equal(samplePattern('^[^a]+$'), undefined);
  });

  it('buildFactsObject types numbers and booleans', () => {
    assert.deepEqual(buildFactsObject(extractPromptFacts('Total: 12.5\nPaid: true\nCustomer name: Ann')), {
      total: 12.5,
      paid: true,
      customer_name: 'Ann',
    });
  });
});
