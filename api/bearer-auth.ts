import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/config';

/** The environment variable holding the API keys, comma-separated. */
export const API_KEYS_ENV = 'LLM_CASCADE_API_KEYS';

/**
 * The API keys from `LLM_CASCADE_API_KEYS` (comma-separated, blanks ignored). A key with spaces
 * inside is rejected: it cannot be sent in a `Bearer` header, so it is a mistake in the setting.
 * Errors name the position of a bad key, never the key.
 */
export function apiKeysFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env[API_KEYS_ENV];
  if (!raw) return [];
  const keys = raw.split(',').map((key) => key.trim());
  const problems = keys.flatMap((key, i) =>
    /\s/.test(key) ? [`${API_KEYS_ENV}: key ${i + 1} contains whitespace`] : [],
  );
  if (problems.length > 0) throw new ConfigError(problems, 'environment');
  return keys.filter((key) => key !== '');
}

/** What an `Authorization` header said, judged against the configured keys. */
export type AuthVerdict = { ok: true } | { ok: false; reason: string };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Builds the check for `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests with
 * `timingSafeEqual` (equal lengths, so no length leak) and every key is compared on every call,
 * so the time taken says nothing about which key, or how much of one, matched.
 */
export function createApiKeyCheck(keys: readonly string[]): (authorization: string | undefined) => AuthVerdict {
  const digests = keys.map(digest);
  return (authorization) => {
    if (!authorization)
      return { ok: false, reason: 'missing Authorization header: send Authorization: Bearer <api key>' };
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'malformed Authorization header: expected Bearer <api key>' };
    const presented = digest(match[1]!);
    let valid = false;
    for (const key of digests) valid = timingSafeEqual(presented, key) || valid;
    return valid ? { ok: true } : { ok: false, reason: 'invalid API key' };
  };
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}
