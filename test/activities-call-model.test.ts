/**
 * The `callModel` activity on its own (the SDK's mock activity environment, no Temporal server):
 * its whole-call deadline, which the SDKs' own timeouts do not give once the headers have arrived.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createCallModel } from '../activities/call-model';
import { ProviderErrorType } from '../core/provider-errors';
import { createProviderRegistry } from '../providers/provider-registry';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { parseConfig, type CascadeConfig } from '../core/config';
import { type CallModelInput } from '../workflows/definitions';

describe('callModel activity', () => {
  let simulator: SimulatorHandle;
  let config: CascadeConfig;
  before(async () => {
    simulator = await startSimulator();
    config = pointConfigAtSimulator(
      parseConfig({
        providers: { openai: { type: 'openai' }, anthropic: { type: 'anthropic' } },
        models: {
          small: { provider: 'openai', model: 'gpt-4.1-nano', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 } },
          claude: { provider: 'anthropic', model: 'claude-haiku-4-5', pricing: { inputPerMTok: 1, outputPerMTok: 5 } },
        },
        tiers: [{ name: 'small', model: 'small' }],
        routes: { default: { startTier: 'small' } },
      }),
      simulator,
    );
  });
  after(async () => {
    await simulator?.stop();
  });

  const input = (model: 'small' | 'claude', timeoutMs: number): CallModelInput => ({
    model,
    provider: config.models[model]!.provider,
    providerModel: config.models[model]!.model,
    timeoutMs,
    maxOutputTokens: 64,
    jsonMode: 'prompt',
    prompt: { messages: [{ role: 'user', content: 'Say hello.' }] },
  });

  for (const model of ['small', 'claude'] as const) {
    it(`${model}: a body that dribbles in past timeoutMs fails the call as a retryable timeout`, async () => {
      const provider = model === 'small' ? 'openai' : 'anthropic';
      simulator.faults.add({ provider, effect: { type: 'slow_body', durationMs: 3_000, chunks: 30 }, times: 1 });
      const callModel = createCallModel(createProviderRegistry(config, simulatorEnv()));
      const started = Date.now();
      const error = await new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') })
        .run(callModel, input(model, 400))
        .then(
          () => assert.fail('the call should have timed out'),
          (caught: unknown) => caught,
        );
      const elapsed = Date.now() - started;
      assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, got ${String(error)}`);
      assert.equal(error.type, ProviderErrorType.timeout);
      assert.equal(error.nonRetryable, false);
      // The public message only: the provider's own words never reach the history.
      assert.equal(error.message, `${provider} call failed (timeout)`);
      assert.ok(elapsed >= 400 && elapsed < 2_500, `gave up after ${elapsed} ms, not at its 400 ms deadline`);
    });
  }
});
