import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type JsonMode, type ProviderConfig, type ProviderType } from '../core/config';
import { AnthropicLanguageModel } from './anthropic-language-model';
import { type LanguageModel } from './language-model';
import { OpenAILanguageModel } from './openai-language-model';

/** A provider's config entry, whatever its type: its options (`baseURL`, ...) reach its `connect`. */
export type ProviderSettings = Omit<ProviderConfig, 'type'> & { type: string };

/** What `connect` is given: the config's provider id and entry, and the key read from its variable. */
export interface ProviderConnection {
  id: string;
  settings: ProviderSettings;
  apiKey: string | undefined;
}

/** Which of the simulator's servers speaks a provider's wire format (demo mode and tests). */
export type SimulatorWire = 'anthropic' | 'openai';

/** Everything the engine knows about one provider type. Adding a type: a table entry and an adapter. */
export interface ProviderDefinition {
  /** The key variable read when the config's `apiKeyEnv` names none; none: the provider may run without a key. */
  defaultApiKeyEnv: string | undefined;
  simulatorWire: SimulatorWire;
  /** The model `jsonMode`s the adapter honours; config loading rejects the others for this provider's models. */
  jsonModes: readonly JsonMode[];
  /**
   * Builds the provider's SDK client once (with `maxRetries: 0`: Temporal is the only retry loop)
   * and returns the factory of its models.
   */
  connect(connection: ProviderConnection): (modelId: string) => LanguageModel;
}

/** One definition per provider type; the compiler flags a type without one. */
export type ProviderTable<Type extends string = ProviderType> = Record<Type, ProviderDefinition>;

function openAIClient({ settings, apiKey }: ProviderConnection): OpenAI {
  return new OpenAI({
    // OpenAI-compatible servers often run without auth; the SDK insists on some key string.
    apiKey: apiKey ?? 'unused',
    maxRetries: 0,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
  });
}

export const PROVIDERS = {
  anthropic: {
    defaultApiKeyEnv: 'ANTHROPIC_API_KEY',
    simulatorWire: 'anthropic',
    // The Messages API has no JSON mode: the schema goes into the prompt.
    jsonModes: ['prompt'],
    connect({ id, settings, apiKey }) {
      const client = new Anthropic({
        apiKey: apiKey ?? null,
        maxRetries: 0,
        ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
      });
      return (modelId) => new AnthropicLanguageModel({ provider: id, modelId, client });
    },
  },
  openai: {
    defaultApiKeyEnv: 'OPENAI_API_KEY',
    simulatorWire: 'openai',
    jsonModes: ['prompt', 'json_object', 'json_schema'],
    connect(connection) {
      const client = openAIClient(connection);
      return (modelId) => new OpenAILanguageModel({ provider: connection.id, modelId, client });
    },
  },
  'openai-compatible': {
    defaultApiKeyEnv: undefined,
    simulatorWire: 'openai',
    jsonModes: ['prompt', 'json_object', 'json_schema'],
    connect(connection) {
      const client = openAIClient(connection);
      // Many compatible servers know only `max_tokens`, not `max_completion_tokens`.
      return (modelId) => new OpenAILanguageModel({ provider: connection.id, modelId, client, legacyMaxTokens: true });
    },
  },
} satisfies ProviderTable;

/** The variable holding a provider's key: the config's `apiKeyEnv`, or its type's usual one. */
export function apiKeyEnvFor(provider: ProviderSettings, table: ProviderTable<string> = PROVIDERS): string | undefined {
  return provider.apiKeyEnv ?? table[provider.type]?.defaultApiKeyEnv;
}

/** The parts of a config the provider checks read. */
export interface ProvidersConfig {
  providers: Record<string, ProviderSettings>;
  models: Record<string, { provider: string; jsonMode: JsonMode }>;
}

/**
 * What a config asks of its providers that they cannot do, one line per problem naming its path:
 * a provider type without a definition, a model `jsonMode` its provider's adapter would ignore.
 * Config loading and the provider registry both check, so such a config stops at startup.
 */
export function providerProblems(config: ProvidersConfig, table: ProviderTable<string> = PROVIDERS): string[] {
  const problems: string[] = [];
  for (const [id, provider] of Object.entries(config.providers)) {
    if (!Object.hasOwn(table, provider.type))
      problems.push(
        `providers.${id}.type: unknown provider type "${provider.type}" (types: ${Object.keys(table).join(', ')})`,
      );
  }
  for (const [id, model] of Object.entries(config.models)) {
    const provider = config.providers[model.provider];
    const definition = provider && Object.hasOwn(table, provider.type) ? table[provider.type] : undefined;
    if (definition && !definition.jsonModes.includes(model.jsonMode)) {
      problems.push(
        `models.${id}.jsonMode: the ${provider!.type} adapter cannot honour "${model.jsonMode}" (it honours: ${definition.jsonModes.join(', ')})`,
      );
    }
  }
  return problems;
}

/** The config's providers as the simulator sees them: each type's wire, for demo mode. */
export function simulatorWireOf(provider: ProviderSettings, table: ProviderTable<string> = PROVIDERS): SimulatorWire {
  const definition = table[provider.type];
  if (!definition) throw new Error(`unknown provider type "${provider.type}"`);
  return definition.simulatorWire;
}
