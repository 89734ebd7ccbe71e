/**
 * The config file's `api` section: who may call the HTTP API, as which tenant, with which budget
 * ceiling and request rate, and which config models a request may name directly. It is read by the
 * API alone and never reaches a workflow (the cascade config a workflow receives and hashes has no
 * `api`). Keys themselves are never in the file: a key
 * is named by the environment variable holding it, or by its SHA-256.
 */
import { z } from 'zod';
import { formatIssues } from './format-issues';
import { ConfigError } from './config';
import { DEFAULT_TENANT, TENANT_NAME_PATTERN } from './tenant-workflow-id';

const TenantName = z
  .string()
  .regex(TENANT_NAME_PATTERN, 'must be 1-63 lowercase letters, digits, _ or -, starting with a letter or digit');

/** Requests a key may make: a token bucket refilled at `perSecond` (or `perMinute`), holding up to `burst`. */
export const RateLimitConfig = z
  .strictObject({
    perSecond: z.number().positive().optional(),
    perMinute: z.number().positive().optional(),
    /** How many requests may come at once after a quiet spell (default: one second's worth, at least 1). */
    burst: z.number().int().positive().optional(),
  })
  .superRefine((limit, ctx) => {
    if ((limit.perSecond === undefined) === (limit.perMinute === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of perSecond and perMinute' });
  });
export type RateLimitConfig = z.infer<typeof RateLimitConfig>;

export const TenantConfig = z.strictObject({
  /** A ceiling on every cascade of the tenant: the effective budget is the least of request, route and tenant. */
  budgetUsd: z.number().positive().max(1000, "must be at most 1000, as a request's maxCostUsd").optional(),
});
export type TenantConfig = z.infer<typeof TenantConfig>;

export const ApiKeyRole = z.enum(['member', 'admin']);
export type ApiKeyRole = z.infer<typeof ApiKeyRole>;

export const ApiKeyConfig = z
  .strictObject({
    /** The environment variable holding the key. */
    keyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)')
      .optional(),
    /** Or the key's SHA-256, hex (`printf %s "$KEY" | sha256sum`). */
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the key: 64 hex digits')
      .optional(),
    tenant: TenantName.default(DEFAULT_TENANT),
    /** `admin`: lists, reads and cancels every tenant's cascades. */
    role: ApiKeyRole.default('member'),
    /** This key's rate limit, instead of `api.rateLimit`. */
    rateLimit: RateLimitConfig.optional(),
  })
  .superRefine((key, ctx) => {
    if ((key.keyEnv === undefined) === (key.sha256 === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of keyEnv and sha256' });
  });
export type ApiKeyConfig = z.infer<typeof ApiKeyConfig>;

export const ApiAccessConfig = z
  .strictObject({
    /** The rate limit of every key without one of its own (and of the keyless API). Absent: unlimited. */
    rateLimit: RateLimitConfig.optional(),
    /** Tenants by name; `default` (keys naming no tenant) may be listed to give it a budget. */
    tenants: z.record(TenantName, TenantConfig).default({}),
    keys: z.array(ApiKeyConfig).default([]),
    /**
     * Config models a request may name as its `model` (listed by `GET /v1/models`), each then called
     * alone with no cascade: `true` for every model on the tiers, or a list of model ids. Absent or
     * `false`: none, only `cascade` and `cascade/<route>`. Checked against the config by `exposedModels`.
     */
    exposeModels: z
      .union([
        z.boolean(),
        z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one model id (or be true or false)'),
      ])
      .optional(),
  })
  .superRefine((access, ctx) => {
    const seen = new Map<string, number>();
    access.keys.forEach((key, i) => {
      if (key.tenant !== DEFAULT_TENANT && !(key.tenant in access.tenants))
        ctx.addIssue({
          code: 'custom',
          path: ['keys', i, 'tenant'],
          message: `no tenant "${key.tenant}" under api.tenants (known: ${Object.keys(access.tenants).join(', ') || 'none'})`,
        });
      // zod refines on past a key's own problems: one without keyEnv or sha256 is reported already.
      if (key.keyEnv === undefined && key.sha256 === undefined) return;
      const identity = key.keyEnv !== undefined ? `keyEnv ${key.keyEnv}` : `sha256 ${key.sha256!.toLowerCase()}`;
      const first = seen.get(identity);
      if (first !== undefined)
        ctx.addIssue({ code: 'custom', path: ['keys', i], message: `the same key as api.keys[${first}]` });
      else seen.set(identity, i);
    });
  });
export type ApiAccessConfig = z.infer<typeof ApiAccessConfig>;

/** Validates a config file's `api` section (absent: no tenants, no limits); throws `ConfigError` naming each field. */
export function parseApiAccessConfig(value: unknown, source?: string): ApiAccessConfig {
  const parsed = ApiAccessConfig.safeParse(value ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, 'api'), source);
  return parsed.data;
}

/** Requests per second of a rate limit. */
export function ratePerSecond(limit: RateLimitConfig): number {
  return limit.perSecond ?? limit.perMinute! / 60;
}
