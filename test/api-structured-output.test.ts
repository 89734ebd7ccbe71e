/**
 * Structured output as the frameworks ask for it, end to end: LangChain JS's `withStructuredOutput`
 * (through `@langchain/openai`, with a zod schema and with a raw JSON Schema), the OpenAI SDK's
 * `zodResponseFormat` + `chat.completions.parse`, and a Pydantic schema in the native `schema`
 * field. Real cascades on a real Temporal server; the small tier's simulated model answers JSON
 * that breaks the schema, so every request escalates, and the steps show it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { type SubmitCascadeResponse } from '../api/cascade-schemas';
import { type Step } from '../core/result';
import { workflowTaskFailures } from './helpers/histories';
import { useApiStack } from './helpers/simulated-cascade';

/** The small tier answers JSON that violates the requested schema; the others answer valid JSON. */
const SCRIPT = {
  models: {
    'claude-haiku-4-5': {
      rules: [
        { name: 'breaks the schema', when: { jsonRequested: true }, answer: { type: 'schema_violation' as const } },
      ],
      defaultAnswer: { type: 'text' as const, text: 'Simulated answer from {{model}}.' },
    },
  },
};

// Facts as `key: value` lines, which the simulated models take for the fields they name.
const PROMPT =
  'Extract the invoice.\ninvoice_number: INV-2024-001\ncustomer: Acme GmbH\ntotal: 1250\ncurrency: EUR\ndue_date: 2024-12-31';

const Invoice = z.object({
  invoice_number: z.string(),
  customer: z.string(),
  total: z.number(),
  currency: z.enum(['EUR', 'USD', 'GBP']),
  due_date: z.iso.date(),
  notes: z.string().nullable(),
});

/** The small tier's answer failed the json_schema check and the mid tier's passed. */
function assertEscalatedOnSchema(steps: readonly Step[]): void {
  const answers = steps.filter((s) => s.kind === 'answer');
  assert.deepEqual(
    answers.map((s) => s.tier),
    ['small', 'mid'],
    JSON.stringify(steps.map((s) => s.checks)),
  );
  const schemaCheck = (step: Step) => step.checks.find((c) => c.check === 'json_schema');
  assert.equal(schemaCheck(answers[0]!)?.status, 'fail');
  assert.match(schemaCheck(answers[0]!)?.reason ?? '', /^schema violations: /);
  assert.equal(schemaCheck(answers[1]!)?.status, 'pass');
}

describe('structured output from LangChain, the OpenAI SDK and Pydantic', { timeout: 300_000 }, () => {
  const suite = useApiStack('structured', { script: SCRIPT });

  const langchain = () =>
    new ChatOpenAI({
      model: 'cascade/extraction',
      apiKey: 'unused-without-keys',
      maxRetries: 0,
      configuration: { baseURL: `${suite.api.url}/v1` },
    });

  /** The cascade's steps, by the id LangChain or the SDK got back (the completion id is the cascade id). */
  const stepsOf = async (id: string): Promise<Step[]> => {
    const handle = suite.temporal.client.workflow.getHandle(id);
    assert.deepEqual(workflowTaskFailures(await handle.fetchHistory()), []);
    const response = await fetch(`${suite.api.url}/v1/cascades/${encodeURIComponent(id)}/steps`);
    return ((await response.json()) as { steps: Step[] }).steps;
  };

  it('LangChain withStructuredOutput(zod schema) returns the parsed object through an escalated cascade', async () => {
    const structured = langchain().withStructuredOutput(Invoice, { name: 'invoice', includeRaw: true });
    const { raw, parsed } = await structured.invoke(PROMPT);
    assert.deepEqual(Invoice.parse(parsed), parsed);
    assert.equal(parsed.invoice_number, 'INV-2024-001');
    assert.ok(raw.id, 'the completion id');
    assertEscalatedOnSchema(await stepsOf(raw.id));
  });

  it('LangChain withStructuredOutput(raw JSON Schema) does the same', async () => {
    const schema = {
      title: 'invoice',
      type: 'object',
      properties: {
        invoice_number: { type: 'string', pattern: '^INV-' },
        total: { type: 'number', minimum: 0 },
        lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
      },
      required: ['invoice_number', 'total', 'lines'],
      additionalProperties: false,
    };
    const structured = langchain().withStructuredOutput(schema, { name: 'invoice', includeRaw: true });
    const { raw, parsed } = await structured.invoke(PROMPT);
    const answer = parsed as { invoice_number: string; total: number; lines: unknown[] };
    assert.match(answer.invoice_number, /^INV-/);
    assert.equal(typeof answer.total, 'number');
    assert.ok(Array.isArray(answer.lines));
    assertEscalatedOnSchema(await stepsOf(raw.id!));
  });

  it("the OpenAI SDK's zodResponseFormat + chat.completions.parse", async () => {
    const openai = new OpenAI({ baseURL: `${suite.api.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
    const completion = await openai.chat.completions.parse({
      model: 'cascade/extraction',
      messages: [{ role: 'user', content: PROMPT }],
      response_format: zodResponseFormat(Invoice, 'invoice'),
    });
    const parsed = completion.choices[0]!.message.parsed;
    assert.ok(parsed);
    assert.equal(parsed.currency, 'EUR');
    assertEscalatedOnSchema(await stepsOf(completion.id));
  });

  it("a Pydantic model's schema (2020-12, $defs, optional fields, enums) in the native schema field", async () => {
    const schema = JSON.parse(
      readFileSync(path.join(__dirname, 'fixtures', 'pydantic', 'invoice.schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    const response = await fetch(`${suite.api.url}/v1/cascades?wait=true&timeoutMs=60000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: PROMPT, taskType: 'extraction', schema }),
    });
    const body = (await response.json()) as SubmitCascadeResponse;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.result?.outcome, 'accepted');
    const invoice = body.result?.output.json as { invoice_number: string; billing_address: { city: string } };
    assert.match(invoice.invoice_number, /^INV-\d{4}-\d{3}$/);
    assert.equal(typeof invoice.billing_address.city, 'string');
    assertEscalatedOnSchema(body.result!.steps);
  });

  it('answers a 400 naming an unknown dialect or an unsupported keyword, in either API', async () => {
    const native = await fetch(`${suite.api.url}/v1/cascades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: PROMPT, schema: { $schema: 'http://json-schema.org/draft-04/schema#' } }),
    });
    assert.equal(native.status, 400);
    const nativeBody = (await native.json()) as { error: { message: string; param: string } };
    assert.equal(nativeBody.error.param, 'schema');
    assert.match(
      nativeBody.error.message,
      /^schema: invalid JSON Schema: \/\$schema unsupported dialect "http:\/\/json-schema.org\/draft-04\/schema#"/,
    );

    const openai = new OpenAI({ baseURL: `${suite.api.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
    await assert.rejects(
      openai.chat.completions.create({
        model: 'cascade',
        messages: [{ role: 'user', content: PROMPT }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', schema: { type: 'object', nullabel: true } },
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.match(
          error.message,
          /response_format\.json_schema\.schema: invalid JSON Schema: unsupported keyword "nullabel"/,
        );
        return true;
      },
    );
  });
});
