import { type Worker } from '@temporalio/worker';
import { CascadeClient } from '../../client/cascade-client';
import { parseConfig, type CascadeConfig, type CascadeConfigInput } from '../../core/config';
import { pointConfigAtSimulator, simulatorEnv } from '../../simulator/demo-mode';
import { createProviderRegistry } from '../../providers/provider-registry';
import { startSimulator, type SimulatorHandle } from '../../simulator';
import { type SimulatorScriptInput } from '../../simulator/simulator-script';
import { createTestWorker, uniqueTaskQueue, type TestTemporal } from './temporal';

/** A cascade engine wired for one test: simulated providers, a worker on its own task queue, a client. */
export interface TestEngine {
  simulator: SimulatorHandle;
  config: CascadeConfig;
  client: CascadeClient;
  worker: Worker;
}

/**
 * Runs `body` with a simulator, a worker and a client, then stops them. The config's providers are
 * pointed at the simulator through their base URLs, exactly as in demo mode: the engine talks to
 * the simulator over HTTP through the real SDKs.
 */
export async function withEngine<T>(
  temporal: TestTemporal,
  options: { config: CascadeConfigInput; script: SimulatorScriptInput; label: string },
  body: (engine: TestEngine) => Promise<T>,
): Promise<T> {
  const simulator = await startSimulator({ script: options.script });
  try {
    const base = parseConfig({ ...options.config, taskQueue: uniqueTaskQueue(options.label) });
    const config = pointConfigAtSimulator(base, simulator);
    const providers = createProviderRegistry(config, simulatorEnv());
    const worker = await createTestWorker(temporal, config, providers);
    const client = new CascadeClient({ client: temporal.client, taskQueue: config.taskQueue, config });
    return await worker.runUntil(body({ simulator, config, client, worker }));
  } finally {
    await simulator.stop();
  }
}

/** A small three-tier config over both providers; tests override what they exercise. */
export function threeTierConfig(overrides: Partial<CascadeConfigInput> = {}): CascadeConfigInput {
  return {
    providers: {
      anthropic: { type: 'anthropic' },
      openai: { type: 'openai' },
    },
    models: {
      small: {
        provider: 'anthropic',
        model: 'sim-small',
        pricing: { inputPerMTok: 1, outputPerMTok: 5 },
        timeoutMs: 5000,
        maxOutputTokens: 512,
      },
      'small-backup': {
        provider: 'openai',
        model: 'sim-small-backup',
        pricing: { inputPerMTok: 0.5, outputPerMTok: 2 },
        timeoutMs: 5000,
        maxOutputTokens: 512,
      },
      partner: {
        provider: 'openai',
        model: 'sim-partner',
        pricing: { inputPerMTok: 0.5, outputPerMTok: 2 },
        timeoutMs: 5000,
        maxOutputTokens: 512,
      },
      mid: {
        provider: 'openai',
        model: 'sim-mid',
        pricing: { inputPerMTok: 3, outputPerMTok: 15 },
        timeoutMs: 5000,
        maxOutputTokens: 1024,
      },
      frontier: {
        provider: 'anthropic',
        model: 'sim-frontier',
        pricing: { inputPerMTok: 15, outputPerMTok: 75 },
        timeoutMs: 5000,
        maxOutputTokens: 1024,
      },
    },
    tiers: [
      { name: 'small', model: 'small', fallbacks: ['small-backup'] },
      { name: 'mid', model: 'mid' },
      { name: 'frontier', model: 'frontier' },
    ],
    routes: {
      extraction: {
        startTier: 'small',
        checks: [{ type: 'not_empty' }, { type: 'not_refusal' }, { type: 'json_schema' }, { type: 'ground_truth' }],
      },
      default: { startTier: 'small' },
    },
    resilience: {
      maxAttemptsPerModel: 3,
      initialRetryMs: 200,
      maxRetryMs: 2000,
      outageWaitMs: 60_000,
      heartbeatTimeoutMs: 5000,
    },
    ...overrides,
  };
}
