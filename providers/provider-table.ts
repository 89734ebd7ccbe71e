import { pinnedTier, reachableModels } from '../core/cascade-plan';
import { type CascadeConfig, type JsonMode, type ProviderType } from '../core/config';
import { type CascadeRequest } from '../core/request';
import { anthropicParamProblems, openAIParamProblems, type ParamProblem, type ParamValues } from './generation-params';
import type * as AnthropicAdapter from './anthropic-language-model';
import { type LanguageModel, type ProviderConnection, type ProviderSettings } from './language-model';
import type * as OpenAIAdapter from './openai-language-model';

export type { ProviderConnection, ProviderSettings };

/** Which of the simulator's servers speaks a provider's wire format (demo mode and tests). */
export type SimulatorWire = 'anthropic' | 'openai';

/** Everything the engine knows about one provider type. Adding a type: a table entry and an adapter. */
export interface ProviderDefinition {
  /** The key variable read when the config's `apiKeyEnv` names none; none: the provider may run without a key. */
  defaultApiKeyEnv: string | undefined;
  simulatorWire: SimulatorWire;
  /** The model `jsonMode`s the adapter honours; config loading rejects the others for this provider's models. */
  jsonModes: readonly JsonMode[];
  /** The request's generation parameters the adapter cannot honour, and why (none: it honours them all). */
  paramProblems(params: ParamValues): ParamProblem[];
  /**
   * Builds the provider's SDK client once (with `maxRetries: 0`: Temporal is the only retry loop)
   * and returns the factory of its models.
   */
  connect(connection: ProviderConnection): (modelId: string) => LanguageModel;
}

/** One definition per provider type; the compiler flags a type without one. */
export type ProviderTable<Type extends string = ProviderType> = Record<Type, ProviderDefinition>;

/*
 * Each adapter module loads its provider's SDK, so the table loads an adapter only when a provider
 * is connected: config checks (the CLI, the client package) run without the provider SDKs, which
 * are optional peer dependencies of the package.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const anthropicAdapter = (): typeof AnthropicAdapter => require('./anthropic-language-model');
const openAIAdapter = (): typeof OpenAIAdapter => require('./openai-language-model');
/* eslint-enable @typescript-eslint/no-require-imports */

export const PROVIDERS = {
  anthropic: {
    defaultApiKeyEnv: 'ANTHROPIC_API_KEY',
    simulatorWire: 'anthropic',
    // The Messages API has no JSON mode: the schema goes into the prompt.
    jsonModes: ['prompt'],
    paramProblems: anthropicParamProblems,
    connect: (connection) => anthropicAdapter().connectAnthropic(connection),
  },
  openai: {
    defaultApiKeyEnv: 'OPENAI_API_KEY',
    simulatorWire: 'openai',
    jsonModes: ['prompt', 'json_object', 'json_schema'],
    paramProblems: openAIParamProblems,
    connect: (connection) => openAIAdapter().connectOpenAI(connection, 'max_completion_tokens'),
  },
  'openai-compatible': {
    defaultApiKeyEnv: undefined,
    simulatorWire: 'openai',
    jsonModes: ['prompt', 'json_object', 'json_schema'],
    paramProblems: openAIParamProblems,
    // Many compatible servers know only `max_tokens`; newer ones want `max_completion_tokens`.
    connect: (connection) => openAIAdapter().connectOpenAI(connection, 'max_tokens'),
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

/**
 * The request's generation parameters that a model it may reach cannot honour, one line per
 * parameter naming it (`params.seed: ...`) and the first model that cannot. A request naming a
 * route is checked against that route's models; one left to the classifier against every route's;
 * one naming its model (`model`) against that model and the fallbacks it may take.
 */
export function requestParamProblems(
  request: Pick<CascadeRequest, 'params' | 'taskType' | 'model'>,
  config: Pick<CascadeConfig, 'providers' | 'models' | 'tiers' | 'routes'>,
  table: ProviderTable<string> = PROVIDERS,
): string[] {
  if (!request.params) return [];
  const params = request.params;
  const found = new Map<string, string>();
  const check = (modelId: string, reached: string) => {
    const model = config.models[modelId];
    const type = model ? config.providers[model.provider]?.type : undefined;
    const definition = type && Object.hasOwn(table, type) ? table[type] : undefined;
    for (const { param, problem } of definition?.paramProblems(params) ?? []) {
      if (!found.has(param)) found.set(param, `params.${param}: not honoured by ${modelId}, ${reached}: ${problem}`);
    }
  };
  // A request naming its model reaches that model and the fallbacks after it in its tier, whatever the route.
  const pinned = request.model !== undefined ? pinnedTier(config, request.model) : undefined;
  if (pinned) {
    for (const modelId of pinned.models)
      check(modelId, modelId === request.model ? 'the model the request names' : `the fallback of ${request.model}`);
    return [...found.values()];
  }
  // Own keys only: a task type such as `constructor` is no route (validation names it), so every route's models count.
  const routes =
    request.taskType && Object.hasOwn(config.routes, request.taskType)
      ? [request.taskType]
      : Object.keys(config.routes);
  for (const route of routes) {
    for (const modelId of reachableModels(config as CascadeConfig, route))
      check(modelId, `which route ${route} may call`);
  }
  return [...found.values()];
}
