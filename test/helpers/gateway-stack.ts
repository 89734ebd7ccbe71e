/**
 * The drop-in gateway tests' stack: the simulated providers scripted to truncate, exhaust and call
 * tools (valid or schema-invalid, per model), the example config plus a route whose models are all
 * OpenAI's (so every generation parameter can be honoured), a worker, and the HTTP API with a short
 * SSE keep-alive interval.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { type ChatCascadeExtension } from '../../api/chat-completion-schemas';
import { type SimulatorScriptInput } from '../../simulator';
import { startSimulatedCascade, startTestApi, type SimulatedCascade, type TestApi } from './simulated-cascade';
import { type TestTemporal } from './temporal';

/** A tool whose arguments the tool_call check validates. */
export const WEATHER_TOOL_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
  required: ['city'],
  additionalProperties: false,
};

/** `WEATHER_TOOL_SCHEMA` as the openai client offers it. */
export const OPENAI_WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_TOOL_SCHEMA },
};

/** `WEATHER_TOOL_SCHEMA` as the Anthropic client offers it. */
export const ANTHROPIC_WEATHER_TOOL: Anthropic.Messages.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: WEATHER_TOOL_SCHEMA as Anthropic.Messages.Tool.InputSchema,
};

/** The `cascade` record a drop-in answer (completion, message or chunk) carries beside the provider's fields. */
export function cascadeExtension(answer: unknown): ChatCascadeExtension {
  return (answer as { cascade: ChatCascadeExtension }).cascade;
}

/** The keep-alive interval the test API uses. */
export const TEST_KEEPALIVE_MS = 200;

const longAnswer = (name: string, when: Record<string, unknown>) => ({
  name,
  when,
  answer: { type: 'text' as const, text: 'This answer goes on and on and does not stop. ', repeat: 40 },
});
const afterToolResult = {
  name: 'after tool result',
  when: { toolResultGiven: true },
  answer: { type: 'text' as const, text: 'It is 12 degrees and cloudy in Paris.' },
};
const validToolCall = {
  name: 'valid tool call',
  when: { toolsOffered: true },
  answer: { type: 'tool_call' as const, arguments: 'valid' as const },
};

/**
 * The small tier's model truncates `LONG` prompts, calls tools with schema-invalid arguments on
 * `BADTOOL` prompts; the mid tier's model calls them with arguments that are not JSON on
 * `BROKENTOOL` prompts; every model writes past any output limit on `EXHAUST` prompts.
 */
export const GATEWAY_SCRIPT: SimulatorScriptInput = {
  models: {
    'claude-haiku-4-5': {
      rules: [
        longAnswer('exhaust', { promptContains: 'EXHAUST' }),
        longAnswer('long', { promptContains: 'LONG' }),
        afterToolResult,
        {
          name: 'schema-invalid tool call',
          when: { toolsOffered: true, promptContains: 'BADTOOL' },
          answer: { type: 'tool_call', arguments: 'schema_violation' },
        },
        validToolCall,
      ],
      defaultAnswer: { type: 'text', text: 'Simulated answer from {{model}}.' },
    },
    'gpt-4.1-mini': {
      rules: [
        longAnswer('exhaust', { promptContains: 'EXHAUST' }),
        {
          name: 'tool call that is not JSON',
          when: { toolsOffered: true, promptContains: 'BROKENTOOL' },
          answer: { type: 'tool_call', arguments: 'invalid_json' },
        },
        afterToolResult,
        validToolCall,
      ],
      defaultAnswer: { type: 'text', text: 'Simulated answer from {{model}}.' },
    },
  },
  otherModels: {
    rules: [
      longAnswer('exhaust', { promptContains: 'EXHAUST' }),
      afterToolResult,
      validToolCall,
      { name: 'json requested', when: { jsonRequested: true }, answer: { type: 'schema_json' } },
    ],
    defaultAnswer: { type: 'text', text: 'Simulated answer from {{model}}.' },
  },
};

/** The route whose every reachable model is an OpenAI one: gpt-4.1-mini, falling back to gpt-4.1-nano. */
export const OPENAI_ROUTE = 'openai_only';

/** A route with `bestEffort: true`. */
export const LENIENT_ROUTE = 'lenient';

export interface GatewayStack {
  stack: SimulatedCascade;
  api: TestApi;
  close(): Promise<void>;
}

export async function startGatewayStack(temporal: TestTemporal, label: string): Promise<GatewayStack> {
  const stack = await startSimulatedCascade(temporal, label, { script: GATEWAY_SCRIPT, worker: false });
  const { config } = stack;
  // The worker and the API share this object: changed before either starts.
  config.tiers = config.tiers.map((tier) => (tier.name === 'mid' ? { ...tier, fallbacks: ['gpt-4.1-nano'] } : tier));
  config.routes[OPENAI_ROUTE] = {
    startTier: 'mid',
    maxTier: 'mid',
    cascade: true,
    checks: [{ type: 'not_empty' }, { type: 'not_refusal' }],
    feedbackOnEscalation: true,
  };
  // question_answering, but answers best-effort when no answer passes its checks.
  config.routes[LENIENT_ROUTE] = { ...config.routes.question_answering!, bestEffort: true };
  // Long enough to wait out the keep-alive test's outage.
  config.resilience = { ...config.resilience, outageWaitMs: 10_000 };
  await stack.startWorker();
  const api = await startTestApi(temporal, config, { limits: { keepAliveMs: TEST_KEEPALIVE_MS } });
  return {
    stack,
    api,
    async close() {
      await api.close();
      await stack.stop();
    },
  };
}
