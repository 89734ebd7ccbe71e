/**
 * Tenants and the workflow ids of their cascades. A tenant's cascades live in an id namespace of
 * their own: the workflow id is `<tenant>~<request id>`, so one tenant can neither read nor squat
 * another's ids. `~` is outside both the request id and the tenant name alphabets, so the mapping
 * is one-to-one. The default tenant (the keyless API, keys without a tenant, and every cascade
 * started before tenants existed or by the CLI) keeps bare ids, so existing ids stay reachable.
 */

/** The tenant of the keyless API, of keys that name none, and of cascades that record none. */
export const DEFAULT_TENANT = 'default';

/** What separates the tenant from the request id in a workflow id. */
export const TENANT_SEPARATOR = '~';

/** A tenant name: lowercase letters, digits, `_` and `-`, up to 63 characters (a search attribute value and an id prefix). */
export const TENANT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The workflow id of a tenant's request id: bare for the default tenant, `<tenant>~<id>` for the others. */
export function tenantWorkflowId(tenant: string, id: string): string {
  return tenant === DEFAULT_TENANT ? id : `${tenant}${TENANT_SEPARATOR}${id}`;
}

/** A workflow id split into the tenant whose namespace it is in and the request id within it. */
export interface TenantId {
  tenant: string;
  id: string;
}

/** The inverse of `tenantWorkflowId`: a bare id is the default tenant's. */
export function splitTenantWorkflowId(workflowId: string): TenantId {
  const at = workflowId.indexOf(TENANT_SEPARATOR);
  if (at <= 0) return { tenant: DEFAULT_TENANT, id: workflowId };
  return { tenant: workflowId.slice(0, at), id: workflowId.slice(at + 1) };
}

/**
 * How a cascade's id is shown to a caller of `tenant`: the bare request id for its own tenant's
 * cascades, `<tenant>~<id>` for another tenant's (only an admin sees those; the default tenant's
 * too, as `default~<id>`), so that the caller can address it again (`qualifiedWorkflowId`).
 */
export function idForTenant(tenant: string, workflowId: string): string {
  const parts = splitTenantWorkflowId(workflowId);
  return parts.tenant === tenant ? parts.id : `${parts.tenant}${TENANT_SEPARATOR}${parts.id}`;
}

/**
 * The workflow id a caller of `tenant` means by `id`: a bare id is in its own namespace,
 * `<tenant>~<id>` names a tenant's namespace explicitly (whether the caller may read it is the
 * caller's role's business).
 */
export function qualifiedWorkflowId(tenant: string, id: string): TenantId & { workflowId: string } {
  const parts = id.includes(TENANT_SEPARATOR) ? splitTenantWorkflowId(id) : { tenant, id };
  return { ...parts, workflowId: tenantWorkflowId(parts.tenant, parts.id) };
}
