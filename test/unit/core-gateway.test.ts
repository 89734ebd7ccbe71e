/**
 * The drop-in gateway's engine pieces, without Temporal: generation parameters (validated, refused
 * where a reachable model cannot honour them, capped at each model's limit), the `complete` and
 * `tool_call` checks, and the cascade escalating on a truncated answer or a schema-invalid tool call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyByRules, reachableModels } from '../../core/cascade-plan';
import { assembleResult, newDecisionRecord, runCascadeDecisions } from '../../core/cascade-run';
import { runAnswerCheck } from '../../core/checks';
import { buildPrompt } from '../../core/prompt';
import { parseRequest, RequestValidationError, type ToolDefinition } from '../../core/request';
import { validateRequest } from '../../client/validate-request';
import { generateRequest } from '../../providers/language-model';
import { requestParamProblems } from '../../providers/provider-table';
import { makeConfig } from '../helpers/core-config';
import { answer, scriptedEffects, type Scripted } from '../helpers/scripted-effects';

const WEATHER: ToolDefinition = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
    required: ['city'],
    additionalProperties: false,
  },
};

function problemsOf(input: unknown, config = makeConfig()): string[] {
  try {
    validateRequest(input, config);
    return [];
  } catch (error) {
    if (error instanceof RequestValidationError) return error.problems;
    throw error;
  }
}

describe('generation parameters', () => {
  it('validates each parameter, naming it', () => {
    assert.deepEqual(problemsOf({ prompt: 'hi', params: { maxTokens: 0, topP: 2, stop: ['a', 'b', 'c', 'd', 'e'] } }), [
      'params.maxTokens: must be greater than 0',
      'params.topP: must be at most 1',
      'params.stop: must hold at most 4 sequences',
    ]);
    assert.deepEqual(problemsOf({ prompt: 'hi', params: { logitBias: {} } }), ['params: unknown field "logitBias"']);
  });

  it('refuses a parameter a model the route may reach cannot honour, naming the parameter and the model', () => {
    // The default route climbs haiku (anthropic) -> mini -> opus: no seed on Anthropic.
    const problems = problemsOf({ prompt: 'hi', taskType: 'default', params: { seed: 7, frequencyPenalty: 0.5 } });
    assert.equal(problems.length, 2);
    assert.match(
      problems[0]!,
      /^params\.seed: not honoured by haiku, which route default may call: .*no such parameter/,
    );
    assert.match(problems[1]!, /^params\.frequencyPenalty: /);
    assert.match(problemsOf({ prompt: 'hi', params: { temperature: 1.5 } })[0]!, /^params\.temperature: .*at most 1/);
    assert.match(problemsOf({ prompt: 'hi', params: { temperature: 0.5, topP: 0.9 } })[0]!, /^params\.topP: /);
  });

  it('honours every parameter on a route whose models are all OpenAI', () => {
    const config = makeConfig((c) => {
      c.routes.openai = { startTier: 'mid', maxTier: 'mid', tiers: ['mid'] };
      c.tiers[1] = { name: 'mid', model: 'mini', fallbacks: ['nano'] };
    });
    assert.deepEqual(reachableModels(config, 'openai').sort(), ['mini', 'nano']);
    const params = { seed: 7, frequencyPenalty: 0.5, presencePenalty: -1, temperature: 1.5 };
    assert.deepEqual(requestParamProblems({ taskType: 'openai', params }, config), []);
    // Left to the classifier, the request may take any route, the default one with Anthropic models too.
    assert.equal(requestParamProblems({ params }, config).length, 4);
  });

  it('reaches every model call with maxTokens capped at the model limit', () => {
    const request = parseRequest({
      prompt: 'hi',
      params: { maxTokens: 5000, temperature: 0.3, topP: 0.5, stop: ['END'], seed: 1 },
    });
    const prompt = buildPrompt(request, { feedbackOnEscalation: true }, { jsonMode: 'prompt' });
    const capped = generateRequest(prompt, { maxOutputTokens: 1000, timeoutMs: 1, temperature: 1 });
    assert.equal(capped.maxOutputTokens, 1000);
    assert.equal(capped.temperature, 0.3, "the request's temperature wins over the model's");
    assert.deepEqual([capped.topP, capped.stop, capped.seed], [0.5, ['END'], 1]);
    const under = parseRequest({ prompt: 'hi', params: { maxTokens: 20 } });
    const small = generateRequest(buildPrompt(under, { feedbackOnEscalation: true }, { jsonMode: 'prompt' }), {
      maxOutputTokens: 1000,
      timeoutMs: 1,
    });
    assert.equal(small.maxOutputTokens, 20);
    assert.equal(small.temperature, undefined);
  });
});

describe('complete check', () => {
  it('fails an answer cut off at the output limit', () => {
    assert.equal(
      runAnswerCheck({ type: 'complete', enabled: true }, { text: 'The answer is', finishReason: 'length' }).status,
      'fail',
    );
    assert.equal(
      runAnswerCheck({ type: 'complete', enabled: true }, { text: 'Done.', finishReason: 'stop' }).status,
      'pass',
    );
    assert.equal(
      runAnswerCheck({ type: 'complete', enabled: false }, { text: 'cut', finishReason: 'length' }).status,
      'skip',
    );
  });
});

describe('tool_call check', () => {
  const check = (toolCalls: { name: string; arguments: string }[], extra: Record<string, unknown> = {}) =>
    runAnswerCheck(
      { type: 'tool_call' },
      {
        text: '',
        tools: [WEATHER],
        toolCalls: toolCalls.map((c, i) => ({ id: `call_${i}`, ...c })),
        ...extra,
      },
    );

  it('passes a call valid against its tool schema', () => {
    assert.equal(check([{ name: 'get_weather', arguments: '{"city":"Paris"}' }]).status, 'pass');
  });

  it('fails an unknown tool, arguments that are not JSON, and arguments against the schema, saying which', () => {
    assert.match(check([{ name: 'get_time', arguments: '{}' }]).reason, /"get_time", which is not a tool/);
    assert.match(check([{ name: 'get_weather', arguments: '{"city":' }]).reason, /arguments are not valid JSON/);
    const invalid = check([{ name: 'get_weather', arguments: '{"city":3,"unit":"k"}' }]);
    assert.equal(invalid.status, 'fail');
    assert.match(invalid.reason, /get_weather: arguments violate its schema: .*city/);
  });

  it('fails a disobeyed tool_choice or parallel_tool_calls', () => {
    assert.match(check([], { toolChoice: 'required' }).reason, /"required" but the answer calls no tool/);
    assert.match(check([{ name: 'get_weather', arguments: '{"city":"x"}' }], { toolChoice: 'none' }).reason, /"none"/);
    const twice = [
      { name: 'get_weather', arguments: '{"city":"a"}' },
      { name: 'get_weather', arguments: '{"city":"b"}' },
    ];
    assert.equal(check(twice).status, 'pass');
    assert.match(check(twice, { parallelToolCalls: false }).reason, /parallel_tool_calls is false/);
    assert.equal(check([]).status, 'pass', 'auto: answering in text is allowed');
  });

  it('lets an answer made of tool calls pass not_empty and skip json_schema', () => {
    const calls = [{ id: 'c', name: 'get_weather', arguments: '{"city":"x"}' }];
    assert.equal(runAnswerCheck({ type: 'not_empty' }, { text: '', toolCalls: calls }).status, 'pass');
    assert.equal(runAnswerCheck({ type: 'json_schema' }, { text: '', toolCalls: calls, schema: {} }).status, 'skip');
  });

  it('refuses tool messages that answer no earlier call, and a tool_choice naming no tool', () => {
    assert.deepEqual(
      problemsOf({
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'tool', toolCallId: 'nope', content: '12 C' },
        ],
        tools: [WEATHER],
        toolChoice: { name: 'get_time' },
      }),
      [
        'toolChoice.name: no tool named "get_time"',
        'messages[1].toolCallId: no earlier assistant message made the tool call "nope"',
      ],
    );
  });
});

async function run(script: Record<string, Scripted[]>, request: Record<string, unknown>, implicitChecks?: boolean) {
  const config = makeConfig();
  const parsed = parseRequest({ taskType: 'default', ...request });
  const effects = scriptedEffects(script, (r) => classifyByRules(r, config));
  const record = newDecisionRecord();
  const ending = await runCascadeDecisions({
    request: parsed,
    config,
    record,
    effects,
    ...(implicitChecks !== undefined ? { implicitChecks } : {}),
  });
  return { ending, record, effects, result: assembleResult('req-1', parsed, config, record, ending) };
}

describe('runCascadeDecisions: truncation and tool calls escalate', () => {
  it('escalates a truncated answer and reports the final finish reason', async () => {
    const { record, result } = await run(
      { haiku: [answer('The capital of', { finishReason: 'length' })], mini: [answer('Paris.')] },
      { prompt: 'What is the capital of France?' },
    );
    assert.equal(result.outcome, 'accepted');
    assert.equal(record.escalations, 1);
    assert.deepEqual(
      record.steps[0]!.checks.filter((c) => c.status === 'fail').map((c) => c.check),
      ['complete'],
    );
    assert.equal(record.steps[0]!.finishReason, 'length');
    // A passing implicit complete check is not listed: the route's checks read as configured.
    assert.deepEqual(
      record.steps[1]!.checks.map((c) => c.check),
      ['not_empty', 'not_refusal'],
    );
    assert.equal(result.output.finishReason, 'stop');
  });

  it('accepts a truncated answer when replaying a cascade from before the implicit checks', async () => {
    const { record } = await run(
      { haiku: [answer('The capital of', { finishReason: 'length' })] },
      { prompt: 'What is the capital of France?' },
      false,
    );
    assert.equal(record.escalations, 0);
  });

  it('escalates a schema-invalid tool call with the validation errors fed back, and returns the valid call', async () => {
    const bad = [{ id: 'a', name: 'get_weather', arguments: '{"town":"Paris"}' }];
    const good = [{ id: 'b', name: 'get_weather', arguments: '{"city":"Paris"}' }];
    const { effects, result } = await run(
      {
        haiku: [answer('', { toolCalls: bad, finishReason: 'tool_calls' })],
        mini: [answer('', { toolCalls: good, finishReason: 'tool_calls' })],
      },
      { prompt: 'Weather in Paris?', tools: [WEATHER], toolChoice: 'required' },
    );
    assert.equal(result.outcome, 'accepted');
    assert.deepEqual(result.output.toolCalls, good);
    assert.equal(result.output.finishReason, 'tool_calls');
    assert.equal(result.steps[0]!.checks.find((c) => c.check === 'tool_call')?.status, 'fail');
    assert.match(effects.calls[1]!.prompt.system ?? '', /get_weather: arguments violate its schema/);
    assert.deepEqual(effects.calls[1]!.prompt.tools, [WEATHER]);
  });
});
