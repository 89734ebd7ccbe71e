import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { BUILT_IN_MODEL_PATH, ModelFileError, sharedModels } from '../classifier/model-file';
import { parseApiAccessConfig, type ApiAccessConfig } from '../core/api-access-config';
import { ConfigError, parseConfig, type CascadeConfig } from '../core/config';
import { exposedModels } from '../core/exposed-models';
import { interpolateDocument } from './config-interpolation';
import { PROJECT_ROOT } from '../lib/project-root';
import { providerProblems } from '../providers/provider-table';

export { PROJECT_ROOT };

/** The config `npm start` uses unless `LLM_CASCADE_CONFIG` names another (or only one provider key is set). */
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_ROOT, 'configs', 'example.yaml');

/**
 * The shipped configs that need one provider's key. The default config needs both keys; with
 * exactly one of them set, the one-provider config for that key is chosen instead, so one key is
 * enough to run on real models.
 */
const ONE_PROVIDER_CONFIGS = [
  { keyEnv: 'ANTHROPIC_API_KEY', file: 'anthropic.yaml' },
  { keyEnv: 'OPENAI_API_KEY', file: 'openai.yaml' },
] as const;

/** The config file a process loads, and why that one (for `npm start` to say). */
export interface ConfigChoice {
  path: string;
  reason: string;
}

/**
 * The config a process should load: the explicit one (`--config`), else `LLM_CASCADE_CONFIG`,
 * else the one-provider config when exactly one provider key is set, else the example.
 */
export function chooseConfig(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigChoice {
  if (explicit) return { path: path.resolve(explicit), reason: 'given with --config' };
  if (env.LLM_CASCADE_CONFIG) return { path: path.resolve(env.LLM_CASCADE_CONFIG), reason: 'from LLM_CASCADE_CONFIG' };
  const keyed = ONE_PROVIDER_CONFIGS.filter(({ keyEnv }) => env[keyEnv]);
  if (keyed.length === 1) {
    const [{ keyEnv, file }] = keyed as [(typeof ONE_PROVIDER_CONFIGS)[number]];
    const others = ONE_PROVIDER_CONFIGS.filter((c) => c.keyEnv !== keyEnv).map((c) => c.keyEnv);
    return {
      path: path.join(PROJECT_ROOT, 'configs', file),
      reason: `only ${keyEnv} is set (set ${others.join(' and ')} too for configs/example.yaml, or LLM_CASCADE_CONFIG)`,
    };
  }
  return { path: DEFAULT_CONFIG_PATH, reason: 'the default' };
}

/** The path `chooseConfig` picks. */
export function configPathFrom(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return chooseConfig(explicit, env).path;
}

/** A config file's two parts: what the workers run, and who may call the API (its `api` section). */
export interface ServiceConfig {
  config: CascadeConfig;
  api: ApiAccessConfig;
}

/** The cascade config of a file (`loadServiceConfig`'s `config`); its `api` section is validated too. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<CascadeConfig> {
  return (await loadServiceConfig(file, env)).config;
}

/**
 * Reads and validates a YAML config, with `${VAR}` and `${VAR:-default}` in its values taken from
 * `env` (config/config-interpolation.ts). Every problem, including YAML syntax and an unset variable,
 * becomes a `ConfigError` naming the file and the place within it, so a bad config stops a process
 * at startup.
 */
export async function loadServiceConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ServiceConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`],
      file,
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: true, lineCounter });
  const syntaxError = document.errors[0];
  if (syntaxError) throw new ConfigError([`invalid YAML: ${syntaxError.message.split('\n')[0]!}`], file);
  const problems = interpolateDocument(document, env, lineCounter);
  if (problems.length > 0) throw new ConfigError(problems, file);
  // The `api` section is the API's alone: split off here, it never reaches a workflow, its history or the config hash.
  const { api, rest } = splitApiSection(document.toJS());
  const access = parseApiAccessConfig(api, file);
  const config = parseConfig(rest, file);
  // The models the API may call directly must be the config's: checked here, where both parts are known.
  exposedModels(access, config, file);
  // What only the provider adapters know: a jsonMode a model's adapter would ignore.
  const adapterProblems = providerProblems(config);
  if (adapterProblems.length > 0) throw new ConfigError(adapterProblems, file);
  await resolveLearnedModel(config, file);
  return { config, api: access };
}

function splitApiSection(value: unknown): { api: unknown; rest: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { api: undefined, rest: value };
  const { api, ...rest } = value as Record<string, unknown>;
  return { api, rest };
}

/**
 * Makes `classifier.learnedModel` absolute (it is relative to the config file) and reads the model
 * once, so a missing or corrupt model file stops the process at startup, naming the field.
 */
async function resolveLearnedModel(config: CascadeConfig, file: string): Promise<void> {
  const given = config.classifier.learnedModel;
  if (given === false) return;
  const modelFile = given === undefined ? BUILT_IN_MODEL_PATH : path.resolve(path.dirname(file), given);
  if (given !== undefined) config.classifier.learnedModel = modelFile;
  try {
    await sharedModels.load(modelFile);
  } catch (error) {
    if (!(error instanceof ModelFileError)) throw error;
    const field =
      given === undefined ? 'classifier.learnedModel (unset: the built-in model)' : 'classifier.learnedModel';
    throw new ConfigError([`${field}: ${error.message}`], file);
  }
}
