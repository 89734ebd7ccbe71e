import {
  isPair,
  isScalar,
  isSeq,
  parse as parseYaml,
  visit,
  type Document,
  type LineCounter,
  type Node,
  type Scalar,
} from 'yaml';

/**
 * `${VAR}` and `${VAR:-default}` in a config's values, as a shell reads them: `${VAR}` is the
 * variable's value (which must be set, possibly empty); `${VAR:-default}` is `default` when the
 * variable is unset or empty. `$${` stands for a literal `${`; any other `$` is itself (so `$`
 * in a regex pattern or a price needs no escaping).
 */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME_AND_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^]*))?$/;

export type Interpolated = { ok: true; text: string; changed: boolean } | { ok: false; problems: string[] };

/** Replaces every reference in `text` from `env`; every unset variable without a default is a problem. */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv): Interpolated {
  const problems: string[] = [];
  let changed = false;
  const result = text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    changed = true;
    if (match === '$${') return '${';
    if (inner === undefined) {
      problems.push('"${" without a closing "}" (write $${ for a literal ${)');
      return match;
    }
    const reference = NAME_AND_DEFAULT.exec(inner);
    if (!reference) {
      problems.push(
        `"${match}" is not a reference: write \${NAME} or \${NAME:-default}, NAME being letters, digits and _ (or $\${ for a literal \${)`,
      );
      return match;
    }
    const name = reference[1]!;
    const fallback = reference[2];
    if (fallback?.includes('${')) {
      problems.push(`"${match}}": a default cannot hold another reference`);
      return match;
    }
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      problems.push(
        `environment variable ${name} is not set and has no default (set it, or write \${${name}:-default})`,
      );
      return match;
    }
    return value;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, text: result, changed };
}

/**
 * Interpolates every scalar value of a parsed YAML document in place (keys are left alone) and
 * returns the problems, each with its line, column and path in the config. An unquoted value is
 * then read as YAML reads an unquoted value, so `timeoutMs: ${TIMEOUT_MS:-30000}` is the number
 * 30000; a quoted one stays a string. Inside a flow collection (`{ a: 1 }`, `[1, 2]`) YAML does
 * not allow `{` unquoted: quote the reference there, or write the collection in block style.
 */
export function interpolateDocument(document: Document, env: NodeJS.ProcessEnv, lineCounter: LineCounter): string[] {
  const problems: string[] = [];
  visit(document, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const interpolated = interpolateEnv(node.value, env);
      if (!interpolated.ok) {
        const where = locate(node, ancestors, lineCounter);
        problems.push(...interpolated.problems.map((problem) => `${where}: ${problem}`));
        return;
      }
      if (!interpolated.changed) return;
      node.value = node.type === 'PLAIN' ? plainValue(interpolated.text) : interpolated.text;
    },
  });
  return problems;
}

/** What an unquoted YAML value with this text would be: a number, a boolean, null, or the text. */
function plainValue(text: string): unknown {
  try {
    const value: unknown = parseYaml(text);
    return typeof value === 'number' || typeof value === 'boolean' || value === null ? value : text;
  } catch {
    return text;
  }
}

/** `line 12, column 14 (models.local.baseURL)`: where a scalar is, in the file and in the config. */
function locate(node: Scalar, ancestors: readonly unknown[], lineCounter: LineCounter): string {
  const keys: string[] = [];
  ancestors.forEach((ancestor, i) => {
    if (isPair(ancestor)) keys.push(String(isScalar(ancestor.key) ? ancestor.key.value : ancestor.key));
    else if (isSeq(ancestor)) keys.push(String(ancestor.items.indexOf((ancestors[i + 1] ?? node) as Node)));
  });
  const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
  return `line ${line}, column ${col}${keys.length > 0 ? ` (${keys.join('.')})` : ''}`;
}
