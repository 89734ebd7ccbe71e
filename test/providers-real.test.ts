/**
 * The adapters against the real provider APIs. They cost money and need the network, so each runs
 * only when its key is set (`ANTHROPIC_API_KEY`, `OPENAI_API_KEY`); everywhere else the simulated
 * providers cover the same wire formats.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load-config';
import { ProviderError } from '../providers/provider-error';
import { createProviderRegistry } from '../providers/provider-registry';

const EXAMPLE_CONFIG = path.join(__dirname, '..', 'configs', 'example.yaml');

const cases = [
  { provider: 'anthropic', keyEnv: 'ANTHROPIC_API_KEY', modelId: 'claude-haiku-4-5' },
  { provider: 'openai', keyEnv: 'OPENAI_API_KEY', modelId: 'gpt-4.1-nano' },
] as const;

describe('real provider APIs', () => {
  for (const { provider, keyEnv, modelId } of cases) {
    const key = process.env[keyEnv];
    const skip = key ? false : `${keyEnv} is not set`;

    it(`${provider}: answers with text, usage and a stop reason`, { skip }, async () => {
      const config = await loadConfig(EXAMPLE_CONFIG);
      const model = createProviderRegistry(config, { [keyEnv]: key }).languageModel(provider, modelId);
      const result = await model.generate({
        messages: [{ role: 'user', content: 'Reply with the single word: ready' }],
        maxOutputTokens: 16,
        timeoutMs: 30_000,
      });
      assert.match(result.text, /ready/i);
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0, 'usage is reported');
      assert.equal(result.finishReason, 'stop');
    });

    it(`${provider}: a wrong key is an auth error that never shows the key`, { skip }, async () => {
      const config = await loadConfig(EXAMPLE_CONFIG);
      const wrongKey = `${key ?? ''}-wrong`;
      const model = createProviderRegistry(config, { [keyEnv]: wrongKey }).languageModel(provider, modelId);
      await assert.rejects(
        model.generate({ messages: [{ role: 'user', content: 'hi' }], maxOutputTokens: 4, timeoutMs: 30_000 }),
        (error: unknown) => {
          assert.ok(error instanceof ProviderError);
          assert.equal(error.type, 'auth');
          assert.ok(!error.message.includes(wrongKey), 'the key is not in the message');
          return true;
        },
      );
    });
  }
});
