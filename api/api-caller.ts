import { type FastifyRequest } from 'fastify';
import { type RateLimitConfig } from '../core/api-access-config';
import { DEFAULT_TENANT } from '../core/tenant-workflow-id';

/** Who is calling: the tenant and role of the API key presented (or of the keyless API). */
export interface ApiCaller {
  tenant: string;
  /** Sees, reads and cancels every tenant's cascades. */
  admin: boolean;
  /** Which key, for logs: `api.keys[2]`, `LLM_CASCADE_API_KEYS key 1` or `keyless`; never the key itself. */
  label: string;
  /** The tenant's budget ceiling, if it has one. */
  budgetUsd?: number;
  /** The key's request rate; absent: unlimited. */
  rateLimit?: RateLimitConfig;
}

/** The keyless API's one caller: the default tenant, seeing everything (it is the machine's own user, on loopback). */
export function keylessCaller(options: { budgetUsd?: number; rateLimit?: RateLimitConfig }): ApiCaller {
  return { tenant: DEFAULT_TENANT, admin: true, label: 'keyless', ...options };
}

const callers = new WeakMap<FastifyRequest, ApiCaller>();

/** Records who is calling, once authenticated. */
export function setCaller(request: FastifyRequest, caller: ApiCaller): void {
  callers.set(request, caller);
}

/** Who is calling; every non-public route has one (the auth hook ran first). */
export function callerOf(request: FastifyRequest): ApiCaller {
  const caller = callers.get(request);
  if (!caller) throw new Error(`no caller recorded for ${request.method} ${request.url}: the auth hook did not run`);
  return caller;
}
