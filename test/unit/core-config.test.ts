import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baselineModelId, ConfigError, parseConfig } from '../../core/config';
import { configInput, configProblems, makeConfig, setUnknownField } from '../helpers/core-config';

const TIERS = '(tiers: "small", "mid", "frontier")';
const MODELS = '(models: "haiku", "nano", "mini", "sonnet", "opus")';

describe('parseConfig: a valid config', () => {
  it('parses the minimal config', () => {
    const config = makeConfig();
    assert.deepEqual(
      config.tiers.map((t) => [t.name, t.model, t.fallbacks]),
      [
        ['small', 'haiku', ['nano']],
        ['mid', 'mini', ['sonnet']],
        ['frontier', 'opus', []],
      ],
    );
    assert.deepEqual(Object.keys(config.models), ['haiku', 'nano', 'mini', 'sonnet', 'opus']);
  });

  it('applies the documented defaults', () => {
    const config = makeConfig((c) => {
      c.models.bare = { provider: 'openai', model: 'gpt-bare', pricing: { inputPerMTok: 1, outputPerMTok: 2 } };
      c.routes.extraction = {
        startTier: 'small',
        checks: [
          { type: 'regex', pattern: '^\\{' },
          { type: 'agreement', models: ['nano'] },
        ],
      };
    });
    assert.equal(config.taskQueue, 'llm-cascade');
    assert.deepEqual(config.models.bare, {
      provider: 'openai',
      model: 'gpt-bare',
      pricing: { inputPerMTok: 1, outputPerMTok: 2 },
      timeoutMs: 60_000,
      maxOutputTokens: 1024,
      jsonMode: 'prompt',
    });
    assert.deepEqual(config.routes.default, {
      startTier: 'small',
      cascade: true,
      checks: [{ type: 'not_empty' }, { type: 'not_refusal' }],
      feedbackOnEscalation: true,
    });
    assert.deepEqual(config.routes.extraction!.checks, [
      { type: 'regex', pattern: '^\\{', mustMatch: true },
      { type: 'agreement', models: ['nano'], normalize: 'text' },
    ]);
    assert.deepEqual(config.classifier, {
      builtInRules: true,
      rules: [],
      complexityRules: [],
      defaultRoute: 'default',
      minScore: 1,
      minProbability: 0.3,
    });
    assert.deepEqual(config.resilience, {
      maxAttemptsPerModel: 3,
      initialRetryMs: 1000,
      maxRetryMs: 30_000,
      outageWaitMs: 900_000,
      heartbeatTimeoutMs: 10_000,
    });
    assert.equal(config.baselineModel, undefined);
  });

  it('accepts an openai-compatible provider with a baseURL', () => {
    const config = makeConfig((c) => {
      c.providers.local = { type: 'openai-compatible', baseURL: 'http://localhost:11434/v1' };
      c.models.llama = { provider: 'local', model: 'llama3', pricing: { inputPerMTok: 0, outputPerMTok: 0 } };
    });
    assert.equal(config.providers.local!.baseURL, 'http://localhost:11434/v1');
  });

  it('accepts a small classifier model, and any model on a one-tier ladder', () => {
    assert.equal(makeConfig((c) => (c.classifier = { model: { model: 'nano' } })).classifier.model!.model, 'nano');
    assert.equal(makeConfig((c) => (c.classifier = { model: { model: 'nano' } })).classifier.model!.whenMarginBelow, 1);
    const oneTier = makeConfig((c) => {
      c.tiers = [{ name: 'only', model: 'opus' }];
      c.routes = { default: { startTier: 'only' } };
      c.classifier = { model: { model: 'opus' } };
    });
    assert.equal(oneTier.classifier.model!.model, 'opus');
  });

  it('does not modify the object it is given', () => {
    const input = configInput();
    const copy = structuredClone(input);
    parseConfig(input);
    assert.deepEqual(input, copy);
  });
});

describe('parseConfig: cross-reference errors name the path and the problem', () => {
  it('an unknown start tier', () => {
    assert.deepEqual(
      configProblems((c) => (c.routes.extraction = { startTier: 'tiny' })),
      [`routes.extraction.startTier: unknown tier "tiny" ${TIERS}`],
    );
  });

  it('an unknown maxTier or startTierByComplexity tier', () => {
    assert.deepEqual(
      configProblems(
        (c) => (c.routes.reasoning = { startTier: 'small', maxTier: 'top', startTierByComplexity: { high: 'huge' } }),
      ),
      [
        `routes.reasoning.maxTier: unknown tier "top" ${TIERS}`,
        `routes.reasoning.startTierByComplexity.high: unknown tier "huge" ${TIERS}`,
      ],
    );
  });

  it('maxTier below the start tier', () => {
    assert.deepEqual(
      configProblems((c) => (c.routes.coding = { startTier: 'frontier', maxTier: 'mid' })),
      ['routes.coding.maxTier: tier "mid" is below the start tier "frontier"'],
    );
  });

  it('an unknown model in a tier or a fallback', () => {
    assert.deepEqual(
      configProblems((c) => {
        c.tiers[0]!.model = 'haiku-3';
        c.tiers[1]!.fallbacks = ['sonnet', 'gpt-5'];
      }),
      [`tiers[0].model: unknown model "haiku-3" ${MODELS}`, `tiers[1].fallbacks[1]: unknown model "gpt-5" ${MODELS}`],
    );
  });

  it('an unknown model or tier in an agreement check', () => {
    assert.deepEqual(
      configProblems(
        (c) =>
          (c.routes.default!.checks = [
            { type: 'not_empty' },
            { type: 'agreement', models: ['nano', 'ghost'], tiers: ['middle'] },
          ]),
      ),
      [
        `routes.default.checks[1].models[1]: unknown model "ghost" ${MODELS}`,
        `routes.default.checks[1].tiers[0]: unknown tier "middle" ${TIERS}`,
      ],
    );
  });

  it('an unknown provider', () => {
    assert.deepEqual(
      configProblems((c) => (c.models.nano!.provider = 'azure')),
      ['models.nano.provider: unknown provider "azure" (providers: "anthropic", "openai")'],
    );
  });

  it('an openai-compatible provider without a baseURL', () => {
    assert.deepEqual(
      configProblems((c) => (c.providers.local = { type: 'openai-compatible' })),
      ['providers.local.baseURL: required for an openai-compatible provider'],
    );
  });

  it('an invalid regex in a check', () => {
    const problems = configProblems((c) => (c.routes.default!.checks = [{ type: 'regex', pattern: '([a-z]+' }]));
    assert.equal(problems.length, 1);
    assert.match(
      problems[0]!,
      /^routes\.default\.checks\[0\]\.pattern: invalid regular expression: .*Unterminated group/,
    );
  });

  it('an invalid regex in a classifier rule', () => {
    const problems = configProblems(
      (c) => (c.classifier = { rules: [{ taskType: 'default', patterns: ['ok', '(?<'] }] }),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^classifier\.rules\[0\]\.patterns\[1\]: invalid regular expression: /);
  });

  it('a missing default route', () => {
    assert.deepEqual(
      configProblems((c) => (c.routes = { extraction: { startTier: 'small' } })),
      ['classifier.defaultRoute: no route named "default" (routes: "extraction")'],
    );
    assert.deepEqual(
      configProblems((c) => (c.classifier = { defaultRoute: 'general' })),
      ['classifier.defaultRoute: no route named "general" (routes: "default")'],
    );
  });

  it('a classifier rule for a task type with no route, or with nothing to match', () => {
    assert.deepEqual(
      configProblems(
        (c) =>
          (c.classifier = { rules: [{ taskType: 'translation', keywords: ['translate'] }, { taskType: 'default' }] }),
      ),
      [
        'classifier.rules[0].taskType: no route named "translation" (routes: "default")',
        'classifier.rules[1]: a rule needs keywords, patterns or structure',
      ],
    );
  });

  it('a classifier model on the top tier, as its model or a fallback', () => {
    assert.deepEqual(
      configProblems((c) => (c.classifier = { model: { model: 'opus' } })),
      ['classifier.model.model: "opus" is a top-tier model; the classifier must use a small model'],
    );
    assert.deepEqual(
      configProblems((c) => {
        c.tiers[2]!.fallbacks = ['sonnet'];
        c.classifier = { model: { model: 'sonnet' } };
      }),
      ['classifier.model.model: "sonnet" is a top-tier model; the classifier must use a small model'],
    );
  });

  it('an unknown classifier or baseline model', () => {
    assert.deepEqual(
      configProblems((c) => (c.classifier = { model: { model: 'tiny-llm' } })),
      [`classifier.model.model: unknown model "tiny-llm" ${MODELS}`],
    );
    assert.deepEqual(
      configProblems((c) => (c.baselineModel = 'gpt-6')),
      [`baselineModel: unknown model "gpt-6" ${MODELS}`],
    );
  });

  it('a duplicate tier name', () => {
    assert.deepEqual(
      configProblems((c) => c.tiers.push({ name: 'mid', model: 'sonnet' })),
      ['tiers[3].name: duplicate tier "mid"'],
    );
  });

  it('a route’s own tiers out of ladder order, repeated, unknown, or leaving out a tier the route uses', () => {
    assert.deepEqual(
      configProblems((c) => (c.routes.coding = { startTier: 'small', tiers: ['frontier', 'small'] })),
      ['routes.coding.tiers: must list tiers in ladder order, each once'],
    );
    assert.deepEqual(
      configProblems((c) => (c.routes.coding = { startTier: 'small', tiers: ['small', 'small'] })),
      ['routes.coding.tiers: must list tiers in ladder order, each once'],
    );
    assert.ok(
      configProblems((c) => (c.routes.coding = { startTier: 'small', tiers: ['small', 'huge'] })).includes(
        `routes.coding.tiers[1]: unknown tier "huge" ${TIERS}`,
      ),
    );
    assert.deepEqual(
      configProblems(
        (c) =>
          (c.routes.coding = {
            startTier: 'small',
            maxTier: 'mid',
            startTierByComplexity: { high: 'mid' },
            tiers: ['small', 'frontier'],
          }),
      ),
      [
        'routes.coding.maxTier: tier "mid" is not in this route\'s tiers ("small", "frontier")',
        'routes.coding.startTierByComplexity.high: tier "mid" is not in this route\'s tiers ("small", "frontier")',
      ],
    );
  });

  it('every problem at once, not only the first', () => {
    const problems = configProblems((c) => {
      c.routes.extraction = { startTier: 'tiny' };
      c.routes.coding = { startTier: 'small', maxTier: 'huge' };
      c.tiers[2]!.model = 'gpt-6';
    });
    assert.deepEqual(problems, [
      `tiers[2].model: unknown model "gpt-6" ${MODELS}`,
      `routes.extraction.startTier: unknown tier "tiny" ${TIERS}`,
      `routes.coding.maxTier: unknown tier "huge" ${TIERS}`,
    ]);
  });
});

describe('parseConfig: shape errors', () => {
  it('rejects unknown fields, naming them and where they are', () => {
    assert.deepEqual(
      configProblems((c) => {
        setUnknownField(c, 'tier', []);
        setUnknownField(c.routes.default!, 'maxCost', 1);
        setUnknownField(c.models.haiku!.pricing, 'perToken', 1);
      }),
      [
        'models.haiku.pricing: unknown field "perToken"',
        'routes.default: unknown field "maxCost"',
        'unknown field "tier"',
      ],
    );
  });

  it('rejects an unknown check type', () => {
    const problems = configProblems((c) => (c.routes.default!.checks = [{ type: 'confidence' } as never]));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^routes\.default\.checks\[0\]\.type: /);
  });

  it('rejects regex flags other than i, m, s, u', () => {
    assert.deepEqual(
      configProblems((c) => (c.routes.default!.checks = [{ type: 'regex', pattern: 'x', flags: 'g' }])),
      ['routes.default.checks[0].flags: may hold only the flags i, m, s, u'],
    );
  });

  it('rejects an API key variable that is not an environment variable name', () => {
    assert.deepEqual(
      configProblems((c) => (c.providers.openai!.apiKeyEnv = 'sk-live-123')),
      ['providers.openai.apiKeyEnv: must be an environment variable name (A-Z, 0-9, _)'],
    );
  });

  it('rejects an empty ladder, empty providers and negative prices', () => {
    const problems = configProblems((c) => {
      c.tiers = [];
      c.models.nano!.pricing.inputPerMTok = -1;
    });
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /^models\.nano\.pricing\.inputPerMTok: .*>=0/);
    assert.match(problems[1]!, /^tiers: .*>=1 items/);
    // With no tiers, every route's start tier is unknown too.
    assert.equal(problems[2], 'routes.default.startTier: unknown tier "small" (tiers: )');
    assert.deepEqual(configProblems((c) => (c.providers = {}))[0], 'providers: at least one provider is required');
  });

  it('rejects a route name that is not a task type name', () => {
    const problems = configProblems((c) => (c.routes.Extraction = { startTier: 'small' }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^routes\.Extraction: /);
  });

  it('rejects a non-object config', () => {
    assert.throws(() => parseConfig(null), ConfigError);
    assert.throws(() => parseConfig('providers: {}'), ConfigError);
  });
});

describe('ConfigError', () => {
  it('lists every problem in its message, under the source’s name', () => {
    const input = configInput();
    input.routes.extraction = { startTier: 'tiny' };
    try {
      parseConfig(input, 'configs/prod.yaml');
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.name, 'ConfigError');
      assert.equal(error.source, 'configs/prod.yaml');
      assert.deepEqual(error.problems, [`routes.extraction.startTier: unknown tier "tiny" ${TIERS}`]);
      assert.equal(
        error.message,
        `invalid configs/prod.yaml:\n  - routes.extraction.startTier: unknown tier "tiny" ${TIERS}`,
      );
    }
  });

  it('says "config" when no source is given', () => {
    assert.equal(new ConfigError(['a: b', 'c: d']).message, 'invalid config:\n  - a: b\n  - c: d');
  });
});

describe('baselineModelId', () => {
  it('is the top tier’s model unless the config names one', () => {
    assert.equal(baselineModelId(makeConfig()), 'opus');
    assert.equal(baselineModelId(makeConfig((c) => (c.baselineModel = 'sonnet'))), 'sonnet');
  });
});
