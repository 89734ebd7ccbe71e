/**
 * `/v1/chat/completions` as a drop-in OpenAI endpoint, driven by the real `openai` client through
 * real cascades on a real Temporal server against the simulated providers: every generation
 * parameter reaches the model calls (the simulator's call log shows it) or is refused with a 400
 * naming it; a truncated answer escalates and the final finish_reason is the true one; a cascade
 * without a passing answer is an error unless best-effort answers are asked for; a schema-invalid
 * tool call escalates and the client gets the next tier's valid one, streamed or not; a multi-turn
 * tool conversation completes; `/v1/models` lists the routes; keep-alives flow during an outage.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { recordingHistories, saveHistory } from './helpers/histories';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import {
  LENIENT_ROUTE,
  OPENAI_ROUTE,
  startGatewayStack,
  TEST_KEEPALIVE_MS,
  WEATHER_TOOL_SCHEMA,
  type GatewayStack,
  OPENAI_WEATHER_TOOL,
  cascadeExtension,
} from './helpers/gateway-stack';

describe('HTTP API: /v1/chat/completions as a drop-in gateway (openai client)', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let gateway: GatewayStack;
  let openai: OpenAI;

  before(async () => {
    temporal = await connectTestTemporal();
    gateway = await startGatewayStack(temporal, 'gateway-openai');
    openai = new OpenAI({ baseURL: `${gateway.api.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await temporal?.close();
  });

  const callLog = () => gateway.stack.simulator.callLog;
  /** With LLM_CASCADE_RECORD_HISTORIES=1, keeps a cascade's history for the replay test (a shape only the gateway makes). */
  const record = async (label: string, id: string) => {
    if (recordingHistories()) await saveHistory(label, await temporal.client.workflow.getHandle(id).fetchHistory());
  };

  it('passes every generation parameter to the model calls of an all-OpenAI route, max_tokens capped at the model limit', async () => {
    callLog().clear();
    const completion = await openai.chat.completions.create({
      model: `cascade/${OPENAI_ROUTE}`,
      messages: [{ role: 'user', content: 'Say something short.' }],
      max_completion_tokens: 100_000,
      temperature: 1.3,
      top_p: 0.9,
      stop: ['from'],
      seed: 42,
      frequency_penalty: 0.5,
      presence_penalty: -0.25,
    });
    const sent = callLog().list({ state: 'completed' });
    assert.deepEqual(
      sent.map((c) => c.model),
      ['gpt-4.1-mini'],
    );
    const body = sent[0]!.requestBody as Record<string, unknown>;
    // gpt-4.1-mini's configured limit is 2048: the request's 100,000 is capped, not passed on.
    assert.equal(body.max_completion_tokens, 2048);
    assert.equal(body.temperature, 1.3);
    assert.equal(body.top_p, 0.9);
    assert.deepEqual(body.stop, ['from']);
    assert.equal(body.seed, 42);
    assert.equal(body.frequency_penalty, 0.5);
    assert.equal(body.presence_penalty, -0.25);
    // The simulated model honoured the stop sequence: its answer ends where "from" would start.
    assert.equal(completion.choices[0]!.message.content, 'Simulated answer ');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    // The parameters are recorded in the cascade's history: the workflow's input carries them.
    const handle = temporal.client.workflow.getHandle(completion.id);
    const history = await handle.fetchHistory();
    const started = JSON.stringify(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input);
    assert.ok(started.length > 0);
    const input = Buffer.from(
      history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!,
    ).toString('utf8');
    assert.match(input, /"params":\{[^}]*"seed":42/);
  });

  it('passes the parameters an Anthropic model honours to it in its own terms', async () => {
    callLog().clear();
    await openai.chat.completions.create({
      model: 'cascade/question_answering',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      max_tokens: 300,
      temperature: 0.4,
      stop: ['NEVER'],
    });
    const body = callLog().list({ state: 'completed' })[0]!.requestBody as Record<string, unknown>;
    assert.equal(callLog().list({ state: 'completed' })[0]!.model, 'claude-haiku-4-5');
    assert.equal(body.max_tokens, 300);
    assert.equal(body.temperature, 0.4);
    assert.deepEqual(body.stop_sequences, ['NEVER']);
  });

  it('refuses with a 400 naming it each parameter a model of the route could not honour, and unsupported fields', async () => {
    const refused: [Record<string, unknown>, string, RegExp][] = [
      [{ seed: 1 }, 'seed', /claude-haiku-4-5.*no such parameter/],
      [{ frequency_penalty: 0.1 }, 'frequency_penalty', /no such parameter/],
      [{ presence_penalty: 0.1 }, 'presence_penalty', /no such parameter/],
      [{ temperature: 1.5 }, 'temperature', /at most 1/],
      [{ temperature: 0.5, top_p: 0.5 }, 'top_p', /not both/],
      [{ reasoning_effort: 'low' }, 'reasoning_effort', /not supported/],
      [{ logit_bias: { '1': 1 } }, 'logit_bias', /not supported/],
      [{ max_tokens: 10, max_completion_tokens: 20 }, 'max_completion_tokens', /differs from max_tokens/],
      [{ store: true }, 'store', /only store: false/],
    ];
    for (const [fields, param, message] of refused) {
      await assert.rejects(
        openai.chat.completions.create({
          model: 'cascade/question_answering',
          messages: [{ role: 'user', content: 'hi' }],
          ...fields,
        } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.BadRequestError, `${param}: ${String(error)}`);
          assert.equal(error.param, param);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  it('escalates a truncated answer and reports the final true finish_reason', async () => {
    const completion = await openai.chat.completions.create({
      model: 'cascade/question_answering',
      messages: [{ role: 'user', content: 'LONG: tell me about Paris.' }],
      max_tokens: 40,
    });
    const cascade = cascadeExtension(completion);
    assert.equal(cascade.escalations, 1);
    const first = cascade.steps[0]!;
    assert.equal(first.finishReason, 'length');
    assert.deepEqual(
      first.checks.filter((c) => c.status === 'fail').map((c) => c.check),
      ['complete'],
    );
    assert.equal(completion.model, 'gpt-4.1-mini');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    await record('gateway-truncated-escalation', completion.id);
  });

  it('answers a cascade without a passing answer with a 422 carrying the record, or the last answer when best effort is asked for', async () => {
    const request = {
      model: 'cascade/question_answering',
      messages: [{ role: 'user' as const, content: 'EXHAUST: tell me everything.' }],
      max_tokens: 20,
    };
    await assert.rejects(openai.chat.completions.create(request), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 422);
      assert.equal(error.code, 'cascade_exhausted');
      assert.match(
        error.message,
        /step 1 small claude-haiku-4-5: complete .*step \d+ frontier claude-opus-4-6: complete/,
      );
      return true;
    });

    const { data, response } = await openai.chat.completions
      .create(request, { headers: { 'x-cascade-best-effort': 'true' } })
      .withResponse();
    assert.equal(response.headers.get('x-cascade-best-effort'), 'true');
    assert.equal(response.headers.get('x-cascade-outcome'), 'exhausted');
    assert.equal(cascadeExtension(data).bestEffort, true);
    assert.equal(cascadeExtension(data).outcome, 'exhausted');
    assert.equal(data.choices[0]!.finish_reason, 'length');

    // A route with bestEffort: true answers the same way without the header, and the header can say no.
    const lenient = await openai.chat.completions.create({ ...request, model: `cascade/${LENIENT_ROUTE}` });
    assert.equal(cascadeExtension(lenient).bestEffort, true);
    await assert.rejects(
      openai.chat.completions.create(
        { ...request, model: `cascade/${LENIENT_ROUTE}` },
        { headers: { 'x-cascade-best-effort': 'false' } },
      ),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 422,
    );

    await assert.rejects(
      openai.chat.completions.create(request, { headers: { 'x-cascade-best-effort': 'maybe' } }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'headers.x-cascade-best-effort',
    );
  });

  it('escalates a schema-invalid tool call and returns the next tier’s valid call, with the validation errors fed back', async () => {
    callLog().clear();
    const completion = await openai.chat.completions.create({
      model: 'cascade/question_answering',
      messages: [{ role: 'user', content: 'BADTOOL: what is the weather in Paris?' }],
      tools: [OPENAI_WEATHER_TOOL],
      tool_choice: 'required',
    });
    const cascade = cascadeExtension(completion);
    assert.equal(cascade.escalations, 1);
    const toolCheck = cascade.steps[0]!.checks.find((c) => c.check === 'tool_call');
    assert.equal(toolCheck?.status, 'fail');
    assert.match(toolCheck!.reason, /get_weather: arguments violate its schema/);

    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof (JSON.parse(call.function.arguments) as { city: unknown }).city, 'string');

    const calls = callLog().list({ state: 'completed' });
    assert.deepEqual(
      calls.map((c) => c.model),
      ['claude-haiku-4-5', 'gpt-4.1-mini'],
    );
    const haiku = calls[0]!.requestBody as { tools: { name: string; input_schema: unknown }[]; tool_choice: unknown };
    assert.deepEqual(haiku.tools[0]!.input_schema, WEATHER_TOOL_SCHEMA);
    assert.deepEqual(haiku.tool_choice, { type: 'any' });
    const mini = calls[1]!.requestBody as { tools: unknown[]; tool_choice: unknown; messages: { content: string }[] };
    assert.deepEqual(mini.tools, [OPENAI_WEATHER_TOOL]);
    assert.equal(mini.tool_choice, 'required');
    assert.match(mini.messages[0]!.content, /arguments violate its schema/, 'the next tier is told what was wrong');
    await record('gateway-tool-call-escalation', completion.id);
  });

  it('streams the valid tool call as OpenAI tool-call deltas', async () => {
    const stream = await openai.chat.completions.create({
      model: 'cascade/question_answering',
      stream: true,
      messages: [{ role: 'user', content: 'BADTOOL: what is the weather in Lyon?' }],
      tools: [OPENAI_WEATHER_TOOL],
      tool_choice: 'required',
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const deltas = chunks.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    assert.equal(deltas.length, 1);
    assert.equal(deltas[0]!.index, 0);
    assert.equal(deltas[0]!.function?.name, 'get_weather');
    assert.equal(typeof (JSON.parse(deltas[0]!.function!.arguments!) as { city: unknown }).city, 'string');
    const last = chunks.findLast((c) => c.choices.length > 0)!;
    assert.equal(last.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(cascadeExtension(last).escalations, 1);
  });

  it('escalates a tool call whose arguments are not JSON (OpenAI wire) to the next tier', async () => {
    const completion = await openai.chat.completions.create({
      model: 'cascade/question_answering',
      messages: [{ role: 'user', content: 'BADTOOL BROKENTOOL: weather in Oslo?' }],
      tools: [OPENAI_WEATHER_TOOL],
    });
    const cascade = cascadeExtension(completion);
    assert.deepEqual(
      cascade.steps.map((s) => [s.model, s.checks.find((c) => c.check === 'tool_call')?.status]),
      [
        ['claude-haiku-4-5', 'fail'],
        ['gpt-4.1-mini', 'fail'],
        ['claude-opus-4-6', 'pass'],
      ],
    );
    assert.match(
      cascade.steps[1]!.checks.find((c) => c.check === 'tool_call')!.reason,
      /get_weather: arguments are not valid JSON/,
    );
    assert.equal(completion.choices[0]!.finish_reason, 'tool_calls');
  });

  it('completes a multi-turn tool conversation: tool call, tool result, final answer', async () => {
    callLog().clear();
    const completion = await openai.chat.completions.create({
      model: 'cascade/question_answering',
      tools: [OPENAI_WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '12 C, cloudy' },
      ],
    });
    assert.equal(completion.choices[0]!.message.content, 'It is 12 degrees and cloudy in Paris.');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    await record('gateway-tool-conversation', completion.id);
    // The Anthropic model got the conversation as tool_use and tool_result blocks.
    const body = callLog().list({ state: 'completed' })[0]!.requestBody as { messages: { content: unknown }[] };
    assert.deepEqual(body.messages[1]!.content, [
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    assert.deepEqual(body.messages[2]!.content, [
      { type: 'tool_result', tool_use_id: 'call_1', content: '12 C, cloudy' },
    ]);

    await assert.rejects(
      openai.chat.completions.create({
        model: 'cascade',
        tools: [OPENAI_WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'tool', tool_call_id: 'call_9', content: '12 C' },
        ],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'messages[1].tool_call_id',
    );
  });

  it('lists cascade and every cascade/<route> under /v1/models', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    assert.equal(ids[0], 'cascade');
    assert.ok(ids.includes('cascade/question_answering'));
    assert.ok(ids.includes(`cascade/${OPENAI_ROUTE}`));
    assert.equal(ids.length, 1 + Object.keys(gateway.stack.config.routes).length);
    const one = await openai.models.retrieve('cascade/extraction');
    assert.equal(one.id, 'cascade/extraction');
    await assert.rejects(openai.models.retrieve('gpt-4o'), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  it('sends the stream headers at once and keep-alive comments while the cascade waits out an outage', async () => {
    // Every provider fails for 3 s: the small tier's models, then the durable waits between rounds.
    gateway.stack.simulator.faults.add({ effect: { type: 'http_error', status: 503 }, durationMs: 3000 });
    const response = await fetch(`${gateway.api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'cascade/question_answering',
        stream: true,
        messages: [{ role: 'user', content: 'What is the capital of Peru?' }],
      }),
    });
    // The headers are here while the cascade still waits: the body's first event comes later.
    const headersAt = Date.now();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let firstDataAt: number | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (firstDataAt === undefined && text.includes('data:')) firstDataAt = Date.now();
    }
    const waitedMs = firstDataAt! - headersAt;
    const keepAlives = text.slice(0, text.indexOf('data:')).match(/^: keep-alive$/gm) ?? [];
    assert.ok(waitedMs >= 1000, `the answer came ${waitedMs} ms after the headers`);
    // One comment per interval while waiting (timer jitter on a loaded machine may cost one or two).
    assert.ok(
      keepAlives.length >= Math.floor(waitedMs / TEST_KEEPALIVE_MS) - 2,
      `${keepAlives.length} keep-alives in ${waitedMs} ms before the answer: ${text.slice(0, 200)}`,
    );
    const chunks = text
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice('data: '.length)) as { choices: { finish_reason: string | null }[] });
    const cascade = cascadeExtension(chunks.findLast((c) => c.choices.length > 0));
    assert.equal(cascade.outcome, 'accepted');
    assert.ok(
      cascade.steps.some((s) => s.error),
      'the cascade met the outage',
    );
    assert.match(text, /data: \[DONE\]\n\n$/);
  });
});
