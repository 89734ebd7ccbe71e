import { type InvalidJsonStyle } from './simulator-script';

/**
 * Text that looks like the JSON for `value` but does not parse: cut off part-way (as when output
 * hits a token limit), written with Python's quotes and literals, or wrapped in chatter.
 */
export function renderInvalidJson(value: unknown, style: InvalidJsonStyle): string {
  const json = JSON.stringify(value, null, 2) ?? 'null';
  if (style === 'prose')
    return `Sure! Here is the JSON you asked for:\n\n${json}\n\nLet me know if you need anything else.`;
  if (style === 'single_quotes') {
    const python = toPythonLiteral(value);
    if (!parses(python)) return python;
  }
  // Any strict prefix of an object or array lacks its closing bracket, so it never parses.
  const container = typeof value === 'object' && value !== null ? json : `{\n  "value": ${json}\n}`;
  return container.slice(0, Math.max(1, Math.min(container.length - 1, Math.floor(container.length * 0.6))));
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function toPythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (Array.isArray(value)) return `[${value.map(toPythonLiteral).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${toPythonLiteral(k)}: ${toPythonLiteral(v)}`)
    .join(', ')}}`;
}
