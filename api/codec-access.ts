import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/config';

/** Bearer keys of the operators allowed to use the codec server (decrypt payloads), comma-separated. */
export const OPERATOR_KEYS_ENV = 'LLM_CASCADE_OPERATOR_KEYS';
/** Browser origins (the Temporal UI's) allowed to call the codec server, comma-separated. */
export const CODEC_CORS_ORIGINS_ENV = 'LLM_CASCADE_CODEC_CORS_ORIGINS';
/** The Temporal UI as `npm start` and docker compose serve it; both spellings of loopback. */
export const DEFAULT_CODEC_CORS_ORIGINS: readonly string[] = ['http://localhost:8233', 'http://127.0.0.1:8233'];
/** The cookie a signed-in operator's browser sends with the UI's codec requests. */
export const CODEC_SESSION_COOKIE = 'llm_cascade_codec';
/** How long a codec sign-in lasts. */
export const CODEC_SESSION_MS = 12 * 60 * 60 * 1000;

/** Operator keys from `LLM_CASCADE_OPERATOR_KEYS`; a key with whitespace is refused, named by position only. */
export function operatorKeysFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const keys = (env[OPERATOR_KEYS_ENV] ?? '').split(',').map((key) => key.trim());
  const problems = keys.flatMap((key, i) =>
    /\s/.test(key) ? [`${OPERATOR_KEYS_ENV}: key ${i + 1} contains whitespace`] : [],
  );
  const short = keys.flatMap((key, i) =>
    key !== '' && key.length < 16 ? [`${OPERATOR_KEYS_ENV}: key ${i + 1} is shorter than 16 characters`] : [],
  );
  if (problems.length + short.length > 0) throw new ConfigError([...problems, ...short], 'environment');
  return keys.filter((key) => key !== '');
}

/** The codec server's CORS origins: each `scheme://host[:port]` exactly, no path. */
export function codecCorsOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env[CODEC_CORS_ORIGINS_ENV];
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_CODEC_CORS_ORIGINS];
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const problems = origins.flatMap((origin, i) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    const ok = parsed && /^https?:$/.test(parsed.protocol) && parsed.origin === origin;
    return ok
      ? []
      : [
          `${CODEC_CORS_ORIGINS_ENV}: entry ${i + 1} ("${origin.slice(0, 100)}") is not an origin like http://localhost:8233`,
        ];
  });
  if (problems.length > 0) throw new ConfigError(problems, 'environment');
  return origins;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Who may use the codec server: a presented operator key, or a session cookie one of them signed in for. */
export interface CodecAccess {
  /** Whether any operator key is set (without one the codec server refuses everyone). */
  readonly open: boolean;
  /** Checks `Authorization: Bearer <operator key>`. */
  isOperatorKey(authorization: string | undefined): boolean;
  /** A session token valid until `now + CODEC_SESSION_MS`. */
  issueSession(now: number): string;
  /** Whether a session token is one this key set issued and it has not expired. */
  isValidSession(token: string | undefined, now: number): boolean;
}

/**
 * Operator keys are compared as SHA-256 digests in constant time, every key on every call (as the
 * API keys are). A session token is `<expiry ms>.<HMAC>` under a secret derived from the operator
 * keys: every API replica with the same keys accepts it, nothing is stored, and changing the keys
 * ends every session.
 */
export function createCodecAccess(operatorKeys: readonly string[]): CodecAccess {
  const digests = operatorKeys.map(digest);
  const secret = createHash('sha256').update('llm-cascade codec session\0').update(Buffer.concat(digests)).digest();
  const sign = (expires: string) => createHmac('sha256', secret).update(expires).digest();
  return {
    open: digests.length > 0,
    isOperatorKey(authorization) {
      const match = authorization ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization) : null;
      if (!match) return false;
      const presented = digest(match[1]!);
      let valid = false;
      for (const key of digests) valid = timingSafeEqual(presented, key) || valid;
      return valid;
    },
    issueSession(now) {
      const expires = String(now + CODEC_SESSION_MS);
      return `${expires}.${sign(expires).toString('base64url')}`;
    },
    isValidSession(token, now) {
      if (digests.length === 0 || !token) return false;
      const match = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return false;
      const mac = Buffer.from(match[2]!, 'base64url');
      return timingSafeEqual(mac, sign(match[1]!)) && Number(match[1]) > now;
    },
  };
}

/** The value of cookie `name` in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
