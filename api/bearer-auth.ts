import { createHash, timingSafeEqual } from 'node:crypto';
import { type ApiAccessConfig, type RateLimitConfig } from '../core/api-access-config';
import { ConfigError } from '../core/config';
import { DEFAULT_TENANT } from '../core/tenant-workflow-id';
import { type ApiCaller } from './api-caller';

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

/** A configured key: its SHA-256 and who presents it. */
export interface ApiKey {
  digest: Buffer;
  caller: ApiCaller;
}

/** What an `Authorization` header said, judged against the configured keys. */
export type AuthVerdict = { ok: true; caller: ApiCaller } | { ok: false; reason: string };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Every key the API accepts, with its tenant, role and rate limit: those of `LLM_CASCADE_API_KEYS`
 * (the default tenant, members) and those of the config's `api.keys` (a key named by `keyEnv` is
 * read from `env`). Throws `ConfigError` naming the field of an unset variable or of a key given
 * twice; never the key.
 */
export function resolveApiKeys(options: {
  envKeys?: readonly string[];
  access?: ApiAccessConfig;
  env?: NodeJS.ProcessEnv;
}): ApiKey[] {
  const access = options.access ?? { tenants: {}, keys: [] };
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const callerOf = (label: string, tenant: string, admin: boolean, rateLimit: RateLimitConfig | undefined) => {
    const budgetUsd = access.tenants[tenant]?.budgetUsd;
    return {
      tenant,
      admin,
      label,
      ...(budgetUsd !== undefined ? { budgetUsd } : {}),
      ...(rateLimit ? { rateLimit } : {}),
    };
  };
  const keys: ApiKey[] = (options.envKeys ?? []).map((key, i) => ({
    digest: digest(key),
    caller: callerOf(`${API_KEYS_ENV} key ${i + 1}`, DEFAULT_TENANT, false, access.rateLimit),
  }));
  access.keys.forEach((key, i) => {
    const field = `api.keys[${i}]`;
    let keyDigest: Buffer;
    if (key.keyEnv !== undefined) {
      const value = env[key.keyEnv];
      if (!value || /\s/.test(value)) {
        problems.push(`${field}.keyEnv: ${key.keyEnv} is ${value ? 'set to a value with whitespace' : 'not set'}`);
        return;
      }
      keyDigest = digest(value);
    } else {
      keyDigest = Buffer.from(key.sha256!, 'hex');
    }
    const same = keys.find((other) => other.digest.equals(keyDigest));
    if (same) {
      problems.push(`${field}: the same key as ${same.caller.label}`);
      return;
    }
    keys.push({
      digest: keyDigest,
      caller: callerOf(field, key.tenant, key.role === 'admin', key.rateLimit ?? access.rateLimit),
    });
  });
  if (problems.length > 0) throw new ConfigError(problems, 'API keys');
  return keys;
}

/**
 * Builds the check for `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests with
 * `timingSafeEqual` (equal lengths, so no length leak) and every key is compared on every call,
 * so the time taken says nothing about which key, or how much of one, matched.
 */
export function createApiKeyCheck(keys: readonly ApiKey[]): (authorization: string | undefined) => AuthVerdict {
  return (authorization) => {
    if (!authorization)
      return { ok: false, reason: 'missing Authorization header: send Authorization: Bearer <api key>' };
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'malformed Authorization header: expected Bearer <api key>' };
    const presented = digest(match[1]!);
    let found: ApiKey | undefined;
    for (const key of keys) if (timingSafeEqual(presented, key.digest)) found = key;
    return found ? { ok: true, caller: found.caller } : { ok: false, reason: 'invalid API key' };
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

/** The name in a Host header, without its port; undefined when absent or empty. */
export function hostnameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(header);
  if (bracketed) return bracketed[1];
  return header.replace(/:\d*$/, '');
}
