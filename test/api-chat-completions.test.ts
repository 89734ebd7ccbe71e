/**
 * The OpenAI-compatible endpoint, driven by the real `openai` npm client, through real cascades on a
 * real Temporal server against the simulated providers.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { type ChatCascadeExtension } from '../api/chat-completion-schemas';
import { SIMULATED_NOTICE, useApiStack } from './helpers/simulated-cascade';

/** The small tier's model answers broken JSON, so schema-bound requests escalate to the mid tier. */
const SCRIPT = {
  models: {
    'claude-haiku-4-5': {
      rules: [
        {
          name: 'broken json',
          when: { jsonRequested: true },
          answer: { type: 'invalid_json' as const, style: 'truncated' as const },
        },
      ],
      defaultAnswer: { type: 'text' as const, text: 'Simulated answer from {{model}}.' },
    },
  },
};

function extension(completion: OpenAI.Chat.Completions.ChatCompletion): ChatCascadeExtension {
  return (completion as unknown as { cascade: ChatCascadeExtension }).cascade;
}

describe('HTTP API: POST /v1/chat/completions with the openai client', { timeout: 300_000 }, () => {
  const suite = useApiStack('chat', { script: SCRIPT });
  let openai: OpenAI;

  before(() => {
    openai = new OpenAI({ baseURL: `${suite.api.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
  });

  it('completes a chat completion through a real cascade', async () => {
    suite.stack.simulator.callLog.clear();
    const completion = await openai.chat.completions.create({
      model: 'cascade',
      messages: [
        { role: 'system', content: 'Answer in one sentence.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      max_tokens: 200,
      temperature: 0.2,
    });
    const cascade = extension(completion);

    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices.length, 1);
    assert.equal(completion.choices[0]!.message.role, 'assistant');
    assert.match(completion.choices[0]!.message.content ?? '', /Simulated answer from claude-haiku-4-5/);
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    // The final model, not "cascade".
    assert.equal(completion.model, 'claude-haiku-4-5');
    assert.equal(cascade.outcome, 'accepted');
    assert.equal(cascade.route, 'question_answering');
    assert.equal(cascade.escalations, 0);
    assert.equal(cascade.notice, SIMULATED_NOTICE);
    assert.ok(cascade.baseline.costUsd > cascade.costUsd, 'the small model is cheaper than the baseline');
    assert.equal(completion.id, cascade.id);

    // It really ran as a workflow on the test's task queue, and really called the simulated model.
    const description = await suite.temporal.client.workflow.getHandle(cascade.id).describe();
    assert.equal(description.status.name, 'COMPLETED');
    assert.equal(description.taskQueue, suite.stack.config.taskQueue);
    const calls = suite.stack.simulator.callLog.list({ state: 'completed' });
    assert.deepEqual(
      calls.map((c) => c.model),
      ['claude-haiku-4-5'],
    );
    const sent = calls[0]!.requestBody as { system?: unknown };
    assert.match(
      JSON.stringify(sent.system),
      /Answer in one sentence/,
      'the system message reached the model as its system prompt',
    );
  });

  it('maps response_format json_schema to the schema check, reports the final model and sums usage over every step', async () => {
    const completion = await openai.chat.completions.create({
      model: 'cascade',
      messages: [{ role: 'user', content: 'Extract the invoice number and total from: Invoice INV-7 over 99.50 EUR.' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'invoice',
          schema: {
            type: 'object',
            properties: { invoice_number: { type: 'string' }, total: { type: 'number' } },
            required: ['invoice_number', 'total'],
          },
        },
      },
    });
    const cascade = extension(completion);
    assert.equal(cascade.escalations, 1, JSON.stringify(cascade.steps.map((s) => s.checks)));
    assert.equal(completion.model, 'gpt-4.1-mini');
    assert.equal(cascade.finalTier, 'mid');
    assert.equal(cascade.steps[0]!.checks.find((c) => c.check === 'json_schema')?.status, 'fail');
    const answer = JSON.parse(completion.choices[0]!.message.content ?? '') as Record<string, unknown>;
    assert.equal(typeof answer.invoice_number, 'string');
    assert.equal(typeof answer.total, 'number');

    const inputTokens = cascade.steps.reduce((sum, step) => sum + step.usage.inputTokens, 0);
    const outputTokens = cascade.steps.reduce((sum, step) => sum + step.usage.outputTokens, 0);
    assert.equal(cascade.steps.length, 2);
    assert.ok(inputTokens > cascade.steps[1]!.usage.inputTokens, 'both steps count');
    assert.equal(completion.usage?.prompt_tokens, inputTokens);
    assert.equal(completion.usage?.completion_tokens, outputTokens);
    assert.equal(completion.usage?.total_tokens, inputTokens + outputTokens);
    const stepCosts = cascade.steps.reduce((sum, step) => sum + step.costUsd, 0);
    assert.ok(Math.abs(cascade.costUsd - stepCosts) < 1e-9, `cost ${cascade.costUsd} is the steps' ${stepCosts}`);
  });

  it('takes the route "cascade/<route>" names, skipping the classifier', async () => {
    const completion = await openai.chat.completions.create({
      model: 'cascade/creative_generation',
      messages: [{ role: 'user', content: 'Extract the invoice number from: Invoice INV-9.' }],
    });
    const cascade = extension(completion);
    assert.equal(cascade.route, 'creative_generation');
    assert.equal(cascade.taskType, 'creative_generation');
    // creative_generation starts on the mid tier in the example config.
    assert.equal(completion.model, 'gpt-4.1-mini');
  });

  it('answers errors in OpenAI shape, which the client raises as typed errors', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'cascade/poetry', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.status, 400);
        assert.equal(error.code, 'model_not_found');
        assert.equal(error.param, 'model');
        assert.match(error.message, /unknown route "poetry".*"cascade\/extraction"/);
        return true;
      },
    );
    // A streamed request fails the same way, as an HTTP error before any event.
    await assert.rejects(
      openai.chat.completions.create({
        model: 'cascade/poetry',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'model_not_found',
    );
  });

  it('streams the checked answer as chat.completion.chunk events the client assembles', async () => {
    suite.stack.simulator.callLog.clear();
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const stream = await openai.chat.completions.create({
      model: 'cascade/extraction',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Extract the city: "Shipped from Lyon on Monday."' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const content = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).join('');
    // The small tier's truncated JSON never reaches the stream: only the escalated, valid answer does.
    assert.doesNotThrow(() => JSON.parse(content), content);
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const last = chunks.findLast((c) => c.choices.length > 0)!;
    assert.equal(last.choices[0]!.finish_reason, 'stop');
    const cascade = (last as unknown as { cascade: ChatCascadeExtension }).cascade;
    assert.equal(cascade.escalations, 1);
    assert.deepEqual(
      cascade.steps.map((s) => s.model),
      ['claude-haiku-4-5', last.model],
    );
    for (const chunk of chunks) assert.equal(chunk.id, cascade.id);
    // include_usage: one more chunk, no choices, the usage summed over both calls.
    const usage = chunks[chunks.length - 1]!;
    assert.deepEqual(usage.choices, []);
    const sum = cascade.steps.reduce((n, s) => n + s.usage.inputTokens + s.usage.outputTokens, 0);
    assert.equal(usage.usage!.total_tokens, sum);
    assert.deepEqual(
      suite.stack.simulator.callLog.list({ state: 'completed' }).map((c) => c.model),
      cascade.steps.map((s) => s.model),
    );

    // The same request without streaming answers the same content.
    const whole = await openai.chat.completions.create({
      model: 'cascade/extraction',
      messages: [{ role: 'user', content: 'Extract the city: "Shipped from Lyon on Monday."' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
    });
    assert.deepEqual(JSON.parse(whole.choices[0]!.message.content!), JSON.parse(content));
  });
});
