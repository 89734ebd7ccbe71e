import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, parseConfig, type CascadeConfig } from '../core/config';
import { providerProblems } from '../providers/provider-table';

/** The repository root, for paths to shipped files. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The config `npm start` uses unless `LLM_CASCADE_CONFIG` names another. */
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_ROOT, 'configs', 'example.yaml');

/** The config file a process should load: the explicit one, else `LLM_CASCADE_CONFIG`, else the example. */
export function configPathFrom(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(explicit ?? env.LLM_CASCADE_CONFIG ?? DEFAULT_CONFIG_PATH);
}

/**
 * Reads and validates a YAML config, against the provider adapters too. Every problem, including
 * YAML syntax, becomes a `ConfigError`
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
  // What only the provider adapters know: a jsonMode a model's adapter would ignore.
  const problems = providerProblems(config);
  if (problems.length > 0) throw new ConfigError(problems, file);
  return config;
}
