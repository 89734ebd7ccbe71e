import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SimulatorScript } from './simulator-script';

/** A script file that cannot be read or is not a valid script; `problems` has one line per problem. */
export class SimulatorScriptError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid simulator script ${file}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SimulatorScriptError';
  }
}

/** Reads and validates a script file, YAML or JSON (JSON is YAML too). */
export async function loadSimulatorScript(file: string): Promise<SimulatorScript> {
  let document: unknown;
  try {
    document = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SimulatorScriptError(file, [(error as Error).message]);
  }
  const parsed = SimulatorScript.safeParse(document ?? {});
  if (!parsed.success) {
    throw new SimulatorScriptError(
      file,
      parsed.error.issues.map((issue) =>
        issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
      ),
    );
  }
  return parsed.data;
}
