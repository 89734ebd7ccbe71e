import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, ProviderType } from '../../core/config';
import { loadConfig } from '../../config/load-config';
import { createProviderRegistry, MissingApiKeyError } from '../../providers/provider-registry';
import {
  apiKeyEnvFor,
  PROVIDERS,
  providerProblems,
  type ProviderDefinition,
  type ProviderTable,
  type ProvidersConfig,
} from '../../providers/provider-table';
import { pointConfigAtSimulator } from '../../simulator/demo-mode';
import { FakeLanguageModel } from '../helpers/fake-language-model';
import { makeConfig } from '../helpers/core-config';

const fake: ProviderDefinition = {
  defaultApiKeyEnv: 'FAKE_API_KEY',
  simulatorWire: 'openai',
  jsonModes: ['prompt'],
  paramProblems: () => [],
  connect:
    ({ id, apiKey }) =>
    (modelId) =>
      new FakeLanguageModel(id, modelId, apiKey),
};

/** The shipped table and one more type: all it takes to add a provider. */
const withFake = { ...PROVIDERS, fake } satisfies ProviderTable<ProviderType | 'fake'>;

// @ts-expect-error: a table that leaves out a provider type of the config enum does not compile.
const incomplete: ProviderTable = { anthropic: PROVIDERS.anthropic, openai: PROVIDERS.openai };

function fakeConfig(type = 'fake', jsonMode: 'prompt' | 'json_schema' = 'prompt'): ProvidersConfig {
  return { providers: { mine: { type } }, models: { m: { provider: 'mine', jsonMode } } };
}

describe('provider table', () => {
  it('has one entry per provider type of the config enum, and no other', () => {
    assert.deepEqual(Object.keys(PROVIDERS).sort(), [...ProviderType.options].sort());
    assert.equal(Object.keys(incomplete).length, 2);
  });

  it('builds the models of a provider type added by one entry and one adapter', async () => {
    const registry = createProviderRegistry(fakeConfig(), { FAKE_API_KEY: 'k' }, withFake);
    const model = registry.languageModel('mine', 'fake-small');
    assert.ok(model instanceof FakeLanguageModel);
    assert.equal(registry.languageModel('mine', 'fake-small'), model, 'one model object per provider and name');
    const result = await model.generate({
      messages: [{ role: 'user', content: 'hello' }],
      maxOutputTokens: 10,
      timeoutMs: 1000,
    });
    assert.equal(result.text, 'fake-small (with a key): hello');
  });

  it('reads the key from the type’s default variable, and names it when it is missing', () => {
    assert.equal(apiKeyEnvFor({ type: 'fake' }, withFake), 'FAKE_API_KEY');
    assert.equal(apiKeyEnvFor({ type: 'fake', apiKeyEnv: 'MY_KEY' }, withFake), 'MY_KEY');
    assert.throws(
      () => createProviderRegistry(fakeConfig(), {}, withFake),
      (error: unknown) =>
        error instanceof MissingApiKeyError &&
        error.problems.join() === 'providers.mine: environment variable FAKE_API_KEY is not set',
    );
  });

  it('refuses a provider type the table does not have, instead of treating it as OpenAI', () => {
    assert.throws(
      () => createProviderRegistry(fakeConfig(), { FAKE_API_KEY: 'k' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /providers\.mine\.type: unknown provider type "fake" \(types: anthropic, openai, openai-compatible\)/.test(
          error.message,
        ),
    );
  });

  it('refuses a jsonMode the provider’s adapter cannot honour, naming the field', () => {
    assert.deepEqual(providerProblems(fakeConfig('fake', 'json_schema'), withFake), [
      'models.m.jsonMode: the fake adapter cannot honour "json_schema" (it honours: prompt)',
    ]);
    assert.throws(
      () => createProviderRegistry(fakeConfig('fake', 'json_schema'), { FAKE_API_KEY: 'k' }, withFake),
      ConfigError,
    );
    const config = makeConfig((c) => {
      c.models.haiku!.jsonMode = 'json_object';
      c.models.nano!.jsonMode = 'json_schema';
    });
    assert.deepEqual(providerProblems(config), [
      'models.haiku.jsonMode: the anthropic adapter cannot honour "json_object" (it honours: prompt)',
    ]);
  });

  it('points each provider at the simulator server of its wire format', () => {
    const config = makeConfig((c) => {
      c.providers.local = { type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1' };
    });
    const simulated = pointConfigAtSimulator(config, {
      anthropic: { url: 'http://a', baseURL: 'http://a/' },
      openai: { url: 'http://o', baseURL: 'http://o/v1' },
    } as Parameters<typeof pointConfigAtSimulator>[1]);
    assert.deepEqual(Object.fromEntries(Object.entries(simulated.providers).map(([id, p]) => [id, p.baseURL])), {
      anthropic: 'http://a/',
      openai: 'http://o/v1',
      local: 'http://o/v1',
    });
  });
});

describe('loadConfig and the provider adapters', () => {
  it('rejects at load a jsonMode that the anthropic adapter would ignore, naming the file and the field', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-config-'));
    try {
      const file = path.join(dir, 'config.yaml');
      await writeFile(
        file,
        [
          'providers: { anthropic: { type: anthropic } }',
          'models:',
          '  haiku: { provider: anthropic, model: claude-haiku-4-5, jsonMode: json_schema, pricing: { inputPerMTok: 1, outputPerMTok: 5 } }',
          'tiers: [{ name: small, model: haiku }]',
          'routes: { default: { startTier: small } }',
        ].join('\n'),
      );
      await assert.rejects(loadConfig(file), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.source, file);
        assert.deepEqual(error.problems, [
          'models.haiku.jsonMode: the anthropic adapter cannot honour "json_schema" (it honours: prompt)',
        ]);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
