import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { BUILT_IN_MODEL_PATH, ModelFileError, sharedModels } from '../classifier/model-file';
import { ConfigError, parseConfig, type CascadeConfig } from '../core/config';

/** The repository root, for paths to shipped files. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The config `npm start` uses unless `LLM_CASCADE_CONFIG` names another. */
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_ROOT, 'configs', 'example.yaml');

/** The config file a process should load: the explicit one, else `LLM_CASCADE_CONFIG`, else the example. */
export function configPathFrom(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(explicit ?? env.LLM_CASCADE_CONFIG ?? DEFAULT_CONFIG_PATH);
}

/**
 * Reads and validates a YAML config. Every problem, including YAML syntax, becomes a `ConfigError`
 * naming the file and the path within it, so a bad config stops a process at startup.
 */
export async function loadConfig(file: string): Promise<CascadeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`],
      file,
    );
  }
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message.split('\n')[0]! : (error as Error).message;
    throw new ConfigError([`invalid YAML: ${message}`], file);
  }
  const config = parseConfig(document, file);
  await resolveLearnedModel(config, file);
  return config;
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
