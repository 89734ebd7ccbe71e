import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listQuery } from '../../client/cascade-client';
import { parseApiAccessConfig, ratePerSecond } from '../../core/api-access-config';
import { budgetCeiling } from '../../core/budget-ceiling';
import { planCascade } from '../../core/cascade-plan';
import { ConfigError } from '../../core/config';
import { REQUEST_ID_PATTERN } from '../../core/request';
import { queryLiteral } from '../../core/search-attributes';
import {
  DEFAULT_TENANT,
  idForTenant,
  qualifiedWorkflowId,
  splitTenantWorkflowId,
  tenantWorkflowId,
} from '../../core/tenant-workflow-id';
import { makeConfig } from '../helpers/core-config';

describe('tenant id namespaces', () => {
  it('prefixes a named tenant and leaves the default tenant bare', () => {
    assert.equal(tenantWorkflowId('acme', 'invoice-1'), 'acme~invoice-1');
    assert.equal(tenantWorkflowId(DEFAULT_TENANT, 'invoice-1'), 'invoice-1');
  });

  it('gives two tenants the same request id as two workflow ids, none of which a bare id can name', () => {
    const a = tenantWorkflowId('acme', 'shared/id@1');
    const b = tenantWorkflowId('globex', 'shared/id@1');
    assert.notEqual(a, b);
    // A request id cannot hold the separator, so the default tenant cannot squat a named tenant's id.
    assert.equal(REQUEST_ID_PATTERN.test(a), false);
    assert.equal(REQUEST_ID_PATTERN.test(b), false);
  });

  it('splits a workflow id back into tenant and id', () => {
    assert.deepEqual(splitTenantWorkflowId('acme~a/b:c'), { tenant: 'acme', id: 'a/b:c' });
    assert.deepEqual(splitTenantWorkflowId('req-1'), { tenant: DEFAULT_TENANT, id: 'req-1' });
    assert.deepEqual(splitTenantWorkflowId('batch-7/12'), { tenant: DEFAULT_TENANT, id: 'batch-7/12' });
  });

  it('shows a caller its own ids bare and other tenants’ qualified, and reads them back', () => {
    assert.equal(idForTenant('acme', 'acme~x'), 'x');
    assert.equal(idForTenant('ops', 'acme~x'), 'acme~x');
    assert.equal(idForTenant('ops', 'x'), 'default~x');
    assert.equal(idForTenant(DEFAULT_TENANT, 'x'), 'x');
    for (const [tenant, workflowId] of [
      ['ops', 'acme~x'],
      ['ops', 'x'],
      ['acme', 'acme~x'],
      [DEFAULT_TENANT, 'acme~y'],
    ] as const) {
      assert.equal(qualifiedWorkflowId(tenant, idForTenant(tenant, workflowId)).workflowId, workflowId);
    }
    assert.deepEqual(qualifiedWorkflowId('acme', 'globex~x'), { tenant: 'globex', id: 'x', workflowId: 'globex~x' });
  });
});

describe('budget ceiling', () => {
  it('is the least of the budgets given, undefined without any', () => {
    assert.equal(budgetCeiling(), undefined);
    assert.equal(budgetCeiling(undefined, undefined), undefined);
    assert.equal(budgetCeiling(0.5, undefined, 0.2), 0.2);
    assert.equal(budgetCeiling(undefined, 0.05), 0.05);
    assert.equal(budgetCeiling(3, 2, 1), 1);
  });

  it('caps a request by its route: a request cannot raise the route’s budget', () => {
    const config = makeConfig();
    config.routes.default = { ...config.routes.default!, budgetUsd: 0.05 };
    const plan = (maxCostUsd?: number) =>
      planCascade(config, { route: 'default', complexity: 'low' }, maxCostUsd === undefined ? {} : { maxCostUsd })
        .budgetUsd;
    assert.equal(plan(), 0.05);
    assert.equal(plan(0.01), 0.01);
    assert.equal(plan(2), 0.05);
    // Cascades started under the earlier rule replay under it.
    assert.equal(
      planCascade(
        config,
        { route: 'default', complexity: 'low' },
        { maxCostUsd: 2 },
        { requestOverridesRouteBudget: true },
      ).budgetUsd,
      2,
    );
  });
});

describe('api access config', () => {
  const problems = (value: unknown): string[] => {
    try {
      parseApiAccessConfig(value);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    return [];
  };

  it('is empty when absent', () => {
    assert.deepEqual(parseApiAccessConfig(undefined), { tenants: {}, keys: [] });
  });

  it('reads keys with tenants, roles and rate limits, defaulting tenant and role', () => {
    const access = parseApiAccessConfig({
      rateLimit: { perMinute: 120, burst: 10 },
      tenants: { acme: { budgetUsd: 0.5 } },
      keys: [
        { keyEnv: 'ACME_KEY', tenant: 'acme', rateLimit: { perSecond: 2 } },
        { sha256: 'a'.repeat(64), role: 'admin' },
      ],
    });
    assert.equal(access.keys[0]!.tenant, 'acme');
    assert.equal(access.keys[0]!.role, 'member');
    assert.equal(access.keys[1]!.tenant, DEFAULT_TENANT);
    assert.equal(access.keys[1]!.role, 'admin');
    assert.equal(ratePerSecond(access.rateLimit!), 2);
  });

  it('names the field of every mistake', () => {
    assert.deepEqual(problems({ keys: [{ tenant: 'acme' }], tenants: { acme: {} } }), [
      'api.keys[0]: give exactly one of keyEnv and sha256',
    ]);
    assert.deepEqual(problems({ keys: [{ keyEnv: 'K', tenant: 'nope' }] }), [
      'api.keys[0].tenant: no tenant "nope" under api.tenants (known: none)',
    ]);
    assert.deepEqual(problems({ keys: [{ keyEnv: 'K' }, { keyEnv: 'K' }] }), [
      'api.keys[1]: the same key as api.keys[0]',
    ]);
    assert.deepEqual(problems({ keys: [{ sha256: 'xyz' }] }), [
      'api.keys[0].sha256: must be the SHA-256 of the key: 64 hex digits',
    ]);
    assert.deepEqual(problems({ rateLimit: { burst: 3 } }), [
      'api.rateLimit: give exactly one of perSecond and perMinute',
    ]);
    assert.deepEqual(problems({ tenants: { 'Bad Name': {} } }).length, 1);
    assert.match(problems({ tenants: { acme: { budgetUsd: -1 } } })[0]!, /^api\.tenants\.acme\.budgetUsd: /);
    assert.match(problems({ keys: [], extra: 1 })[0]!, /^api: unknown field "extra"/);
  });
});

describe('visibility queries', () => {
  it('scopes a list to a tenant; the default tenant’s includes cascades that recorded none', () => {
    assert.match(listQuery({ tenant: 'acme' }), / AND CascadeTenant = 'acme'$/);
    assert.match(listQuery({ tenant: DEFAULT_TENANT }), / AND \(CascadeTenant = 'default' OR CascadeTenant IS NULL\)$/);
    assert.doesNotMatch(listQuery({}), /CascadeTenant/);
  });

  it('quotes values so they cannot close the literal, and refuses control characters', () => {
    assert.equal(queryLiteral("x' OR WorkflowType != '"), "'x\\' OR WorkflowType != \\''");
    assert.equal(queryLiteral('a\\b'), "'a\\\\b'");
    assert.throws(() => queryLiteral('x\u0000y'), RangeError);
    assert.throws(() => listQuery({ batchId: 'x\ny' }), RangeError);
  });
});
