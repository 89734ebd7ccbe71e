/**
 * Redaction of what must not reach a log line even from text we did not write (a provider's error
 * message, a transport error): API keys and tokens, organisation and project ids, and internal
 * network addresses. Each match becomes `[redacted <kind>]`, so a reader still sees that something
 * was there and what it was. Pure and linear: every pattern is a simple scan without nested
 * quantifiers, so a hostile message costs no more than its length.
 */

interface Rule {
  kind: string;
  pattern: RegExp;
}

const RULES: readonly Rule[] = [
  // `Authorization: Bearer <token>`, `Bearer <token>`, and `x-api-key: <key>` as some messages quote them.
  { kind: 'token', pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi },
  {
    kind: 'key',
    pattern: /\b((?:x-)?api[-_ ]?key|access[-_ ]?token|secret|password)(["']?\s*[:=]\s*["']?)[^\s"',;]{6,}/gi,
  },
  // Vendor keys: Anthropic (sk-ant-...), OpenAI (sk-..., sk-proj-...), and common look-alikes; also
  // the masked forms providers echo back ("sk-...abcd"), which still identify the key.
  { kind: 'key', pattern: /\b(?:sk|pk|rk)-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_*.-]{4,}/g },
  { kind: 'key', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g },
  { kind: 'key', pattern: /\b(?:ghp|gho|ghs|github_pat|xox[abpr])_[A-Za-z0-9_]{10,}/g },
  // JSON Web Tokens.
  { kind: 'token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  // Organisation, project and workspace ids (OpenAI org-..., proj_..., Anthropic organization ids).
  { kind: 'org id', pattern: /\b(?:org|proj|wrkspc|workspace|organization)[-_][A-Za-z0-9]{6,}\b/gi },
  {
    kind: 'org id',
    pattern:
      /\b(organi[sz]ation(?:[ _-]id)?)(["']?\s*[:=]?\s*["']?)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
  },
  // Internal addresses: RFC 1918, loopback, link-local (cloud metadata), CGNAT; IPv6 unique-local,
  // link-local and loopback. With any port.
  {
    kind: 'internal address',
    pattern:
      /\b(?:10(?:\.\d{1,3}){3}|127(?:\.\d{1,3}){3}|169\.254(?:\.\d{1,3}){2}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])(?:\.\d{1,3}){2})(?::\d{1,5})?\b/g,
  },
  { kind: 'internal address', pattern: /\[?\b(?:f[cd][0-9a-f]{2}|fe80):[0-9a-f:]{2,}(?:%\w+)?\]?(?::\d{1,5})?/gi },
  // Long hex or base64 runs: secrets and signatures of unknown shape (32+ characters, base64 with
  // at least one digit and one letter, so ordinary long words are kept).
  { kind: 'secret', pattern: /\b[0-9a-f]{32,}\b/gi },
  {
    kind: 'secret',
    pattern: /(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{40,}={0,2}/g,
  },
];

/** `text` with keys, tokens, org ids, internal addresses and long secrets replaced by `[redacted <kind>]`. */
export function redactSecrets(text: string): string {
  let redacted = text;
  for (const { kind, pattern } of RULES) {
    redacted = redacted.replace(pattern, (match: string, label?: unknown, separator?: unknown) =>
      // Rules with a label (`api_key=`, `Bearer `) keep it: the reader learns what was there.
      typeof label === 'string' && typeof separator === 'string'
        ? `${label}${separator}[redacted ${kind}]`
        : typeof label === 'string' && /^(Bearer|Basic)$/i.test(label)
          ? `${label} [redacted ${kind}]`
          : `[redacted ${kind}]`,
    );
  }
  return redacted;
}
