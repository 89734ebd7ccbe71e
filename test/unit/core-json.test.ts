import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonAnswer } from '../../core/json-answer';
import { jsonSchemaProblems, validateAgainstSchema } from '../../core/json-schema';
import { type JsonSchemaDocument } from '../../core/request';

describe('parseJsonAnswer', () => {
  it('parses a bare JSON answer, surrounding whitespace included', () => {
    assert.deepEqual(parseJsonAnswer('  {"a": 1, "b": [true, null]}\n'), {
      ok: true,
      value: { a: 1, b: [true, null] },
    });
  });

  it('parses JSON scalars and arrays', () => {
    assert.deepEqual(parseJsonAnswer('42'), { ok: true, value: 42 });
    assert.deepEqual(parseJsonAnswer('"B"'), { ok: true, value: 'B' });
    assert.deepEqual(parseJsonAnswer('null'), { ok: true, value: null });
    assert.deepEqual(parseJsonAnswer('[1, 2]'), { ok: true, value: [1, 2] });
  });

  it('parses the one fenced block of an answer, with or without a language tag', () => {
    assert.deepEqual(parseJsonAnswer('```json\n{"a": 1}\n```'), { ok: true, value: { a: 1 } });
    assert.deepEqual(parseJsonAnswer('```JSON\n{"a": 1}\n```'), { ok: true, value: { a: 1 } });
    assert.deepEqual(parseJsonAnswer('```\n{"a": 1}\n```'), { ok: true, value: { a: 1 } });
    assert.deepEqual(parseJsonAnswer('```json\r\n{"a": 1}\r\n```'), { ok: true, value: { a: 1 } });
    assert.deepEqual(parseJsonAnswer('```json\n{"a": 1}```'), { ok: true, value: { a: 1 } });
  });

  it('accepts prose around a single fenced block', () => {
    const text =
      'Sure! Here is the data:\n\n```json\n{\n  "name": "Maria Lopez",\n  "title": "CFO"\n}\n```\n\nAnything else?';
    assert.deepEqual(parseJsonAnswer(text), { ok: true, value: { name: 'Maria Lopez', title: 'CFO' } });
  });

  it('rejects an empty answer', () => {
    assert.deepEqual(parseJsonAnswer(' \n '), { ok: false, reason: 'the answer is empty' });
  });

  it('rejects prose around a bare JSON value, since JSON only was asked for', () => {
    const result = parseJsonAnswer('Here it is: {"a": 1}');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^the answer is not valid JSON \(.+\)$/);
  });

  it('rejects an invalid fenced block, saying so', () => {
    const result = parseJsonAnswer('```json\n{"a": }\n```');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^the fenced block is not valid JSON \(.+\)$/);
  });

  it('rejects two fenced blocks', () => {
    assert.deepEqual(parseJsonAnswer('```json\n{"a": 1}\n```\nor\n```json\n{"a": 2}\n```'), {
      ok: false,
      reason: 'the answer holds 2 code blocks, expected one JSON value',
    });
  });

  it('does not read a block fenced as another language', () => {
    const result = parseJsonAnswer('```js\n{"a": 1}\n```');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^the answer is not valid JSON/);
  });

  it('keeps long parser messages short', () => {
    const result = parseJsonAnswer(`{"a": ${'x'.repeat(500)}}`);
    assert.equal(result.ok, false);
    const reason = !result.ok ? result.reason : '';
    const inner = reason.slice('the answer is not valid JSON ('.length, -1);
    assert.ok(inner.length > 0 && inner.length <= 120, `reason length: ${reason}`);
  });
});

describe('jsonSchemaProblems', () => {
  it('finds nothing wrong with usable schemas', () => {
    assert.deepEqual(
      jsonSchemaProblems({ type: 'object', properties: { total: { type: 'number' } }, required: ['total'] }),
      [],
    );
    assert.deepEqual(jsonSchemaProblems({}), []);
    assert.deepEqual(jsonSchemaProblems(true), []);
    assert.deepEqual(jsonSchemaProblems(false), []);
    assert.deepEqual(jsonSchemaProblems({ type: 'string', format: 'email' }), []);
  });

  it('names the invalid keyword of a malformed schema', () => {
    assert.deepEqual(jsonSchemaProblems({ type: 'object', required: 'total' }), ['/required must be array']);
    assert.deepEqual(jsonSchemaProblems({ type: 'object', properties: { a: { minimum: 'x' } } }), [
      '/properties/a/minimum must be number',
    ]);
    assert.equal(jsonSchemaProblems({ type: 'numbr' })[0], '/type must be equal to one of the allowed values');
  });

  it('reports a reference that cannot be resolved', () => {
    assert.deepEqual(jsonSchemaProblems({ $ref: '#/definitions/missing' }), [
      "can't resolve reference #/definitions/missing from id #",
    ]);
  });
});

describe('validateAgainstSchema', () => {
  const schema: JsonSchemaDocument = {
    type: 'object',
    required: ['name', 'total'],
    properties: {
      name: { type: 'string', minLength: 1 },
      total: { type: 'number', minimum: 0 },
      email: { type: 'string', format: 'email' },
      items: { type: 'array', items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } } },
    },
  };

  it('returns no problems for a valid value', () => {
    assert.deepEqual(
      validateAgainstSchema({ name: 'Acme', total: 12.5, email: 'ap@acme.example', items: [{ sku: 'A1' }] }, schema),
      [],
    );
  });

  it('returns every violation with its location', () => {
    assert.deepEqual(validateAgainstSchema({ name: '', total: -1, items: [{ sku: 7 }, {}] }, schema), [
      '/name must NOT have fewer than 1 characters',
      '/total must be >= 0',
      '/items/0/sku must be string',
      "/items/1 must have required property 'sku'",
    ]);
  });

  it('names a missing property and a wrong root type at (root)', () => {
    assert.deepEqual(validateAgainstSchema({ name: 'Acme' }, schema), ["(root) must have required property 'total'"]);
    assert.deepEqual(validateAgainstSchema([1, 2], schema), ['(root) must be object']);
  });

  it('checks formats', () => {
    assert.deepEqual(validateAgainstSchema({ name: 'Acme', total: 1, email: 'not an email' }, schema), [
      '/email must match format "email"',
    ]);
  });

  it('caps the problems at five by default, or at maxProblems', () => {
    const many: JsonSchemaDocument = { type: 'object', required: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] };
    const all = ['a', 'b', 'c', 'd', 'e'].map((k) => `(root) must have required property '${k}'`);
    assert.deepEqual(validateAgainstSchema({}, many), all);
    assert.deepEqual(validateAgainstSchema({}, many, 2), all.slice(0, 2));
  });

  it('handles boolean schemas', () => {
    assert.deepEqual(validateAgainstSchema('anything', true), []);
    assert.deepEqual(validateAgainstSchema('anything', false), ['(root) boolean schema is false']);
  });

  it('gives the same answer for the same schema every time (cached validator)', () => {
    const first = validateAgainstSchema({ total: 'x' }, { type: 'object', properties: { total: { type: 'number' } } });
    const second = validateAgainstSchema({ total: 'x' }, { type: 'object', properties: { total: { type: 'number' } } });
    assert.deepEqual(first, ['/total must be number']);
    assert.deepEqual(second, first);
  });
});
