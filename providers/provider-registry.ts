import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type CascadeConfig, type ProviderConfig } from '../core/config';
import { AnthropicLanguageModel } from './anthropic-language-model';
import { type LanguageModel } from './language-model';
import { OpenAILanguageModel } from './openai-language-model';

/** The key variable a provider type reads when the config names none. */
const DEFAULT_API_KEY_ENV: Record<ProviderConfig['type'], string | undefined> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  'openai-compatible': undefined,
};

/** A provider whose API key is missing; raised at startup, naming the variable, never its value. */
export class MissingApiKeyError extends Error {
  constructor(readonly problems: string[]) {
    super(`missing API keys:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MissingApiKeyError';
  }
}

/** The variable holding a provider's key: the config's `apiKeyEnv`, or the provider type's usual one. */
export function apiKeyEnvFor(provider: ProviderConfig): string | undefined {
  return provider.apiKeyEnv ?? DEFAULT_API_KEY_ENV[provider.type];
}

/** Builds language models by (provider id, model name), one SDK client per provider, keys read once. */
export interface ProviderRegistry {
  languageModel(providerId: string, modelId: string): LanguageModel;
  readonly providerIds: readonly string[];
}

/**
 * Creates one SDK client per configured provider. SDK retries are off (`maxRetries: 0`): Temporal's
 * activity retry policy is the only retry loop. Throws `MissingApiKeyError` when a provider some
 * model uses has no key, so a worker never starts half-configured.
 */
export function createProviderRegistry(config: CascadeConfig, env: NodeJS.ProcessEnv = process.env): ProviderRegistry {
  const usedProviders = new Set(Object.values(config.models).map((m) => m.provider));
  const problems: string[] = [];
  const factories = new Map<string, (modelId: string) => LanguageModel>();

  for (const [id, provider] of Object.entries(config.providers)) {
    const keyEnv = apiKeyEnvFor(provider);
    const apiKey = keyEnv ? env[keyEnv] : undefined;
    if (keyEnv && !apiKey && usedProviders.has(id)) {
      problems.push(`providers.${id}: environment variable ${keyEnv} is not set`);
      continue;
    }
    if (provider.type === 'anthropic') {
      const client = new Anthropic({
        apiKey: apiKey ?? null,
        maxRetries: 0,
        ...(provider.baseURL ? { baseURL: provider.baseURL } : {}),
      });
      factories.set(id, (modelId) => new AnthropicLanguageModel({ provider: id, modelId, client }));
    } else {
      // OpenAI-compatible servers often run without auth; the SDK insists on some key string.
      const client = new OpenAI({
        apiKey: apiKey ?? 'unused',
        maxRetries: 0,
        ...(provider.baseURL ? { baseURL: provider.baseURL } : {}),
      });
      const maxTokensField =
        provider.maxTokensField ?? (provider.type === 'openai-compatible' ? 'max_tokens' : 'max_completion_tokens');
      factories.set(id, (modelId) => new OpenAILanguageModel({ provider: id, modelId, client, maxTokensField }));
    }
  }
  if (problems.length > 0) throw new MissingApiKeyError(problems);

  const cache = new Map<string, LanguageModel>();
  return {
    providerIds: [...factories.keys()],
    languageModel(providerId, modelId) {
      const key = `${providerId}\u0000${modelId}`;
      let model = cache.get(key);
      if (!model) {
        const factory = factories.get(providerId);
        if (!factory)
          throw new Error(`unknown provider "${providerId}" (configured: ${[...factories.keys()].join(', ')})`);
        model = factory(modelId);
        cache.set(key, model);
      }
      return model;
    },
  };
}
