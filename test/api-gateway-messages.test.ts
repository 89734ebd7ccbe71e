/**
 * `POST /v1/messages`, Anthropic's Messages API on the same cascade workflow and checks, driven by
 * the real `@anthropic-ai/sdk` client against the simulated providers: parameters honoured or
 * refused by name, truncation escalating with the true stop_reason, Anthropic-shaped errors, a
 * schema-invalid tool call escalating (streamed and not) and a multi-turn tool conversation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { type ChatCascadeExtension } from '../api/chat-completion-schemas';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import {
  startGatewayStack,
  type GatewayStack,
  ANTHROPIC_WEATHER_TOOL,
  cascadeExtension,
} from './helpers/gateway-stack';

describe('HTTP API: POST /v1/messages with the Anthropic client', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let gateway: GatewayStack;
  let anthropic: Anthropic;

  before(async () => {
    temporal = await connectTestTemporal();
    gateway = await startGatewayStack(temporal, 'gateway-messages');
    anthropic = new Anthropic({ baseURL: gateway.api.url, apiKey: 'unused-without-keys', maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await temporal?.close();
  });

  const callLog = () => gateway.stack.simulator.callLog;

  it('answers a message through a cascade, passing system, max_tokens (capped), temperature and stop_sequences', async () => {
    callLog().clear();
    // This SDK's types no longer list temperature; older clients send it, and the endpoint honours it.
    const message = await anthropic.messages.create({
      model: 'cascade/question_answering',
      system: 'Answer in one sentence.',
      max_tokens: 5000,
      temperature: 0.4,
      stop_sequences: ['from'],
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    } as Anthropic.Messages.MessageCreateParamsNonStreaming);
    assert.equal(message.type, 'message');
    assert.equal(message.model, 'claude-haiku-4-5');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Simulated answer ' }]);
    // The small model stopped at the caller's stop sequence and its provider said which.
    assert.equal(message.stop_reason, 'stop_sequence');
    assert.equal(message.stop_sequence, 'from');
    assert.equal(cascadeExtension(message).outcome, 'accepted');
    const body = callLog().list({ state: 'completed' })[0]!.requestBody as Record<string, unknown>;
    // claude-haiku-4-5's configured limit is 1024.
    assert.equal(body.max_tokens, 1024);
    assert.equal(body.temperature, 0.4);
    assert.deepEqual(body.stop_sequences, ['from']);
    assert.match(JSON.stringify(body.system), /Answer in one sentence/);
  });

  it('refuses what it cannot honour with Anthropic-shaped 400s naming the field', async () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ top_k: 5 }, /^top_k: /],
      [{ temperature: 0.5, top_p: 0.5 }, /^top_p: .*not both/],
      [{ thinking: { type: 'enabled', budget_tokens: 1024 } }, /^thinking: /],
      [{ model: 'claude-3-haiku' }, /^model: unknown model/],
    ];
    for (const [fields, message] of refused) {
      await assert.rejects(
        anthropic.messages.create({
          model: 'cascade',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'hi' }],
          ...fields,
        } as Anthropic.Messages.MessageCreateParamsNonStreaming),
        (error: unknown) => {
          assert.ok(error instanceof Anthropic.BadRequestError, String(error));
          const body = error.error as { type: string; error: { type: string; message: string } };
          assert.equal(body.type, 'error');
          assert.equal(body.error.type, 'invalid_request_error');
          assert.match(body.error.message, message);
          return true;
        },
      );
    }
  });

  it('escalates a truncated answer; an exhausted cascade is an error unless best effort is asked for', async () => {
    const message = await anthropic.messages.create({
      model: 'cascade/question_answering',
      max_tokens: 40,
      messages: [{ role: 'user', content: 'LONG: tell me about Paris.' }],
    });
    assert.equal(cascadeExtension(message).escalations, 1);
    assert.equal(cascadeExtension(message).steps[0]!.finishReason, 'length');
    assert.equal(message.stop_reason, 'end_turn');

    const exhausting = {
      model: 'cascade/question_answering',
      max_tokens: 20,
      messages: [{ role: 'user' as const, content: 'EXHAUST: tell me everything.' }],
    };
    await assert.rejects(anthropic.messages.create(exhausting), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal(error.status, 422);
      const body = error.error as { error: { message: string }; cascade: ChatCascadeExtension };
      assert.match(body.error.message, /ended exhausted: no answer passed its checks/);
      assert.equal(body.cascade.outcome, 'exhausted');
      return true;
    });
    const best = await anthropic.messages.create(exhausting, { headers: { 'x-cascade-best-effort': 'true' } });
    assert.equal(best.stop_reason, 'max_tokens');
    assert.equal(cascadeExtension(best).bestEffort, true);
  });

  it('escalates a schema-invalid tool_use and returns the next tier’s valid one, not streamed and streamed', async () => {
    const request = {
      model: 'cascade/question_answering',
      max_tokens: 500,
      tools: [ANTHROPIC_WEATHER_TOOL],
      tool_choice: { type: 'any' as const },
      messages: [{ role: 'user' as const, content: 'BADTOOL: what is the weather in Paris?' }],
    };
    const message = await anthropic.messages.create(request);
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(cascadeExtension(message).escalations, 1);
    assert.equal(message.model, 'gpt-4.1-mini');
    const toolUse = message.content.find((b) => b.type === 'tool_use');
    assert.equal(toolUse?.name, 'get_weather');
    assert.equal(typeof (toolUse?.input as { city?: unknown }).city, 'string');

    const stream = anthropic.messages.stream(request);
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const streamed = await stream.finalMessage();
    assert.equal(streamed.stop_reason, 'tool_use');
    const streamedUse = streamed.content.find((b) => b.type === 'tool_use');
    assert.equal(typeof (streamedUse?.input as { city?: unknown }).city, 'string');
    assert.deepEqual(
      [...new Set(events)],
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
  });

  it('completes a multi-turn tool conversation', async () => {
    callLog().clear();
    const message = await anthropic.messages.create({
      model: 'cascade/question_answering',
      max_tokens: 500,
      tools: [ANTHROPIC_WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12 C, cloudy' }] },
      ],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'It is 12 degrees and cloudy in Paris.' }]);
    assert.equal(message.stop_reason, 'end_turn');
    const body = callLog().list({ state: 'completed' })[0]!.requestBody as { messages: { content: unknown }[] };
    assert.deepEqual(body.messages[2]!.content, [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '12 C, cloudy' },
    ]);
  });

  it('streams a text answer as Messages events and lists the models in Anthropic shape', async () => {
    const streamed = await anthropic.messages
      .stream({
        model: 'cascade/question_answering',
        max_tokens: 200,
        messages: [{ role: 'user', content: 'What is the capital of Spain?' }],
      })
      .finalMessage();
    assert.deepEqual(streamed.content, [{ type: 'text', text: 'Simulated answer from claude-haiku-4-5.' }]);
    assert.equal(streamed.stop_reason, 'end_turn');

    const ids: string[] = [];
    for await (const model of anthropic.models.list()) ids.push(model.id);
    assert.ok(ids.includes('cascade') && ids.includes('cascade/extraction'), ids.join(', '));
  });
});
