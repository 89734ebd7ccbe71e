/**
 * Loading a config as a process does: `${VAR}` interpolation (types, defaults, errors that name the
 * variable and its place), the choice of config from the provider keys set, demo mode for keyless
 * local providers, and the OpenAI adapters' `maxTokensField` as the simulator receives it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../core/config';
import { configHash } from '../core/config-hash';
import { interpolateEnv } from '../config/config-interpolation';
import { isDemoMode } from '../simulator/demo-mode';
import { chooseConfig, DEFAULT_CONFIG_PATH, loadConfig, loadServiceConfig, PROJECT_ROOT } from '../config/load-config';
import { createProviderRegistry } from '../providers/provider-registry';
import { startSimulator, type SimulatorHandle } from '../simulator';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'config-loading-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const configs = (name: string) => path.join(PROJECT_ROOT, 'configs', name);

/** A minimal valid config with `fragment` lines in the first model, written to a file. */
async function configFile(name: string, lines: { provider?: string[]; model?: string[]; extra?: string[] }) {
  const file = path.join(dir, name);
  await writeFile(
    file,
    [
      'providers:',
      '  local:',
      '    type: openai-compatible',
      ...(lines.provider ?? ['    baseURL: http://127.0.0.1:11434/v1']),
      'models:',
      '  small:',
      '    provider: local',
      '    pricing: { inputPerMTok: 0, outputPerMTok: 0 }',
      ...(lines.model ?? ['    model: llama3.2:3b']),
      'tiers:',
      '  - name: small',
      '    model: small',
      'routes:',
      '  default:',
      '    startTier: small',
      ...(lines.extra ?? []),
      '',
    ].join('\n'),
  );
  return file;
}

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    return error;
  }
  throw new Error('expected a ConfigError');
}

describe('interpolateEnv', () => {
  const env = { HOST: 'models.internal', EMPTY: '' };
  const text = (input: string) => {
    const result = interpolateEnv(input, env);
    assert.ok(result.ok, JSON.stringify(result));
    return result.text;
  };

  it('replaces ${VAR} with its value, also inside a longer string and several times', () => {
    assert.equal(text('http://${HOST}:8000/v1 (${HOST})'), 'http://models.internal:8000/v1 (models.internal)');
  });

  it('takes the default when the variable is unset or empty, and the value when set', () => {
    assert.equal(text('${UNSET_VAR:-fallback}'), 'fallback');
    assert.equal(text('${EMPTY:-fallback}'), 'fallback');
    assert.equal(text('${HOST:-fallback}'), 'models.internal');
    assert.equal(text('${UNSET_VAR:-}'), '');
    assert.equal(text('${EMPTY}'), '', 'a variable set to empty is set');
  });

  it('reads $${ as a literal ${, and leaves every other $ alone', () => {
    assert.equal(text('$${HOST} costs $5; ^a$'), '${HOST} costs $5; ^a$');
  });

  it('names every unset variable without a default, and malformed references', () => {
    const result = interpolateEnv('${A_MISSING} ${B_MISSING:-ok} ${not valid} ${C_MISSING', env);
    assert.ok(!result.ok);
    assert.deepEqual(result.problems, [
      'environment variable A_MISSING is not set and has no default (set it, or write ${A_MISSING:-default})',
      '"${not valid}" is not a reference: write ${NAME} or ${NAME:-default}, NAME being letters, digits and _ (or $${ for a literal ${)',
      '"${" without a closing "}" (write $${ for a literal ${)',
    ]);
  });
});

describe('loadConfig: values from the environment', () => {
  it('types an unquoted reference as YAML would (a number from env), keeps a quoted one a string', async () => {
    const file = await configFile('typed.yaml', {
      provider: ['    baseURL: ${TEST_LOCAL_URL:-http://127.0.0.1:11434/v1}', '    maxTokensField: ${TEST_FIELD}'],
      model: ['    model: "${TEST_MODEL:-llama3.2:3b}"', '    timeoutMs: ${TEST_TIMEOUT_MS:-45000}'],
    });
    const config = await loadConfig(file, {
      TEST_LOCAL_URL: 'http://gpu-box:8000/v1',
      TEST_FIELD: 'max_completion_tokens',
      TEST_TIMEOUT_MS: '90000',
    });
    assert.deepEqual(config.providers.local, {
      type: 'openai-compatible',
      baseURL: 'http://gpu-box:8000/v1',
      maxTokensField: 'max_completion_tokens',
    });
    assert.equal(config.models.small!.timeoutMs, 90000);
    assert.equal(config.models.small!.model, 'llama3.2:3b');

    const defaults = await loadConfig(file, { TEST_FIELD: 'max_tokens' });
    assert.equal(defaults.providers.local!.baseURL, 'http://127.0.0.1:11434/v1');
    assert.equal(defaults.models.small!.timeoutMs, 45000);
  });

  it('fails naming each unset variable, its line, column and path, before validating anything', async () => {
    const file = await configFile('unset.yaml', {
      provider: ['    baseURL: ${TEST_UNSET_URL}'],
      model: ['    model: llama3.2:3b', '    timeoutMs: ${TEST_UNSET_TIMEOUT}'],
      extra: ['    checks:', '      - type: regex', '        pattern: ${TEST_UNSET_PATTERN}'],
    });
    const error = await configErrorOf(loadConfig(file, {}));
    assert.deepEqual(error.problems, [
      'line 4, column 14 (providers.local.baseURL): environment variable TEST_UNSET_URL is not set and has no default (set it, or write ${TEST_UNSET_URL:-default})',
      'line 10, column 16 (models.small.timeoutMs): environment variable TEST_UNSET_TIMEOUT is not set and has no default (set it, or write ${TEST_UNSET_TIMEOUT:-default})',
      'line 19, column 18 (routes.default.checks.0.pattern): environment variable TEST_UNSET_PATTERN is not set and has no default (set it, or write ${TEST_UNSET_PATTERN:-default})',
    ]);
    assert.match(error.message, new RegExp(`^invalid ${file.replace(/[.]/g, '\\.')}:\\n {2}- line 4, column 14`));
  });

  it('a number field given a non-number from the environment fails validation naming the field', async () => {
    const file = await configFile('bad-number.yaml', {
      model: ['    model: llama3.2:3b', '    timeoutMs: ${TEST_TIMEOUT_MS}'],
    });
    const error = await configErrorOf(loadConfig(file, { TEST_TIMEOUT_MS: 'soon' }));
    assert.equal(error.problems.length, 1);
    assert.match(error.problems[0]!, /^models\.small\.timeoutMs: /);
  });

  it('leaves keys, comments and regex dollars alone', async () => {
    const file = await configFile('dollars.yaml', {
      extra: [
        '    # ${NOT_READ} in a comment',
        '    checks:',
        '      - type: regex',
        '        pattern: "^\\\\$[0-9]+$"',
      ],
    });
    const config = await loadConfig(file, {});
    assert.deepEqual(config.routes.default!.checks, [{ type: 'regex', pattern: '^\\$[0-9]+$', mustMatch: true }]);
  });

  it('the shipped configs load, and the same config always hashes the same', async () => {
    for (const name of ['example.yaml', 'anthropic.yaml', 'openai.yaml', 'local.yaml', 'routerbench.yaml']) {
      const config = await loadConfig(configs(name), {});
      assert.match(configHash(config), /^[0-9a-f]{12}$/);
      assert.equal(configHash(config), configHash(await loadConfig(configs(name), {})));
    }
    const local = await loadConfig(configs('local.yaml'), {});
    assert.notEqual(
      configHash(local),
      configHash(await loadConfig(configs('local.yaml'), { LOCAL_LLM_TIMEOUT_MS: '60000' })),
      'the hash is of the interpolated config',
    );
  });
});

describe('the api section', () => {
  const API = [
    'api:',
    '  rateLimit:',
    '    perSecond: ${TEST_API_RATE:-5}',
    '  tenants:',
    '    acme: { budgetUsd: 0.5 }',
    '  keys:',
    '    - keyEnv: ACME_API_KEY',
    '      tenant: acme',
  ];

  it('is read for the API and kept out of the cascade config and its hash', async () => {
    const withApi = await loadServiceConfig(await configFile('with-api.yaml', { extra: API }), {});
    const without = await loadServiceConfig(await configFile('without-api.yaml', {}), {});
    assert.deepEqual(withApi.api.tenants, { acme: { budgetUsd: 0.5 } });
    assert.equal(withApi.api.keys[0]!.keyEnv, 'ACME_API_KEY');
    assert.deepEqual(withApi.api.rateLimit, { perSecond: 5 });
    assert.ok(!('api' in withApi.config));
    assert.equal(configHash(withApi.config), configHash(without.config), 'tenants do not change which config decided');
    assert.deepEqual(without.api, { tenants: {}, keys: [] });
  });

  it('stops the process at startup naming the field, in every process that loads the file', async () => {
    const file = await configFile('bad-api.yaml', {
      extra: [...API.slice(0, -1), '      tenant: initech', '      role: owner'],
    });
    const error = await configErrorOf(loadConfig(file, {}));
    assert.deepEqual(error.problems, ['api.keys[0].role: Invalid option: expected one of "member"|"admin"']);
    const unknownTenant = await configErrorOf(
      loadServiceConfig(
        await configFile('bad-tenant.yaml', { extra: [...API.slice(0, -1), '      tenant: initech'] }),
        {},
      ),
    );
    assert.deepEqual(unknownTenant.problems, [
      'api.keys[0].tenant: no tenant "initech" under api.tenants (known: acme)',
    ]);
  });

  it('exposes config models by id, and stops at startup naming the entry that is not one on a tier', async () => {
    const exposed = await loadServiceConfig(
      await configFile('exposed.yaml', { extra: ['api:', '  exposeModels: [small]'] }),
      {},
    );
    assert.deepEqual(exposed.api.exposeModels, ['small']);
    const file = await configFile('bad-exposed.yaml', { extra: ['api:', '  exposeModels: [small, large]'] });
    const error = await configErrorOf(loadServiceConfig(file, {}));
    assert.equal(error.source, file);
    assert.deepEqual(error.problems, ['api.exposeModels[1]: unknown model "large" (models: small)']);
    const empty = await configErrorOf(
      loadServiceConfig(await configFile('empty-exposed.yaml', { extra: ['api:', '  exposeModels: []'] }), {}),
    );
    assert.deepEqual(empty.problems, ['api.exposeModels: must list at least one model id (or be true or false)']);
  });
});

describe('chooseConfig: one provider key is enough', () => {
  it('picks the one-provider config when only its key is set, and says why', () => {
    const anthropic = chooseConfig(undefined, { ANTHROPIC_API_KEY: 'k' });
    assert.equal(anthropic.path, configs('anthropic.yaml'));
    assert.match(anthropic.reason, /^only ANTHROPIC_API_KEY is set/);
    assert.equal(chooseConfig(undefined, { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: '' }).path, configs('openai.yaml'));
  });

  it('keeps the example with both keys or none, and an explicit choice over any key', () => {
    assert.equal(chooseConfig(undefined, {}).path, DEFAULT_CONFIG_PATH);
    assert.equal(chooseConfig(undefined, { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' }).path, DEFAULT_CONFIG_PATH);
    assert.equal(
      chooseConfig(undefined, { ANTHROPIC_API_KEY: 'a', LLM_CASCADE_CONFIG: 'configs/local.yaml' }).path,
      path.resolve('configs/local.yaml'),
    );
    assert.equal(chooseConfig('mine.yaml', { OPENAI_API_KEY: 'o' }).path, path.resolve('mine.yaml'));
  });

  it('each one-provider config runs on its key alone: the provider registry builds without the other', async () => {
    for (const [name, keyEnv] of [
      ['anthropic.yaml', 'ANTHROPIC_API_KEY'],
      ['openai.yaml', 'OPENAI_API_KEY'],
    ] as const) {
      const config = await loadConfig(configs(name), {});
      assert.equal(isDemoMode(config, { [keyEnv]: 'k' }), false);
      assert.doesNotThrow(() => createProviderRegistry(config, { [keyEnv]: 'k' }));
      assert.deepEqual(
        Object.keys(config.routes).sort(),
        Object.keys((await loadConfig(DEFAULT_CONFIG_PATH, {})).routes).sort(),
      );
    }
  });
});

describe('demo mode and keyless local providers', () => {
  it('a config whose only provider needs no key is configured, never the demo', async () => {
    assert.equal(isDemoMode(await loadConfig(configs('local.yaml'), {}), {}), false);
    assert.equal(isDemoMode(await loadConfig(DEFAULT_CONFIG_PATH, {}), {}), true, 'no key for a keyed provider');
    assert.equal(isDemoMode(await loadConfig(configs('local.yaml'), {}), { LLM_CASCADE_DEMO: '1' }), true);
  });

  it('maxTokensField is only for OpenAI-style providers', async () => {
    const file = path.join(dir, 'anthropic-field.yaml');
    const shipped = await readFile(configs('anthropic.yaml'), 'utf8');
    await writeFile(
      file,
      shipped.replace('apiKeyEnv: ANTHROPIC_API_KEY', 'apiKeyEnv: ANTHROPIC_API_KEY\n    maxTokensField: max_tokens'),
    );
    const error = await configErrorOf(loadConfig(file, {}));
    assert.deepEqual(error.problems, [
      'providers.anthropic.maxTokensField: only for openai and openai-compatible providers (Anthropic has max_tokens alone)',
    ]);
  });
});

describe('maxTokensField on the wire', () => {
  let simulator: SimulatorHandle;
  before(async () => {
    simulator = await startSimulator();
  });
  after(async () => {
    await simulator?.stop();
  });

  it('sends the field the provider names; openai-compatible defaults to max_tokens, openai to max_completion_tokens', async () => {
    const local = await loadConfig(configs('local.yaml'), { LOCAL_LLM_BASE_URL: simulator.openai.baseURL });
    const newer = await loadConfig(configs('local.yaml'), {
      LOCAL_LLM_BASE_URL: simulator.openai.baseURL,
      LOCAL_LLM_MAX_TOKENS_FIELD: 'max_completion_tokens',
    });
    const openai = await loadConfig(configs('openai.yaml'), { OPENAI_BASE_URL: simulator.openai.baseURL });
    const request = {
      messages: [{ role: 'user' as const, content: 'Say hi.' }],
      maxOutputTokens: 77,
      timeoutMs: 10_000,
    };
    const bodies: Array<Record<string, unknown>> = [];
    for (const [config, env, model] of [
      [local, {}, 'llama3.2:3b'],
      [newer, {}, 'llama3.2:3b'],
      [openai, { OPENAI_API_KEY: 'sk-test' }, 'gpt-4.1-nano'],
    ] as const) {
      simulator.callLog.clear();
      const [providerId] = Object.keys(config.providers) as [string];
      await createProviderRegistry(config, env).languageModel(providerId, model).generate(request);
      const [call] = simulator.callLog.list();
      bodies.push(call!.requestBody as Record<string, unknown>);
    }
    assert.deepEqual(
      bodies.map((body) => [body.max_tokens, body.max_completion_tokens]),
      [
        [77, undefined],
        [undefined, 77],
        [undefined, 77],
      ],
    );
  });
});
