import { type CascadeConfig, type ProviderConfig } from '../core/config';
import { apiKeyEnvFor, simulatorWireOf } from '../providers/provider-table';
import { demoScript } from './demo-script';
import { startSimulator, type SimulatorHandle, type StartSimulatorOptions } from './start-simulator';

/** The variable that carries the simulator's (meaningless) API key, so real keys are never involved. */
export const SIMULATOR_KEY_ENV = 'LLM_CASCADE_SIMULATOR_KEY';

/** What every result says in demo mode. */
export const DEMO_NOTICE =
  'Demo mode: these answers come from simulated providers, not real models. Set ANTHROPIC_API_KEY / OPENAI_API_KEY to use real ones.';

/**
 * Demo mode is on when every provider the config uses needs an API key and none has it set, or
 * when forced with `LLM_CASCADE_DEMO=1`; `LLM_CASCADE_DEMO=0` turns it off (a missing key is then a
 * startup error). A provider that needs no key (a local `openai-compatible` server: Ollama, vLLM,
 * llama.cpp) is configured as it stands, so a config that uses one never runs the demo unasked.
 */
export function isDemoMode(config: CascadeConfig, env: NodeJS.ProcessEnv): boolean {
  if (env.LLM_CASCADE_DEMO === '1') return true;
  if (env.LLM_CASCADE_DEMO === '0') return false;
  const used = new Set(Object.values(config.models).map((m) => m.provider));
  return [...used].every((id) => {
    const keyEnv = apiKeyEnvFor(config.providers[id]!);
    return keyEnv !== undefined && !env[keyEnv];
  });
}

/**
 * The same config with every provider pointed at the simulator server that speaks its wire format
 * (the provider table's `simulatorWire`). The engine cannot tell: it
 * talks to them through the real SDKs over HTTP, as to the real services.
 */
export function pointConfigAtSimulator(
  config: CascadeConfig,
  simulator: Pick<SimulatorHandle, 'anthropic' | 'openai'>,
  notice?: string,
): CascadeConfig {
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([id, provider]): [string, ProviderConfig] => [
      id,
      {
        ...provider,
        baseURL: simulator[simulatorWireOf(provider)].baseURL,
        apiKeyEnv: SIMULATOR_KEY_ENV,
      },
    ]),
  );
  return { ...config, providers, ...(notice ? { notice } : {}) };
}

/** The environment the provider registry reads in demo mode: only the simulator's key. */
export function simulatorEnv(): NodeJS.ProcessEnv {
  return { [SIMULATOR_KEY_ENV]: 'simulated-key' };
}

export interface DemoProviders {
  simulator: SimulatorHandle;
  config: CascadeConfig;
  env: NodeJS.ProcessEnv;
  describe(): string;
  stop(): Promise<void>;
}

/** Starts the simulated providers with the demo script and rewires the config to them. */
export async function startDemoProviders(
  config: CascadeConfig,
  options: StartSimulatorOptions = {},
): Promise<DemoProviders> {
  const simulator = await startSimulator({ script: demoScript, ...options });
  return {
    simulator,
    config: pointConfigAtSimulator(config, simulator, DEMO_NOTICE),
    env: simulatorEnv(),
    describe: () => `Anthropic at ${simulator.anthropic.url}, OpenAI at ${simulator.openai.url}`,
    stop: () => simulator.stop(),
  };
}
