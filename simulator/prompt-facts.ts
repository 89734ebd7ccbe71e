/** A `key: value` line in a prompt: a fact a JSON answer should carry, or a scripted one contradict. */
export interface PromptFact {
  key: string;
  /** The key lowercased with everything but letters and digits removed: `Invoice No.` -> `invoiceno`. */
  normalizedKey: string;
  value: string;
}

// A short key (at most five words) at the start of a line, a colon and a space, then the value.
// The space after the colon keeps URLs and times like 10:30 from reading as facts.
const FACT_LINE = /^\s*(?:[-*\u2022]\s+)?([A-Za-z][A-Za-z0-9_.\-']*(?: [A-Za-z0-9_.\-']+){0,4})\s*:\s+(\S.*?)\s*$/;

/** Folds a key or property name so `Customer Name`, `customer_name` and `customerName` meet. */
export function normalizeFactKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The `key: value` lines of `text`, outside fenced code blocks, in order; a repeated key keeps its first value. */
export function extractPromptFacts(text: string): PromptFact[] {
  const facts: PromptFact[] = [];
  const seen = new Set<string>();
  let inFence = false;
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('```')) {
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    const match = FACT_LINE.exec(line);
    if (!match) continue;
    const key = match[1]!;
    const normalizedKey = normalizeFactKey(key);
    if (normalizedKey === '' || seen.has(normalizedKey)) continue;
    seen.add(normalizedKey);
    facts.push({ key, normalizedKey, value: unquote(match[2]!) });
  }
  return facts;
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}
