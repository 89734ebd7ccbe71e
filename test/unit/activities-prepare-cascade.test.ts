/**
 * `prepareCascade`, the slim cascade's one local activity, called as a plain function: the
 * classification the worker makes (given task type, rules, learned model, or the rules' answer when
 * the learned model cannot be read), the whole config's hash, and the part of the config recorded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { classifyByRules } from '../../core/cascade-plan';
import { type CascadeConfig, type CascadeConfigInput } from '../../core/config';
import { configForRoute } from '../../core/config-for-route';
import { configHash } from '../../core/config-hash';
import { parseRequest } from '../../core/request';
import { type ProviderRegistry } from '../../providers/provider-registry';
import { makeConfig } from '../helpers/core-config';

const noProviders: ProviderRegistry = {
  providerIds: [],
  languageModel() {
    throw new Error('prepareCascade calls no model');
  },
};

function prepare(config: CascadeConfig) {
  return createActivities({ providers: noProviders, config, batchSources: { directories: [], urlPrefixes: [] } })
    .prepareCascade;
}

describe('prepareCascade', () => {
  const routes = (c: CascadeConfigInput) => {
    c.routes = { default: { startTier: 'small' }, coding: { startTier: 'mid' } };
  };

  it("records a given task type, the whole config's hash and the route's part of the config", async () => {
    const config = makeConfig(routes);
    const request = parseRequest({ prompt: 'Write a function.', taskType: 'coding' });
    const prepared = await prepare(config)({ request });
    assert.deepEqual(prepared.classification, classifyByRules(request, config));
    assert.equal(prepared.classification.classification.route, 'coding');
    assert.equal(prepared.configHash, configHash(config));
    assert.deepEqual(prepared.config, configForRoute(config, 'coding'));
    assert.deepEqual(Object.keys(prepared.config.routes), ['coding']);
  });

  it('records the whole config while a small-model classifier may still change the route', async () => {
    const config = makeConfig((c) => {
      routes(c);
      // Rules only, and a margin no answer reaches: the small model is always asked.
      c.classifier = { learnedModel: false, model: { model: 'nano', whenMarginBelow: 1_000 } };
    });
    const prepared = await prepare(config)({ request: parseRequest({ prompt: 'Hello there.' }) });
    assert.notEqual(prepared.classification.classification.source, 'given');
    assert.equal(prepared.config, config);
  });

  it("falls back to the rules' answer, saying why, when the learned model cannot be read", async () => {
    const config = makeConfig((c) => {
      routes(c);
      c.classifier = { learnedModel: '/nonexistent/llm-cascade-test-model.json' };
    });
    const request = parseRequest({ prompt: 'Hello there.' });
    const prepared = await prepare(config)({ request });
    const rules = classifyByRules(request, config).classification;
    assert.equal(prepared.classification.classification.route, rules.route);
    assert.match(prepared.classification.classification.reason, /; learned classifier failed \(.+\)$/);
    assert.ok(prepared.classification.classification.reason.startsWith(rules.reason));
  });
});
