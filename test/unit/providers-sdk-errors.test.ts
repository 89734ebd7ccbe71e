import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AnthropicLanguageModel } from '../../providers/anthropic-language-model';
import { OpenAILanguageModel } from '../../providers/openai-language-model';
import { ProviderError } from '../../providers/provider-error';

/** An SDK client whose every call throws `error`, so the adapter's mapping is all that runs. */
function throwing(error: unknown) {
  const create = async () => {
    throw error;
  };
  return { messages: { create }, chat: { completions: { create } } };
}

async function anthropicError(error: unknown): Promise<unknown> {
  const client = throwing(error) as unknown as Anthropic;
  const model = new AnthropicLanguageModel({ provider: 'anthropic', modelId: 'claude', client });
  return model.generate({ messages: [{ role: 'user', content: 'x' }], maxOutputTokens: 5, timeoutMs: 1000 }).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
}

async function openAIError(error: unknown): Promise<unknown> {
  const client = throwing(error) as unknown as OpenAI;
  const model = new OpenAILanguageModel({ provider: 'openai', modelId: 'gpt', client });
  return model.generate({ messages: [{ role: 'user', content: 'x' }], maxOutputTokens: 5, timeoutMs: 1000 }).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
}

function kind(error: unknown): [string, string] {
  assert.ok(error instanceof ProviderError, `not a ProviderError: ${String(error)}`);
  return [error.type, error.message];
}

describe('SDK errors to provider errors (one mapping, each adapter’s quirks beside it)', () => {
  it('maps both SDKs’ API errors by status, with the provider’s message and retry-after', async () => {
    const headers = new Headers({ 'retry-after': '7' });
    const fromAnthropic = await anthropicError(
      Anthropic.APIError.generate(429, { error: { type: 'rate_limit_error', message: 'slow down' } }, 'x', headers),
    );
    assert.deepEqual(kind(fromAnthropic), ['rate_limited', 'anthropic 429: slow down']);
    assert.equal((fromAnthropic as ProviderError).options.retryAfterMs, 7000);
    const fromOpenAI = await openAIError(
      OpenAI.APIError.generate(429, { error: { message: 'slow down' } }, 'x', headers),
    );
    assert.deepEqual(kind(fromOpenAI), ['rate_limited', 'openai 429: slow down']);
    assert.equal((fromOpenAI as ProviderError).options.retryAfterMs, 7000);
  });

  it('reads Anthropic’s overloaded_error from the body, whatever the status', async () => {
    const error = Anthropic.APIError.generate(
      500,
      { error: { type: 'overloaded_error', message: 'Overloaded' } },
      'x',
      new Headers(),
    );
    assert.deepEqual(kind(await anthropicError(error)), ['overloaded', 'anthropic 500: Overloaded']);
  });

  it('reads OpenAI’s context_length_exceeded and content_filter codes', async () => {
    const tooLong = OpenAI.APIError.generate(
      400,
      { error: { message: 'too many', code: 'context_length_exceeded' } },
      'x',
      new Headers(),
    );
    assert.equal(kind(await openAIError(tooLong))[0], 'context_too_long');
    const filtered = OpenAI.APIError.generate(
      400,
      { error: { message: 'no', code: 'content_filter' } },
      'x',
      new Headers(),
    );
    assert.equal(kind(await openAIError(filtered))[0], 'content_filtered');
  });

  it('maps timeouts, refused connections and transport failures; lets a caller’s abort through', async () => {
    assert.equal(kind(await openAIError(new OpenAI.APIConnectionTimeoutError()))[0], 'timeout');
    assert.equal(kind(await anthropicError(new Anthropic.APIConnectionError({ message: 'refused' })))[0], 'connection');
    assert.deepEqual(kind(await anthropicError(new TypeError('terminated'))), [
      'connection',
      'connection to anthropic failed: terminated',
    ]);
    const abort = new OpenAI.APIUserAbortError();
    assert.equal(await openAIError(abort), abort);
  });
});
