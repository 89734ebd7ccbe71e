import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiKeyCheck, hostnameOf, resolveApiKeys } from '../../api/bearer-auth';
import { parseApiAccessConfig } from '../../core/api-access-config';
import { ConfigError } from '../../core/config';

const access = parseApiAccessConfig({
  rateLimit: { perSecond: 5 },
  tenants: { acme: { budgetUsd: 0.25 }, globex: {} },
  keys: [
    { keyEnv: 'ACME_KEY', tenant: 'acme' },
    {
      sha256: createHash('sha256').update('globex-secret').digest('hex'),
      tenant: 'globex',
      rateLimit: { perMinute: 1 },
    },
    { keyEnv: 'OPS_KEY', role: 'admin' },
  ],
});
const env = { ACME_KEY: 'acme-secret', OPS_KEY: 'ops-secret' };

describe('API keys to callers', () => {
  it('maps each key to its tenant, role, tenant budget and rate limit', () => {
    const check = createApiKeyCheck(resolveApiKeys({ envKeys: ['plain-secret'], access, env }));
    const caller = (key: string) => {
      const verdict = check(`Bearer ${key}`);
      assert.ok(verdict.ok, key);
      return verdict.caller;
    };
    assert.deepEqual(caller('acme-secret'), {
      tenant: 'acme',
      admin: false,
      label: 'api.keys[0]',
      budgetUsd: 0.25,
      rateLimit: { perSecond: 5 },
    });
    assert.deepEqual(caller('globex-secret'), {
      tenant: 'globex',
      admin: false,
      label: 'api.keys[1]',
      rateLimit: { perMinute: 1 },
    });
    assert.equal(caller('ops-secret').admin, true);
    assert.equal(caller('ops-secret').tenant, 'default');
    assert.deepEqual(caller('plain-secret'), {
      tenant: 'default',
      admin: false,
      label: 'LLM_CASCADE_API_KEYS key 1',
      rateLimit: { perSecond: 5 },
    });
    assert.deepEqual(check('Bearer acme-secretx'), { ok: false, reason: 'invalid API key' });
  });

  it('names the field of an unset key variable or a key given twice, never the key', () => {
    const problems = (envKeys: string[], keyEnv: NodeJS.ProcessEnv): string[] => {
      try {
        resolveApiKeys({ envKeys, access, env: keyEnv });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        assert.ok(!error.message.includes('secret'), 'no key in the message');
        return error.problems;
      }
      return [];
    };
    assert.deepEqual(problems([], { OPS_KEY: 'ops-secret' }), ['api.keys[0].keyEnv: ACME_KEY is not set']);
    assert.deepEqual(problems([], { ACME_KEY: 'has secret space', OPS_KEY: 'ops-secret' }), [
      'api.keys[0].keyEnv: ACME_KEY is set to a value with whitespace',
    ]);
    assert.deepEqual(problems(['ops-secret'], env), ['api.keys[2]: the same key as LLM_CASCADE_API_KEYS key 1']);
  });
});

describe('hostnameOf', () => {
  it('takes the name out of a Host header', () => {
    assert.equal(hostnameOf('localhost:8080'), 'localhost');
    assert.equal(hostnameOf('127.0.0.1'), '127.0.0.1');
    assert.equal(hostnameOf('[::1]:8080'), '::1');
    assert.equal(hostnameOf('attacker.example:80'), 'attacker.example');
    assert.equal(hostnameOf(''), undefined);
    assert.equal(hostnameOf(undefined), undefined);
  });
});
