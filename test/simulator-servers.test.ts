import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { AnthropicErrorBody, AnthropicMessage } from '../simulator/anthropic-wire';
import { OpenaiChatCompletion, OpenaiErrorBody } from '../simulator/openai-wire';
import { SimulatorAdminClient, SimulatorAdminError } from '../simulator/simulator-admin-client';
import { startSimulator, type SimulatorHandle } from '../simulator/start-simulator';
import { JSON_SCHEMA_INSTRUCTION } from '../simulator/prompt-json-request';
import { SCHEMA_INSTRUCTION } from '../core/prompt';
import { rejection, simulatorClients, statusOf } from './helpers/simulator-clients';

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

const INVOICE_SCHEMA = {
  type: 'object',
  properties: {
    invoice_number: { type: 'string', pattern: '^INV-\\d{4}$' },
    customer: {
      type: 'object',
      properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } },
      required: ['name', 'email'],
    },
    total: { type: 'number', minimum: 0 },
    currency: { type: 'string', enum: ['EUR', 'USD'] },
    paid: { type: 'boolean' },
    issued: { type: 'string', format: 'date' },
    lines: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
        required: ['sku', 'quantity'],
      },
    },
  },
  required: ['invoice_number', 'customer', 'total', 'currency'],
  additionalProperties: false,
} as const;

const hello = [{ role: 'user' as const, content: 'Hello, simulator' }];

let simulator: SimulatorHandle;
let anthropic: Anthropic;
let openai: OpenAI;

before(async () => {
  simulator = await startSimulator({ replayFiles: [] });
  ({ anthropic, openai } = simulatorClients(simulator));
});

after(() => simulator.stop());

beforeEach(() => {
  simulator.faults.clear();
  simulator.callLog.clear();
  simulator.setScript({});
});

describe('Anthropic Messages API through @anthropic-ai/sdk', () => {
  it('answers with the real message shape and usage derived from the text', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      system: 'Be brief.',
      messages: hello,
    });
    AnthropicMessage.parse(message);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, 'claude-haiku-4-5');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.stop_sequence, null);
    const text = message.content[0]?.type === 'text' ? message.content[0].text : '';
    assert.match(text, /claude-haiku-4-5.*Hello, simulator/);
    assert.equal(message.usage.input_tokens, Math.ceil('Be brief.\nHello, simulator'.length / 4));
    assert.equal(message.usage.output_tokens, Math.ceil(text.length / 4));
    assert.equal(message.usage.cache_read_input_tokens, 0);
    assert.equal(message.usage.cache_creation_input_tokens, 0);
  });

  it('stops at max_tokens with stop_reason max_tokens, and at a stop sequence', async () => {
    simulator.setScript({
      models: { m: { defaultAnswer: { type: 'text', text: 'alpha beta STOP gamma delta epsilon zeta eta theta' } } },
    });
    const cut = await anthropic.messages.create({ model: 'm', max_tokens: 3, messages: hello });
    assert.equal(cut.stop_reason, 'max_tokens');
    assert.equal(cut.usage.output_tokens, 3);
    assert.deepEqual(cut.content, [{ type: 'text', text: 'alpha beta S', citations: null }]);
    const stopped = await anthropic.messages.create({
      model: 'm',
      max_tokens: 100,
      stop_sequences: ['STOP'],
      messages: hello,
    });
    assert.equal(stopped.stop_reason, 'stop_sequence');
    assert.equal(stopped.stop_sequence, 'STOP');
    assert.deepEqual(stopped.content, [{ type: 'text', text: 'alpha beta ', citations: null }]);
  });

  it('rejects a request without max_tokens as the API does: BadRequestError, invalid_request_error', async () => {
    const error = await rejection(
      anthropic.messages.create({
        model: 'm',
        messages: hello,
      } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    );
    assert.ok(error instanceof Anthropic.BadRequestError);
    const body = AnthropicErrorBody.parse(error.error);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.message, 'max_tokens: Field required');
  });

  it('requires x-api-key and anthropic-version headers', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${simulator.anthropic.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'm', max_tokens: 10, messages: hello }),
      });
    const noKey = await post({ 'anthropic-version': '2023-06-01' });
    assert.equal(noKey.status, 401);
    assert.equal(AnthropicErrorBody.parse(await noKey.json()).error.type, 'authentication_error');
    const noVersion = await post({ 'x-api-key': 'k' });
    assert.equal(noVersion.status, 400);
    assert.match(AnthropicErrorBody.parse(await noVersion.json()).error.message, /anthropic-version/);
    assert.equal((await post({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' })).status, 200);
  });

  it('streams the same message through messages.stream()', async () => {
    const streamed = await anthropic.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 256, messages: hello })
      .finalMessage();
    const plain = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 256, messages: hello });
    assert.deepEqual(streamed.content, plain.content);
    assert.equal(streamed.stop_reason, 'end_turn');
    assert.equal(streamed.usage.output_tokens, plain.usage.output_tokens);
    const [streamCall] = simulator.callLog.list();
    assert.equal(streamCall?.stream, true);
    assert.equal(streamCall?.state, 'completed');
  });

  it('lists models and counts tokens', async () => {
    simulator.setScript({
      models: { 'claude-haiku-4-5': { defaultAnswer: { type: 'empty' } } },
      replayDatasetModels: false,
    });
    const models = await anthropic.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['claude-haiku-4-5'],
    );
    const count = await anthropic.messages.countTokens({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'x'.repeat(40) }],
    });
    assert.equal(count.input_tokens, 10);
  });

  it('answers an empty answer with no content block and a non-zero token count', async () => {
    simulator.setScript({ models: { m: { defaultAnswer: { type: 'empty' } } } });
    const message = await anthropic.messages.create({ model: 'm', max_tokens: 10, messages: hello });
    assert.deepEqual(message.content, []);
    assert.equal(message.usage.output_tokens, 1);
  });
});

describe('OpenAI Chat Completions through openai', () => {
  it('answers with the real completion shape and usage derived from the text', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'system', content: 'Be brief.' }, ...hello],
    });
    OpenaiChatCompletion.parse(completion);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-4.1-mini');
    const [choice] = completion.choices;
    assert.equal(choice?.index, 0);
    assert.equal(choice?.finish_reason, 'stop');
    assert.equal(choice?.logprobs, null);
    assert.equal(choice?.message.role, 'assistant');
    assert.equal(choice?.message.refusal, null);
    const text = choice?.message.content ?? '';
    assert.match(text, /gpt-4\.1-mini.*Hello, simulator/);
    assert.equal(completion.usage?.prompt_tokens, Math.ceil('Be brief.\nHello, simulator'.length / 4));
    assert.equal(completion.usage?.completion_tokens, Math.ceil(text.length / 4));
    assert.equal(
      completion.usage?.total_tokens,
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 0);
    assert.ok(Math.abs(completion.created - Date.now() / 1000) < 5);
  });

  it('reports finish_reason length when the answer hits max_completion_tokens', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      max_completion_tokens: 2,
      messages: hello,
    });
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 2);
    assert.equal(completion.choices[0]?.message.content?.length, 8);
  });

  it('honours response_format json_object, and requires the word "json" in the messages as the API does', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1-nano',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'Reply in JSON.\nname: Ada Lovelace\nborn: 1815' }],
    });
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ''), { name: 'Ada Lovelace', born: 1815 });
    const error = await rejection(
      openai.chat.completions.create({
        model: 'gpt-4.1-nano',
        response_format: { type: 'json_object' },
        messages: hello,
      }),
    );
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.param, 'messages');
  });

  it('honours response_format json_schema: the answer validates and carries the prompt facts', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      response_format: { type: 'json_schema', json_schema: { name: 'invoice', schema: INVOICE_SCHEMA, strict: false } },
      messages: [
        {
          role: 'user',
          content: 'Extract the invoice.\ninvoice number: INV-0042\ntotal: 99.50\ncurrency: usd\npaid: yes',
        },
      ],
    });
    const answer: unknown = JSON.parse(completion.choices[0]?.message.content ?? '');
    assert.ok(ajv.validate(INVOICE_SCHEMA, answer), ajv.errorsText());
    assert.deepEqual(
      { ...(answer as Record<string, unknown>), customer: undefined, issued: undefined, lines: undefined },
      {
        invoice_number: 'INV-0042',
        total: 99.5,
        currency: 'USD',
        paid: true,
        customer: undefined,
        issued: undefined,
        lines: undefined,
      },
    );
  });

  it('breaks the schema only when the script says so', async () => {
    simulator.setScript({ models: { weak: { defaultAnswer: { type: 'schema_violation' } } } });
    const completion = await openai.chat.completions.create({
      model: 'weak',
      response_format: { type: 'json_schema', json_schema: { name: 'invoice', schema: INVOICE_SCHEMA } },
      messages: [{ role: 'user', content: 'Extract the invoice.' }],
    });
    const answer: unknown = JSON.parse(completion.choices[0]?.message.content ?? '');
    assert.equal(ajv.validate(INVOICE_SCHEMA, answer), false);
  });

  it('reports a refusal under Structured Outputs in message.refusal, content null', async () => {
    simulator.setScript({
      models: { careful: { defaultAnswer: { type: 'refusal', text: 'I cannot help with that.' } } },
    });
    const completion = await openai.chat.completions.create({
      model: 'careful',
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      messages: hello,
    });
    assert.equal(completion.choices[0]?.message.content, null);
    assert.equal(completion.choices[0]?.message.refusal, 'I cannot help with that.');
  });

  it('streams chunks with usage when asked, and n choices', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-5',
      stream: true,
      stream_options: { include_usage: true },
      messages: hello,
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    const plain = await openai.chat.completions.create({ model: 'gpt-5', n: 2, messages: hello });
    assert.equal(text, plain.choices[0]?.message.content);
    assert.equal(plain.choices.length, 2);
    assert.equal(usage?.completion_tokens, Math.ceil(text.length / 4));
    assert.equal(plain.usage?.completion_tokens, 2 * Math.ceil(text.length / 4));
  });

  it('requires bearer auth and lists models', async () => {
    const response = await fetch(`${simulator.openai.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', messages: hello }),
    });
    assert.equal(response.status, 401);
    OpenaiErrorBody.parse(await response.json());
    simulator.setScript({ models: { 'gpt-5': { defaultAnswer: { type: 'empty' } } }, replayDatasetModels: false });
    const models = await openai.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['gpt-5'],
    );
  });

  it("rejects a missing messages parameter with OpenAI's wording", async () => {
    const error = await rejection(
      openai.chat.completions.create({ model: 'gpt-5' } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
    );
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.message, "400 Missing required parameter: 'messages'.");
    assert.equal(error.param, 'messages');
    assert.equal(error.code, 'missing_required_parameter');
  });
});

describe("injected HTTP errors surface as the SDKs' own typed errors", () => {
  const anthropicCases = [
    { status: 400, errorClass: Anthropic.BadRequestError, type: 'invalid_request_error' },
    { status: 401, errorClass: Anthropic.AuthenticationError, type: 'authentication_error' },
    { status: 403, errorClass: Anthropic.PermissionDeniedError, type: 'permission_error' },
    { status: 404, errorClass: Anthropic.NotFoundError, type: 'not_found_error' },
    { status: 413, errorClass: Anthropic.ContentTooLargeError, type: 'request_too_large' },
    { status: 429, errorClass: Anthropic.RateLimitError, type: 'rate_limit_error' },
    { status: 500, errorClass: Anthropic.InternalServerError, type: 'api_error' },
    { status: 529, errorClass: Anthropic.OverloadedError, type: 'overloaded_error' },
  ];
  for (const { status, errorClass, type } of anthropicCases) {
    it(`Anthropic ${status} -> ${errorClass.name} (${type})`, async () => {
      simulator.faults.add({
        provider: 'anthropic',
        effect: { type: 'http_error', status, message: `injected ${status}` },
        times: 1,
      });
      const error = await rejection(
        anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: hello }),
      );
      assert.ok(error instanceof errorClass, `got ${String(error)}`);
      assert.equal(error.status, status);
      assert.equal(error.type, type);
      assert.equal(AnthropicErrorBody.parse(error.error).error.message, `injected ${status}`);
      if (status >= 500) assert.ok(error instanceof Anthropic.InternalServerError);
    });
  }

  const openaiCases = [
    { status: 400, errorClass: OpenAI.BadRequestError },
    { status: 401, errorClass: OpenAI.AuthenticationError },
    { status: 403, errorClass: OpenAI.PermissionDeniedError },
    { status: 404, errorClass: OpenAI.NotFoundError },
    { status: 429, errorClass: OpenAI.RateLimitError },
    { status: 500, errorClass: OpenAI.InternalServerError },
    { status: 503, errorClass: OpenAI.InternalServerError },
  ];
  for (const { status, errorClass } of openaiCases) {
    it(`OpenAI ${status} -> ${errorClass.name}`, async () => {
      simulator.faults.add({ provider: 'openai', effect: { type: 'http_error', status }, times: 1 });
      const error = await rejection(openai.chat.completions.create({ model: 'gpt-4.1-mini', messages: hello }));
      assert.ok(error instanceof errorClass, `got ${String(error)}`);
      assert.equal(error.status, status);
      assert.ok(OpenaiErrorBody.shape.error.parse(error.error).message.length > 0);
    });
  }

  it('a 429 carries retry-after, readable from both SDK errors', async () => {
    simulator.faults.add({ effect: { type: 'http_error', status: 429, retryAfterSeconds: 7 }, times: 2 });
    const fromAnthropic = await rejection(
      anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: hello }),
    );
    const fromOpenai = await rejection(openai.chat.completions.create({ model: 'gpt-4.1-mini', messages: hello }));
    assert.ok(fromAnthropic instanceof Anthropic.RateLimitError);
    assert.ok(fromOpenai instanceof OpenAI.RateLimitError);
    assert.equal(fromAnthropic.headers.get('retry-after'), '7');
    assert.equal(fromOpenai.headers.get('retry-after'), '7');
    assert.equal(fromOpenai.code, 'rate_limit_exceeded');
  });

  it('an unknown model is a 404 only under strictModels', async () => {
    const lenient = await anthropic.messages.create({ model: 'claude-unknown-9', max_tokens: 50, messages: hello });
    assert.equal(lenient.type, 'message');
    simulator.setScript({ strictModels: true });
    const fromAnthropic = await rejection(
      anthropic.messages.create({ model: 'claude-unknown-9', max_tokens: 50, messages: hello }),
    );
    assert.ok(fromAnthropic instanceof Anthropic.NotFoundError);
    assert.equal(AnthropicErrorBody.parse(fromAnthropic.error).error.message, 'model: claude-unknown-9');
    const fromOpenai = await rejection(openai.chat.completions.create({ model: 'gpt-unknown', messages: hello }));
    assert.ok(fromOpenai instanceof OpenAI.NotFoundError);
    assert.equal(fromOpenai.code, 'model_not_found');
  });
});

describe('injected network faults', () => {
  it('a hang past the client timeout is APIConnectionTimeoutError on both SDKs, and the call is logged aborted', async () => {
    simulator.faults.add({ effect: { type: 'hang' } });
    const started = Date.now();
    const [fromAnthropic, fromOpenai] = await Promise.all([
      rejection(anthropic.messages.create({ model: 'a', max_tokens: 10, messages: hello }, { timeout: 250 })),
      rejection(openai.chat.completions.create({ model: 'b', messages: hello }, { timeout: 250 })),
    ]);
    assert.ok(fromAnthropic instanceof Anthropic.APIConnectionTimeoutError, String(fromAnthropic));
    assert.ok(fromOpenai instanceof OpenAI.APIConnectionTimeoutError, String(fromOpenai));
    assert.ok(Date.now() - started >= 240);
    const calls = await simulator.callLog.waitFor(
      {},
      (c) => c.length === 2 && c.every((call) => call.state === 'aborted'),
    );
    assert.ok(calls.every((call) => call.status === null && call.fault?.effect.type === 'hang'));
  });

  it('a reset connection is APIConnectionError (not a timeout) on both SDKs', async () => {
    simulator.faults.add({ effect: { type: 'reset' }, times: 2 });
    const fromAnthropic = await rejection(anthropic.messages.create({ model: 'a', max_tokens: 10, messages: hello }));
    const fromOpenai = await rejection(openai.chat.completions.create({ model: 'b', messages: hello }));
    assert.ok(
      fromAnthropic instanceof Anthropic.APIConnectionError &&
        !(fromAnthropic instanceof Anthropic.APIConnectionTimeoutError),
    );
    assert.ok(
      fromOpenai instanceof OpenAI.APIConnectionError && !(fromOpenai instanceof OpenAI.APIConnectionTimeoutError),
    );
    assert.deepEqual(
      simulator.callLog.list().map((c) => [c.state, c.status]),
      [
        ['aborted', null],
        ['aborted', null],
      ],
    );
  });

  it('a connection cut mid-body fails the read (undici "terminated") and is logged aborted with its status', async () => {
    simulator.faults.add({ provider: 'anthropic', effect: { type: 'reset', when: 'mid_body' }, times: 1 });
    const error = await rejection(anthropic.messages.create({ model: 'a', max_tokens: 10, messages: hello }));
    assert.ok(error instanceof TypeError && /terminated/.test(error.message), String(error));
    const [call] = simulator.callLog.list();
    assert.equal(call?.state, 'aborted');
    assert.equal(call?.status, 200);
  });

  it('a slow body sends headers at once and the body over durationMs; the call completes only when written', async () => {
    simulator.faults.add({ provider: 'openai', effect: { type: 'slow_body', durationMs: 500, chunks: 5 }, times: 1 });
    const response = await openai.chat.completions.create({ model: 'gpt-5', messages: hello }).asResponse();
    const headersAt = Date.now();
    assert.equal(simulator.callLog.list()[0]?.state, 'in_flight');
    const body = OpenaiChatCompletion.parse(await response.json());
    // Four pauses of 100 ms separate the first piece of the body from the last.
    assert.ok(Date.now() - headersAt >= 350, `body took ${Date.now() - headersAt} ms after the headers`);
    assert.match(body.choices[0]?.message.content ?? '', /Hello, simulator/);
    const [call] = await simulator.callLog.waitFor({}, (calls) => calls[0]?.state === 'completed');
    assert.equal(call?.status, 200);
    assert.deepEqual(call?.responseBody, body);
  });

  it('a delay answers normally, later', async () => {
    simulator.faults.add({ model: 'slow-model', effect: { type: 'delay', ms: 200 } });
    const started = Date.now();
    await anthropic.messages.create({ model: 'slow-model', max_tokens: 10, messages: hello });
    assert.ok(Date.now() - started >= 190);
  });
});

describe('fault targeting and lifetime', () => {
  const callBoth = () =>
    Promise.all([
      statusOf(anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: hello })),
      statusOf(anthropic.messages.create({ model: 'claude-opus-4-6', max_tokens: 10, messages: hello })),
      statusOf(openai.chat.completions.create({ model: 'claude-haiku-4-5', messages: hello })),
      statusOf(openai.chat.completions.create({ model: 'gpt-4.1-mini', messages: hello })),
    ]);

  it('a provider fault hits every model on that provider only', async () => {
    simulator.faults.add({ provider: 'anthropic', effect: { type: 'http_error', status: 529 } });
    assert.deepEqual(await callBoth(), [529, 529, 200, 200]);
  });

  it('a model fault hits that model on both servers, and nothing else', async () => {
    simulator.faults.add({ model: 'claude-haiku-4-5', effect: { type: 'http_error', status: 500 } });
    assert.deepEqual(await callBoth(), [500, 200, 500, 200]);
  });

  it('a fault for the next N calls hits exactly N calls, then is gone', async () => {
    const fault = simulator.faults.add({
      model: 'gpt-4.1-mini',
      effect: { type: 'http_error', status: 503 },
      times: 2,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(await statusOf(openai.chat.completions.create({ model: 'gpt-4.1-mini', messages: hello })));
    }
    assert.deepEqual(statuses, [503, 503, 200, 200]);
    assert.equal(
      simulator.faults.list().some((f) => f.id === fault.id),
      false,
    );
  });

  it('a fault for a time window hits every call inside it and none after', async () => {
    const fault = simulator.faults.add({
      provider: 'openai',
      effect: { type: 'http_error', status: 503 },
      durationMs: 1000,
    });
    const inside = await callBoth();
    assert.ok(Date.now() < fault.expiresAt!, 'the calls took longer than the window');
    await new Promise((resolve) => setTimeout(resolve, fault.expiresAt! - Date.now() + 20));
    const afterwards = await callBoth();
    assert.deepEqual(inside, [200, 200, 503, 503]);
    assert.deepEqual(afterwards, [200, 200, 200, 200]);
  });

  it('the call log records each faulted call with its fault, status and timestamps', async () => {
    const fault = simulator.faults.add({
      provider: 'anthropic',
      effect: { type: 'http_error', status: 429, retryAfterSeconds: 2 },
      times: 1,
    });
    await callBoth();
    const calls = simulator.callLog.list({ state: 'completed' });
    assert.equal(calls.length, 4);
    const faulted = calls.filter((call) => call.fault !== null);
    assert.equal(faulted.length, 1);
    assert.equal(faulted[0]?.fault?.id, fault.id);
    assert.deepEqual(faulted[0]?.fault?.effect, { type: 'http_error', status: 429, retryAfterSeconds: 2 });
    assert.equal(faulted[0]?.status, 429);
    assert.equal(AnthropicErrorBody.parse(faulted[0]?.responseBody).error.type, 'rate_limit_error');
    for (const call of calls) {
      assert.ok(call.endedAt !== null && call.endedAt >= call.startedAt);
      assert.ok(call.requestBody !== null);
    }
    assert.equal(simulator.callLog.list({ provider: 'openai', model: 'gpt-4.1-mini' }).length, 1);
  });
});

describe('scripted behaviour', () => {
  it('rules match the prompt and system prompt, and fill templates', async () => {
    simulator.setScript({
      models: {
        m: {
          rules: [
            {
              name: 'greeting',
              when: { promptMatches: { pattern: '^hello', flags: 'i' }, systemContains: 'pirate' },
              answer: { type: 'text', text: 'Ahoy from {{model}}: {{prompt}}' },
            },
            { when: { promptContains: 'refuse' }, answer: { type: 'refusal' } },
            {
              when: { promptContains: 'too long' },
              answer: { type: 'error', status: 400, message: 'prompt is too long: 300000 tokens > 200000 maximum' },
            },
          ],
          defaultAnswer: { type: 'text', text: 'plain' },
        },
      },
    });
    const ask = (content: string, system?: string) =>
      anthropic.messages.create({
        model: 'm',
        max_tokens: 100,
        messages: [{ role: 'user', content }],
        ...(system ? { system } : {}),
      });
    const textOf = (message: Anthropic.Message) => (message.content[0]?.type === 'text' ? message.content[0].text : '');
    assert.equal(textOf(await ask('Hello there', 'Talk like a pirate.')), 'Ahoy from m: Hello there');
    assert.equal(textOf(await ask('Hello there')), 'plain');
    assert.match(textOf(await ask('please refuse')), /can't help/);
    const error = await rejection(ask('this is too long'));
    assert.ok(error instanceof Anthropic.BadRequestError);
    assert.match(error.message, /prompt is too long/);
    assert.deepEqual(
      simulator.callLog.list().map((c) => c.rule),
      ['m rules[0] (greeting)', 'm defaultAnswer', 'm rules[1]', 'm rules[2]'],
    );
  });

  it("answers the engine's JSON instruction in the system prompt with schema-valid JSON", async () => {
    assert.equal(JSON_SCHEMA_INSTRUCTION, SCHEMA_INSTRUCTION);
    const system = `${SCHEMA_INSTRUCTION}\n\`\`\`json\n${JSON.stringify(INVOICE_SCHEMA, null, 2)}\n\`\`\``;
    const message = await anthropic.messages.create({
      model: 'claude-opus-4-6',
      max_tokens: 1024,
      system,
      messages: [{ role: 'user', content: 'total: 12.25' }],
    });
    const answer: unknown = JSON.parse(message.content[0]?.type === 'text' ? message.content[0].text : '');
    assert.ok(ajv.validate(INVOICE_SCHEMA, answer), ajv.errorsText());
    assert.equal((answer as { total: number }).total, 12.25);
  });

  it('applies scripted latency', async () => {
    simulator.setScript({
      models: { m: { defaultAnswer: { type: 'text', text: 'late' }, latency: { type: 'fixed', ms: 200 } } },
    });
    const started = Date.now();
    await openai.chat.completions.create({ model: 'm', messages: hello });
    assert.ok(Date.now() - started >= 190);
  });
});

describe('admin endpoints over HTTP (SimulatorAdminClient)', () => {
  it('injects faults, reads and clears the call log, and replaces the script', async () => {
    const admin = new SimulatorAdminClient(simulator.openai.url);
    assert.equal(await admin.health(), true);
    const fault = await admin.addFault({
      model: 'gpt-5',
      effect: { type: 'http_error', status: 429, retryAfterSeconds: 1 },
      times: 1,
    });
    assert.deepEqual(
      (await admin.faults()).map((f) => f.id),
      [fault.id],
    );
    const error = await rejection(openai.chat.completions.create({ model: 'gpt-5', messages: hello }));
    assert.ok(error instanceof OpenAI.RateLimitError);
    await admin.setScript({ models: { 'gpt-5': { defaultAnswer: { type: 'text', text: 'scripted over HTTP' } } } });
    const completion = await openai.chat.completions.create({ model: 'gpt-5', messages: hello });
    assert.equal(completion.choices[0]?.message.content, 'scripted over HTTP');
    const calls = await admin.calls({ model: 'gpt-5' });
    assert.deepEqual(
      calls.map((c) => c.status),
      [429, 200],
    );
    assert.equal(await admin.clearCalls(), 2);
    assert.deepEqual(await admin.calls(), []);
    const invalid = await rejection(
      admin.setScript({ models: { x: { defaultAnswer: { type: 'text', text: '{{nope}}' } } } }),
    );
    assert.ok(invalid instanceof SimulatorAdminError);
    assert.equal(invalid.status, 400);
    assert.match(invalid.problems.join('\n'), /unknown placeholder \{\{nope\}\}/);
    const badFault = await rejection(admin.addFault({ effect: { type: 'http_error', status: 200 } } as never));
    assert.ok(badFault instanceof SimulatorAdminError && badFault.status === 400);
    const lasting = await admin.addFault({ provider: 'anthropic', effect: { type: 'reset' } });
    await admin.addFault({ provider: 'openai', effect: { type: 'reset' } });
    await admin.removeFault(lasting.id);
    assert.deepEqual(
      (await admin.faults()).map((f) => f.provider),
      ['openai'],
    );
    assert.ok((await rejection(admin.removeFault(lasting.id))) instanceof SimulatorAdminError);
    assert.equal(await admin.clearFaults(), 1);
    const badFilter = await fetch(`${simulator.anthropic.url}/_admin/calls?state=sideways`);
    assert.equal(badFilter.status, 400);
    assert.match(JSON.stringify(await badFilter.json()), /state/);
  });
});

describe('lifecycle', () => {
  it("answers a malformed JSON body in the provider's error shape", async () => {
    const response = await fetch(`${simulator.anthropic.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: '{"model": ',
    });
    assert.equal(response.status, 400);
    assert.equal(AnthropicErrorBody.parse(await response.json()).error.type, 'invalid_request_error');
    const missing = await fetch(`${simulator.openai.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
    });
    assert.equal(missing.status, 404);
    OpenaiErrorBody.parse(await missing.json());
  });

  it('stop() cuts off calls a fault keeps hanging, and a taken port fails the start cleanly', async () => {
    const own = await startSimulator({ replayFiles: [] });
    own.faults.add({ effect: { type: 'hang' } });
    const hanging = rejection(
      simulatorClients(own).anthropic.messages.create({ model: 'm', max_tokens: 10, messages: hello }),
    );
    await own.callLog.waitFor({}, (calls) => calls.length === 1);
    const started = Date.now();
    await own.stop();
    assert.ok(Date.now() - started < 3000);
    assert.ok((await hanging) instanceof Anthropic.APIConnectionError);
    assert.equal(own.callLog.list()[0]?.state, 'aborted');
    await own.stop();
    await assert.rejects(startSimulator({ replayFiles: [], openaiPort: simulator.anthropic.port }), /EADDRINUSE/);
  });
});
