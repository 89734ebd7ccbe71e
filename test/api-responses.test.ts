/**
 * `POST /v1/responses`, OpenAI's Responses API on the same cascade workflow and checks, driven by
 * the real `openai` client (`client.responses.*`) against the simulated providers: parameters
 * honoured (the simulator's call log shows them) or refused by name, a JSON Schema answer
 * escalating until it validates (`responses.parse` with `zodTextFormat` too), a truncated answer
 * escalating and `incomplete` only for a truncated final answer, an exhausted cascade a 422, a
 * schema-invalid function call escalating, a multi-turn tool conversation, and the stream events
 * through the SDK's iteration and `responses.stream().finalResponse()`; and the Vercel AI SDK's
 * `generateText` / `streamText` on `createOpenAI(...).responses(...)`, a tool loop included.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import {
  cascadeExtension,
  OPENAI_ROUTE,
  startGatewayStack,
  WEATHER_TOOL_SCHEMA,
  type GatewayStack,
} from './helpers/gateway-stack';

/** `WEATHER_TOOL_SCHEMA` as a Responses function tool. */
const WEATHER_TOOL: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: WEATHER_TOOL_SCHEMA,
  strict: false,
};

const City = z.object({ city: z.string(), country: z.string() });

describe('HTTP API: POST /v1/responses with the openai client', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let gateway: GatewayStack;
  let openai: OpenAI;

  before(async () => {
    temporal = await connectTestTemporal();
    gateway = await startGatewayStack(temporal, 'gateway-responses');
    openai = new OpenAI({ baseURL: `${gateway.api.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await temporal?.close();
  });

  const callLog = () => gateway.stack.simulator.callLog;

  it('answers a string input: output_text, the final model, usage, the cascade record and headers', async () => {
    const { data: response, response: http } = await openai.responses
      .create({ model: 'cascade/question_answering', input: 'What is the capital of France?' })
      .withResponse();
    assert.equal(response.object, 'response');
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Simulated answer from claude-haiku-4-5.');
    assert.equal(response.model, 'claude-haiku-4-5');
    assert.equal(response.incomplete_details, null);
    const message = response.output[0] as OpenAI.Responses.ResponseOutputMessage;
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.deepEqual(message.content, [
      { type: 'output_text', text: 'Simulated answer from claude-haiku-4-5.', annotations: [] },
    ]);
    const cascade = cascadeExtension(response);
    assert.equal(cascade.outcome, 'accepted');
    assert.equal(http.headers.get('x-cascade-id'), response.id);
    assert.equal(http.headers.get('x-cascade-outcome'), 'accepted');
    assert.ok(response.usage!.input_tokens > 0 && response.usage!.output_tokens > 0);
    assert.equal(response.usage!.total_tokens, response.usage!.input_tokens + response.usage!.output_tokens);
    // The id is the cascade's: its record is where the error messages say.
    const record = await fetch(`${gateway.api.url}/v1/cascades/${encodeURIComponent(response.id)}`);
    assert.equal(record.status, 200);
  });

  it('passes instructions as the system text and max_output_tokens (capped), temperature and top_p to the model calls', async () => {
    callLog().clear();
    const response = await openai.responses.create({
      model: `cascade/${OPENAI_ROUTE}`,
      instructions: 'Answer in one sentence.',
      input: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'user', content: [{ type: 'input_text', text: 'Say something short.' }] },
      ],
      max_output_tokens: 100_000,
      temperature: 1.3,
      top_p: 0.9,
      metadata: { team: 'search' },
      user: 'user-7',
      store: false,
    });
    assert.equal(response.status, 'completed');
    assert.equal(response.temperature, 1.3);
    assert.equal(response.instructions, 'Answer in one sentence.');
    const sent = callLog().list({ state: 'completed' });
    assert.deepEqual(
      sent.map((c) => c.model),
      ['gpt-4.1-mini'],
    );
    const body = sent[0]!.requestBody as { messages: { role: string; content: string }[] } & Record<string, unknown>;
    // gpt-4.1-mini's configured limit is 2048: the request's 100,000 is capped, not passed on.
    assert.equal(body.max_completion_tokens, 2048);
    assert.equal(body.temperature, 1.3);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.messages[0]!.role, 'system');
    assert.match(body.messages[0]!.content, /Answer in one sentence\.\n\nBe terse\./);
    assert.deepEqual(body.messages.at(-1), { role: 'user', content: 'Say something short.' });
    // metadata and user are kept in the cascade's metadata: the workflow's input carries them.
    const history = await temporal.client.workflow.getHandle(response.id).fetchHistory();
    const input = Buffer.from(
      history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!,
    ).toString('utf8');
    assert.match(input, /"metadata":\{"team":"search","user":"user-7"\}/);
  });

  it('refuses with a 400 naming it each field it cannot honour', async () => {
    const refused: [Record<string, unknown>, string, RegExp][] = [
      [{ previous_response_id: 'resp_1' }, 'previous_response_id', /responses are not stored/],
      [{ store: true }, 'store', /not stored for retrieval.*GET \/v1\/cascades\/\{id\}/],
      [{ reasoning: { effort: 'low' } }, 'reasoning', /not supported/],
      [{ background: true }, 'background', /not supported/],
      [{ include: ['message.output_text.logprobs'] }, 'include', /not supported/],
      [{ tools: [{ type: 'web_search' }] }, 'tools[0].type', /"web_search" are not supported/],
      [
        { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] },
        'input[0].content[0].type',
        /only input_text and output_text parts are supported, got "input_image"/,
      ],
      [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type', /"item_reference" are not supported/],
      [{ temperature: 1.5 }, 'temperature', /at most 1/],
      [{ text: { verbosity: 'low' } }, 'text.verbosity', /verbosity is not supported/],
      [{ model: 'gpt-4o' }, 'model', /unknown model "gpt-4o"/],
      [{ frequency_penalty: 0.5 }, '', /frequency_penalty/],
    ];
    for (const [fields, param, message] of refused) {
      await assert.rejects(
        openai.responses.create({
          model: 'cascade/question_answering',
          input: 'hi',
          ...fields,
        } as OpenAI.Responses.ResponseCreateParamsNonStreaming),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.BadRequestError, `${param}: ${String(error)}`);
          if (param !== '') assert.equal(error.param, param);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  it('checks the answer against text.format json_schema: an invalid cheap answer escalates, the final one validates', async () => {
    const response = await openai.responses.create({
      model: 'cascade/question_answering',
      input: 'Which city is the capital of France?\ncity: Paris\ncountry: France',
      text: { format: { type: 'json_schema', name: 'city', schema: z.toJSONSchema(City), strict: true } },
    });
    const cascade = cascadeExtension(response);
    const failed = cascade.steps[0]!.checks.find((c) => c.check === 'json_schema');
    assert.equal(failed?.status, 'fail', JSON.stringify(cascade.steps[0]!.checks));
    assert.ok(cascade.escalations >= 1);
    assert.equal(cascade.outcome, 'accepted');
    assert.equal(City.safeParse(JSON.parse(response.output_text)).success, true, response.output_text);

    const parsed = await openai.responses.parse({
      model: 'cascade/question_answering',
      input: 'Which city is the capital of Spain?\ncity: Madrid\ncountry: Spain',
      text: { format: zodTextFormat(City, 'city') },
    });
    assert.equal(parsed.output_parsed?.city, 'Madrid');
    assert.ok(cascadeExtension(parsed).escalations >= 1);
  });

  it('escalates a truncated answer (completed), and reports incomplete only for a truncated final answer', async () => {
    const long = await openai.responses.create({
      model: 'cascade/question_answering',
      input: 'LONG: tell me about Paris.',
      max_output_tokens: 40,
    });
    const cascade = cascadeExtension(long);
    assert.equal(cascade.escalations, 1);
    assert.equal(cascade.steps[0]!.finishReason, 'length');
    assert.equal(long.status, 'completed');
    assert.equal(long.incomplete_details, null);

    const exhausting = {
      model: 'cascade/question_answering',
      input: 'EXHAUST: tell me everything.',
      max_output_tokens: 20,
    };
    await assert.rejects(openai.responses.create(exhausting), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 422);
      assert.equal(error.code, 'cascade_exhausted');
      assert.match(error.message, /no answer passed its checks/);
      return true;
    });
    const best = await openai.responses.create(exhausting, { headers: { 'x-cascade-best-effort': 'true' } });
    assert.equal(best.status, 'incomplete');
    assert.deepEqual(best.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(cascadeExtension(best).bestEffort, true);
    assert.ok(best.output_text.length > 0);
  });

  it('escalates a schema-invalid function call and returns the next tier’s valid function_call item', async () => {
    callLog().clear();
    const response = await openai.responses.create({
      model: 'cascade/question_answering',
      input: 'BADTOOL: what is the weather in Paris?',
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
    });
    const cascade = cascadeExtension(response);
    assert.equal(cascade.escalations, 1);
    const toolCheck = cascade.steps[0]!.checks.find((c) => c.check === 'tool_call');
    assert.equal(toolCheck?.status, 'fail');
    assert.match(toolCheck!.reason, /get_weather: arguments violate its schema/);
    assert.equal(response.model, 'gpt-4.1-mini');
    assert.equal(response.output_text, '');
    const calls = response.output.filter((item) => item.type === 'function_call');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.name, 'get_weather');
    assert.equal(calls[0]!.status, 'completed');
    assert.ok(calls[0]!.call_id.length > 0);
    assert.equal(typeof (JSON.parse(calls[0]!.arguments) as { city: unknown }).city, 'string');
    const mini = callLog().list({ state: 'completed' })[1]!.requestBody as { tool_choice: unknown; tools: unknown[] };
    assert.equal(mini.tool_choice, 'required');
    assert.equal(mini.tools.length, 1);
  });

  it('completes a multi-turn tool conversation from function_call and function_call_output items', async () => {
    callLog().clear();
    const response = await openai.responses.create({
      model: 'cascade/question_answering',
      tools: [WEATHER_TOOL],
      input: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '12 C, cloudy' },
      ],
    });
    assert.equal(response.output_text, 'It is 12 degrees and cloudy in Paris.');
    assert.equal(response.status, 'completed');
    // The Anthropic model got the conversation as tool_use and tool_result blocks.
    const body = callLog().list({ state: 'completed' })[0]!.requestBody as { messages: { content: unknown }[] };
    assert.deepEqual(body.messages[1]!.content, [
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    assert.deepEqual(body.messages[2]!.content, [
      { type: 'tool_result', tool_use_id: 'call_1', content: '12 C, cloudy' },
    ]);

    // A result for a call nobody made is refused, naming the item.
    await assert.rejects(
      openai.responses.create({
        model: 'cascade',
        tools: [WEATHER_TOOL],
        input: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { type: 'function_call_output', call_id: 'call_9', output: '12 C' },
        ],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'input[1].call_id',
    );
  });

  it('streams a text answer as Responses events, through iteration and responses.stream().finalResponse()', async () => {
    const stream = await openai.responses.create({
      model: 'cascade/question_answering',
      input: 'What is the capital of Spain?',
      stream: true,
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(
      events.map((e) => e.sequence_number),
      events.map((_, i) => i),
    );
    const text = events
      .filter((e): e is OpenAI.Responses.ResponseTextDeltaEvent => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    assert.equal(text, 'Simulated answer from claude-haiku-4-5.');
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    assert.equal(cascadeExtension(completed.response).outcome, 'accepted');

    // On the wire: the cascade id header with the stream, each event named by its type.
    const raw = await fetch(`${gateway.api.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'cascade/question_answering',
        input: 'What is the capital of Peru?',
        stream: true,
      }),
    });
    assert.match(raw.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(raw.headers.get('x-cascade-id'));
    assert.match(
      await raw.text(),
      /^event: response\.created\ndata: \{"type":"response\.created","sequence_number":0,/m,
    );

    const final = await openai.responses
      .stream({ model: 'cascade/question_answering', input: 'What is the capital of Italy?' })
      .finalResponse();
    assert.equal(final.output_text, 'Simulated answer from claude-haiku-4-5.');
    assert.equal(final.status, 'completed');
  });

  it('streams the valid function call after an escalation, and a failure after the headers as an error the SDK raises', async () => {
    const request = {
      model: 'cascade/question_answering',
      input: 'BADTOOL: what is the weather in Lyon?',
      tools: [WEATHER_TOOL],
      tool_choice: 'required' as const,
    };
    const stream = openai.responses.stream(request);
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const call = final.output.find((item) => item.type === 'function_call');
    assert.equal(call?.name, 'get_weather');
    assert.equal(typeof (JSON.parse(call!.arguments) as { city: unknown }).city, 'string');
    assert.equal(cascadeExtension(final).escalations, 1);

    const failing = await openai.responses.create({
      model: 'cascade/question_answering',
      input: 'EXHAUST: tell me everything.',
      max_output_tokens: 20,
      stream: true,
    });
    await assert.rejects(
      (async () => {
        for await (const _event of failing) assert.fail('no event before the error');
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.code, 'cascade_exhausted');
        assert.match(error.message, /no answer passed its checks/);
        return true;
      },
    );
  });

  it('serves the Vercel AI SDK: generateText, streamText, and a tool loop with store: false', async () => {
    const provider = createOpenAI({ baseURL: `${gateway.api.url}/v1`, apiKey: 'unused-without-keys' });
    const model = provider.responses('cascade/question_answering');
    const generated = await generateText({ model, prompt: 'What is the capital of France?', maxRetries: 0 });
    assert.equal(generated.text, 'Simulated answer from claude-haiku-4-5.');
    assert.equal(generated.finishReason, 'stop');
    assert.equal(generated.response.modelId, 'claude-haiku-4-5');
    assert.ok((generated.usage.inputTokens ?? 0) > 0);

    const streamed = streamText({ model, prompt: 'What is the capital of Spain?', maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    assert.equal(text, 'Simulated answer from claude-haiku-4-5.');
    assert.equal(await streamed.finishReason, 'stop');

    // A cascade without a passing answer, after the stream opened: an error part naming the code.
    const failing = streamText({
      model,
      prompt: 'EXHAUST: tell me everything.',
      maxOutputTokens: 20,
      maxRetries: 0,
      onError: () => {},
    });
    const errors: unknown[] = [];
    for await (const part of failing.fullStream) if (part.type === 'error') errors.push(part.error);
    assert.equal(errors.length, 1);
    assert.match(JSON.stringify(errors[0]), /cascade_exhausted/);

    // The cheap tier's call violates the schema and escalates; the tool runs on the valid call and
    // the second request carries the function_call and function_call_output items themselves.
    callLog().clear();
    const cities: string[] = [];
    const looped = await generateText({
      model,
      prompt: 'BADTOOL: what is the weather in Paris?',
      maxRetries: 0,
      tools: {
        get_weather: tool({
          description: 'The weather in a city',
          inputSchema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']).optional() }),
          execute: async ({ city }) => {
            cities.push(city);
            return '12 C, cloudy';
          },
        }),
      },
      stopWhen: stepCountIs(2),
      providerOptions: { openai: { store: false } },
    });
    assert.equal(cities.length, 1);
    assert.equal(looped.steps.length, 2);
    assert.equal(looped.steps[0]!.finishReason, 'tool-calls');
    assert.equal(cascadeExtension(looped.steps[0]!.response.body).escalations, 1);
    assert.equal(looped.text, 'It is 12 degrees and cloudy in Paris.');
    const lastCall = callLog().list({ state: 'completed' }).at(-1)!.requestBody as { messages: { content: unknown }[] };
    assert.match(JSON.stringify(lastCall.messages), /12 C, cloudy/);
  });

  it('tells a Vercel AI SDK tool loop that refers to stored items to send store: false', async () => {
    const model = createOpenAI({ baseURL: `${gateway.api.url}/v1`, apiKey: 'unused-without-keys' }).responses(
      'cascade/question_answering',
    );
    await assert.rejects(
      generateText({
        model,
        prompt: 'What is the weather in Paris?',
        maxRetries: 0,
        tools: {
          get_weather: tool({
            inputSchema: z.object({ city: z.string() }),
            execute: async () => '12 C, cloudy',
          }),
        },
        stopWhen: stepCountIs(2),
      }),
      (error: unknown) => {
        const { statusCode, message } = error as { statusCode?: number; message: string };
        assert.equal(statusCode, 400, String(error));
        assert.match(message, /"item_reference" are not supported: responses are not stored.*store: false/);
        return true;
      },
    );
  });
});
