/**
 * What a drop-in request's `model` may name (`api/gateway-models.ts`): `cascade`, `cascade/<route>`
 * and the exposed config models, and the same refusal for a configured model that is not exposed
 * as for one the config lacks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../api/api-error';
import { gatewayModels, modelTarget, type ModelScope } from '../../api/gateway-models';
import { makeConfig } from '../helpers/core-config';

const config = makeConfig((c) => {
  c.routes.coding = { startTier: 'mid' };
});
const exposed: ModelScope = { config, exposedModels: ['nano', 'opus'] };
const closed: ModelScope = { config, exposedModels: [] };

function refusal(model: string, scope: ModelScope): ApiError {
  try {
    modelTarget(model, scope);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail(`expected "${model}" to be refused`);
}

describe('gatewayModels', () => {
  it('lists cascade, each route, then each exposed model with its provider', () => {
    assert.deepEqual(
      gatewayModels(exposed).map((m) => [m.id, m.ownedBy]),
      [
        ['cascade', 'llm-cascade'],
        ['cascade/default', 'llm-cascade'],
        ['cascade/coding', 'llm-cascade'],
        ['nano', 'openai'],
        ['opus', 'anthropic'],
      ],
    );
    assert.deepEqual(
      gatewayModels(closed).map((m) => m.id),
      ['cascade', 'cascade/default', 'cascade/coding'],
    );
  });
});

describe('modelTarget', () => {
  it('maps cascade to the classifier, cascade/<route> to the route, an exposed model to itself', () => {
    assert.deepEqual(modelTarget('cascade', exposed), {});
    assert.deepEqual(modelTarget('cascade/coding', exposed), { taskType: 'coding' });
    assert.deepEqual(modelTarget('opus', exposed), { model: 'opus' });
  });

  it('refuses a configured model that is not exposed in the words it uses for an unknown one', () => {
    const notExposed = refusal('mini', exposed);
    const unknown = refusal('gpt-9', exposed);
    for (const error of [notExposed, unknown]) {
      assert.equal(error.status, 400);
      assert.equal(error.param, 'model');
      assert.equal(error.code, 'model_not_found');
    }
    assert.equal(notExposed.message.replace('"mini"', '"gpt-9"'), unknown.message);
    assert.match(unknown.message, /, or a model: "nano", "opus"$/);
    // With nothing exposed, even the tier models are unknown, and none is offered.
    assert.doesNotMatch(refusal('opus', closed).message, /or a model/);
  });

  it('refuses an unknown route, and a name that is only an inherited property', () => {
    assert.match(refusal('cascade/poetry', exposed).message, /^model: unknown route "poetry" in "cascade\/poetry"/);
    assert.equal(refusal('cascade/constructor', exposed).param, 'model');
  });
});
