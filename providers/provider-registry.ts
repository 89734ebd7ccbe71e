import { ConfigError } from '../core/config';
import { type LanguageModel } from './language-model';
import { apiKeyEnvFor, PROVIDERS, providerProblems, type ProvidersConfig, type ProviderTable } from './provider-table';

export { apiKeyEnvFor };

/** A provider whose API key is missing; raised at startup, naming the variable, never its value. */
export class MissingApiKeyError extends Error {
  constructor(readonly problems: string[]) {
    super(`missing API keys:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MissingApiKeyError';
  }
}

/** Builds language models by (provider id, model name), one SDK client per provider, keys read once. */
export interface ProviderRegistry {
  languageModel(providerId: string, modelId: string): LanguageModel;
  readonly providerIds: readonly string[];
}

/**
 * Creates one SDK client per configured provider, through its type's entry in the provider table.
 * Throws `ConfigError` when the config asks a provider for what it cannot do (an unknown type, a
 * `jsonMode` its adapter ignores) and `MissingApiKeyError` when a provider some model uses has no
 * key, so a worker never starts half-configured.
 */
export function createProviderRegistry(
  config: ProvidersConfig,
  env: NodeJS.ProcessEnv = process.env,
  table: ProviderTable<string> = PROVIDERS,
): ProviderRegistry {
  const unsupported = providerProblems(config, table);
  if (unsupported.length > 0) throw new ConfigError(unsupported);
  const usedProviders = new Set(Object.values(config.models).map((m) => m.provider));
  const problems: string[] = [];
  const factories = new Map<string, (modelId: string) => LanguageModel>();

  for (const [id, settings] of Object.entries(config.providers)) {
    const keyEnv = apiKeyEnvFor(settings, table);
    const apiKey = keyEnv ? env[keyEnv] : undefined;
    if (keyEnv && !apiKey && usedProviders.has(id)) {
      problems.push(`providers.${id}: environment variable ${keyEnv} is not set`);
      continue;
    }
    factories.set(id, table[settings.type]!.connect({ id, settings, apiKey }));
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
