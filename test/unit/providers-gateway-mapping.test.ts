/**
 * What each adapter sends for the gateway's parameters and tools, and how it reads tool calls and
 * finish reasons back: an SDK client that records the request and answers a canned response.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { finalAnswerError } from '../../api/cascade-answer';
import { chatFinishReason } from '../../api/chat-completion-mapping';
import { messagesStopReason, toCascadeInputFromMessages } from '../../api/messages-mapping';
import { MessagesRequest } from '../../api/messages-schemas';
import { type CascadeResult } from '../../core/result';
import { AnthropicLanguageModel } from '../../providers/anthropic-language-model';
import { type GenerateRequest } from '../../providers/language-model';
import { OpenAILanguageModel } from '../../providers/openai-language-model';
import { ProviderError } from '../../providers/provider-error';
import { makeConfig } from '../helpers/core-config';

function recording(response: unknown) {
  const sent: Record<string, unknown>[] = [];
  const create = async (body: Record<string, unknown>) => {
    sent.push(body);
    return response;
  };
  return { sent, client: { messages: { create }, chat: { completions: { create } } } };
}

const TOOLS: GenerateRequest['tools'] = [{ name: 'get_weather', parameters: { type: 'object' } }];
const CONVERSATION: GenerateRequest['messages'] = [
  { role: 'user', content: 'Weather in Paris?' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
  { role: 'tool', toolCallId: 'c1', content: '12 C' },
  { role: 'user', content: 'And tomorrow?' },
];
const USAGE_ANTHROPIC = { input_tokens: 5, output_tokens: 3 };

describe('Anthropic adapter: parameters, tools, stop reasons', () => {
  it('sends top_p and stop_sequences, tool_use/tool_result blocks (one user turn for a result and the next words), and tool_choice', async () => {
    const { sent, client } = recording({
      id: 'msg_1',
      model: 'claude',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
      stop_reason: 'tool_use',
      usage: USAGE_ANTHROPIC,
    });
    const model = new AnthropicLanguageModel({
      provider: 'anthropic',
      modelId: 'claude',
      client: client as unknown as Anthropic,
    });
    const result = await model.generate({
      messages: CONVERSATION,
      maxOutputTokens: 100,
      timeoutMs: 1000,
      topP: 0.5,
      stop: ['END'],
      tools: TOOLS,
      toolChoice: 'required',
      parallelToolCalls: false,
    });
    const body = sent[0]!;
    assert.equal(body.top_p, 0.5);
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Paris' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c1', content: '12 C' },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
    assert.equal(result.finishReason, 'tool_calls');
    assert.deepEqual(result.toolCalls, [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
  });

  it('refuses seed and penalties with a bad_request naming them instead of dropping them', async () => {
    const { sent, client } = recording({});
    const model = new AnthropicLanguageModel({
      provider: 'anthropic',
      modelId: 'claude',
      client: client as unknown as Anthropic,
    });
    await assert.rejects(
      model.generate({ messages: CONVERSATION.slice(0, 1), maxOutputTokens: 5, timeoutMs: 1000, seed: 3 }),
      (error: unknown) => error instanceof ProviderError && error.type === 'bad_request' && /seed/.test(error.message),
    );
    assert.equal(sent.length, 0, 'nothing was sent');
  });

  it('maps every stop reason faithfully', async () => {
    const reasons: [string, string][] = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['tool_use', 'tool_calls'],
      ['refusal', 'refusal'],
    ];
    for (const [stop, expected] of reasons) {
      const { client } = recording({ id: 'm', model: 'c', content: [], stop_reason: stop, usage: USAGE_ANTHROPIC });
      const model = new AnthropicLanguageModel({ provider: 'a', modelId: 'c', client: client as unknown as Anthropic });
      const result = await model.generate({ messages: CONVERSATION.slice(0, 1), maxOutputTokens: 5, timeoutMs: 1 });
      assert.equal(result.finishReason, expected, stop);
    }
  });

  it('keeps the stop sequence the model stopped at', async () => {
    const { client } = recording({
      id: 'm',
      model: 'c',
      content: [{ type: 'text', text: 'one, two' }],
      stop_reason: 'stop_sequence',
      stop_sequence: 'three',
      usage: USAGE_ANTHROPIC,
    });
    const model = new AnthropicLanguageModel({ provider: 'a', modelId: 'c', client: client as unknown as Anthropic });
    const result = await model.generate({ messages: CONVERSATION.slice(0, 1), maxOutputTokens: 5, timeoutMs: 1 });
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.stopSequence, 'three');
  });
});

describe('OpenAI adapter: parameters and tools', () => {
  it('sends every parameter, tool messages and tools, and reads tool calls', async () => {
    const { sent, client } = recording({
      id: 'chatcmpl-1',
      model: 'gpt',
      choices: [
        {
          message: {
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 3 },
    });
    const model = new OpenAILanguageModel({ provider: 'openai', modelId: 'gpt', client: client as unknown as OpenAI });
    const result = await model.generate({
      messages: CONVERSATION,
      maxOutputTokens: 100,
      timeoutMs: 1000,
      temperature: 1.5,
      topP: 0.5,
      stop: ['END'],
      seed: 7,
      frequencyPenalty: 0.1,
      presencePenalty: 0.2,
      tools: TOOLS,
      toolChoice: { name: 'get_weather' },
      parallelToolCalls: false,
    });
    const body = sent[0]!;
    assert.deepEqual(
      [body.temperature, body.top_p, body.stop, body.seed, body.frequency_penalty, body.presence_penalty],
      [1.5, 0.5, ['END'], 7, 0.1, 0.2],
    );
    assert.deepEqual(body.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(body.parallel_tool_calls, false);
    assert.deepEqual((body.messages as unknown[]).slice(1, 3), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: '12 C' },
    ]);
    // Arguments come back as the model wrote them, unparsed: the tool_call check judges them.
    assert.deepEqual(result.toolCalls, [{ id: 'call_1', name: 'get_weather', arguments: '{"city":' }]);
    assert.equal(result.finishReason, 'tool_calls');
  });
});

describe('gateway wire mapping', () => {
  it('names finish reasons in each API’s words', () => {
    assert.deepEqual(['stop', 'length', 'tool_calls', 'refusal', undefined].map(chatFinishReason), [
      'stop',
      'length',
      'tool_calls',
      'stop',
      'stop',
    ]);
    assert.deepEqual(['stop', 'length', 'tool_calls', 'refusal', undefined].map(messagesStopReason), [
      'end_turn',
      'max_tokens',
      'tool_use',
      'refusal',
      'end_turn',
    ]);
  });

  it('turns a Messages conversation into cascade turns: tool results as tool turns, in block order', () => {
    const body = MessagesRequest.parse({
      model: 'cascade/default',
      max_tokens: 50,
      stop_sequences: ['X'],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Oslo' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '3 C' }] },
            { type: 'text', text: 'Thanks. Tomorrow?' },
          ],
        },
      ],
    });
    const { request } = toCascadeInputFromMessages(body, { config: makeConfig(), exposedModels: [] }, undefined);
    assert.deepEqual(request.messages, [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', toolCallId: 't1', content: '3 C' },
      { role: 'user', content: 'Thanks. Tomorrow?' },
    ]);
    assert.deepEqual(request.params, { maxTokens: 50, stop: ['X'] });
    assert.deepEqual(request.toolChoice, { name: 'get_weather' });
    assert.equal(request.parallelToolCalls, false);
    assert.equal(request.taskType, 'default');
  });

  it('makes an exhausted cascade a 422 naming the failed checks per tier, unless best effort', () => {
    const step = (index: number, tier: string, check: string) => ({
      index,
      kind: 'answer' as const,
      tier,
      tierIndex: index,
      model: `${tier}-model`,
      provider: 'p',
      reason: '',
      attempts: 1,
      latencyMs: 1,
      usage: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 },
      costUsd: 0,
      checks: [{ check, status: 'fail' as const, reason: `${check} failed` }],
      text: 'x',
    });
    const result: CascadeResult = {
      id: 'r1',
      outcome: 'exhausted',
      outcomeReason: 'no tier left to climb',
      classification: { taskType: 't', route: 't', complexity: 'low', source: 'given', reason: '', scores: {} },
      output: { text: 'x' },
      finalModel: 'mid-model',
      finalTier: 'mid',
      finalTierIndex: 1,
      escalations: 1,
      steps: [step(0, 'small', 'complete'), step(1, 'mid', 'tool_call')],
      costUsd: 0,
      baseline: { model: 'b', costUsd: 0 },
      savedUsd: 0,
    };
    const error = finalAnswerError(result, { bestEffort: false })!;
    assert.equal(error.status, 422);
    assert.equal(error.code, 'cascade_exhausted');
    assert.match(
      error.message,
      /step 1 small small-model: complete \(complete failed\); step 2 mid mid-model: tool_call/,
    );
    assert.equal((error.details.cascade as { outcome: string }).outcome, 'exhausted');
    assert.equal(finalAnswerError(result, { bestEffort: true }), undefined);
    assert.equal(finalAnswerError({ ...result, outcome: 'accepted' }, { bestEffort: false }), undefined);
  });
});
