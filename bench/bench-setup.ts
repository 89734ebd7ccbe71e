import { parseConfig, type CascadeConfig } from '../core/config';
import { type CascadeRequest } from '../core/request';
import { type SimulatorScriptInput } from '../simulator';
import { type CallModelInput } from '../workflows/definitions';

/** The two cascade shapes the benchmark times. */
export const SHAPES = ['1-step', '3-step'] as const;
export type Shape = (typeof SHAPES)[number];

/** Model calls each shape makes. */
export const CALLS_PER_CASCADE: Record<Shape, number> = { '1-step': 1, '3-step': 3 };

/** The bare twin's workflow type (bench/bench-workflows.ts): `steps` no-op activities and nothing else. */
export const BARE_WORKFLOW_TYPE = 'bareSteps';

/** The calls twin's (bench/bench-workflows.ts): `steps` model calls through `callModel` and nothing else. */
export const BARE_CALLS_WORKFLOW_TYPE = 'bareModelCalls';

/** The no-op activity the bench worker registers beside the cascade's activities, for the bare twin. */
export interface BareActivities {
  benchNoop(input: string): Promise<string>;
}

/** Marks a 3-step prompt: the simulated small model fails it, so the cascade climbs the ladder. */
const THREE_STEP_MARK = '[climb]';

/**
 * Three tiers on the simulated OpenAI server. Both routes check that the answer starts with "OK":
 * the 1-step route is accepted at once; on the 3-step route the small and mid models answer "no",
 * fail the check and escalate, and the frontier model's "OK" is accepted.
 */
export function benchConfig(taskQueue: string): CascadeConfig {
  const model = (name: string, price: number) => ({
    provider: 'sim',
    model: name,
    pricing: { inputPerMTok: price, outputPerMTok: price * 4 },
    timeoutMs: 30_000,
    maxOutputTokens: 256,
  });
  const checks = [{ type: 'not_empty' as const }, { type: 'regex' as const, name: 'says_ok', pattern: '^OK' }];
  return parseConfig(
    {
      taskQueue,
      providers: { sim: { type: 'openai' } },
      models: { small: model('bench-small', 0.1), mid: model('bench-mid', 1), frontier: model('bench-frontier', 10) },
      tiers: [
        { name: 'small', model: 'small' },
        { name: 'mid', model: 'mid' },
        { name: 'frontier', model: 'frontier' },
      ],
      routes: {
        one_step: { startTier: 'small', checks },
        three_step: { startTier: 'small', checks, feedbackOnEscalation: true },
        default: { startTier: 'small', checks },
      },
      classifier: { builtInRules: false, rules: [], defaultRoute: 'default' },
      resilience: {
        maxAttemptsPerModel: 3,
        initialRetryMs: 200,
        maxRetryMs: 2000,
        outageWaitMs: 60_000,
        heartbeatTimeoutMs: 10_000,
      },
    },
    'bench config',
  );
}

/** Zero-latency simulated models: "OK" unless a 3-step prompt reaches the small or mid model. */
export const BENCH_SCRIPT: SimulatorScriptInput = {
  strictModels: true,
  replayDatasetModels: false,
  models: {
    'bench-small': {
      rules: [{ name: 'climb', when: { promptContains: THREE_STEP_MARK }, answer: { type: 'text', text: 'no' } }],
      defaultAnswer: { type: 'text', text: 'OK, done.' },
      latency: { type: 'fixed', ms: 0 },
    },
    'bench-mid': { defaultAnswer: { type: 'text', text: 'no' }, latency: { type: 'fixed', ms: 0 } },
    'bench-frontier': { defaultAnswer: { type: 'text', text: 'OK, done.' }, latency: { type: 'fixed', ms: 0 } },
  },
};

/** The `i`-th request of a shape; the id is unique per run (it becomes the workflow id). */
export function benchRequest(shape: Shape, runId: string, i: number): CascadeRequest {
  return {
    id: `bench-${runId}-${shape}-${i}`,
    prompt: shape === '3-step' ? `${THREE_STEP_MARK} Request ${i}: reply OK.` : `Request ${i}: reply OK.`,
    taskType: shape === '3-step' ? 'three_step' : 'one_step',
  };
}

/** The calls twin's model call: the frontier model of `config` (the bench's, pointed at the simulator) answering "OK". */
export function benchCall(config: CascadeConfig, i: number): CallModelInput {
  const model = config.models.frontier!;
  return {
    model: 'frontier',
    provider: model.provider,
    providerModel: model.model,
    timeoutMs: model.timeoutMs,
    maxOutputTokens: model.maxOutputTokens,
    jsonMode: model.jsonMode,
    prompt: { messages: [{ role: 'user', content: `Request ${i}: reply OK.` }] },
  };
}
