/**
 * The Responses mapping (`api/responses-mapping.ts`): input items grouped into the cascade's turns
 * (an assistant's text and the function calls after it one turn), the cascade's validation problems
 * named as the Responses request's fields, and a finished cascade as a response and its stream
 * events, `incomplete` only for an answer cut at its output limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIssues } from '../../core/format-issues';
import { CascadeRequest } from '../../core/request';
import { type CascadeResult } from '../../core/result';
import { toCascadeInputFromResponses, toResponsesEvents, toResponsesResponse } from '../../api/responses-mapping';
import { ResponsesRequest } from '../../api/responses-schemas';
import { makeConfig } from '../helpers/core-config';

const scope = { config: makeConfig(), exposedModels: [] };

function mapped(body: Record<string, unknown>) {
  const request = ResponsesRequest.parse({ model: 'cascade', ...body });
  return toCascadeInputFromResponses(request, scope, undefined);
}

/** The problems the cascade's own validation finds, named as the Responses request's fields. */
function problems(body: Record<string, unknown>): string[] {
  const { request, toChatProblem } = mapped(body);
  const parsed = CascadeRequest.safeParse(request);
  assert.ok(!parsed.success, 'expected the cascade request to be invalid');
  return formatIssues(parsed.error.issues).map(toChatProblem);
}

const TOOL = { type: 'function', name: 'get_weather', parameters: { type: 'object' } };

function result(output: CascadeResult['output']): CascadeResult {
  return {
    id: 'c1',
    outcome: 'accepted',
    outcomeReason: 'passed its checks',
    classification: { taskType: 't', route: 't', complexity: 'low', source: 'given', reason: '', scores: {} },
    output,
    finalModel: 'small-model',
    finalTier: 'small',
    finalTierIndex: 0,
    escalations: 0,
    steps: [],
    costUsd: 0,
    baseline: { model: 'b', costUsd: 0 },
    savedUsd: 0,
  };
}

describe('toCascadeInputFromResponses', () => {
  it('makes one assistant turn of its text and the function calls after it, and tool turns of their outputs', () => {
    const { request } = mapped({
      instructions: 'Be brief.',
      tools: [TOOL],
      input: [
        { role: 'system', content: 'Use celsius.' },
        { role: 'user', content: 'Weather in Paris and Lyon?' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', call_id: 'a', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'b', name: 'get_weather', arguments: '{"city":"Lyon"}' },
        { type: 'function_call_output', call_id: 'a', output: '12 C' },
        { type: 'function_call_output', call_id: 'b', output: [{ type: 'input_text', text: '14 C' }] },
      ],
      text: { format: { type: 'json_object' } },
    });
    assert.equal(request.system, 'Be brief.\n\nUse celsius.');
    assert.deepEqual(request.messages, [
      { role: 'user', content: 'Weather in Paris and Lyon?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          { id: 'a', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'b', name: 'get_weather', arguments: '{"city":"Lyon"}' },
        ],
      },
      { role: 'tool', toolCallId: 'a', content: '12 C' },
      { role: 'tool', toolCallId: 'b', content: '14 C' },
    ]);
    assert.deepEqual(request.schema, { type: 'object' });
    assert.ok(CascadeRequest.safeParse(request).success);
  });

  it('starts a new assistant turn for a function call after a tool output', () => {
    const { request } = mapped({
      tools: [TOOL],
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'function_call', call_id: 'a', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'a', output: 'need a city' },
        { type: 'function_call', call_id: 'b', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      ],
    });
    assert.deepEqual(
      (request.messages as { role: string }[]).map((m) => m.role),
      ['user', 'assistant', 'tool', 'assistant'],
    );
  });

  it('names the Responses field in each problem the cascade validation finds', () => {
    assert.deepEqual(
      problems({
        tools: [TOOL],
        input: [
          { role: 'user', content: 'Weather?' },
          { type: 'function_call_output', call_id: 'nobody', output: '12 C' },
        ],
      }),
      ['input[1].call_id: no earlier assistant message made the tool call "nobody"'],
    );
    const [output] = problems({
      tools: [TOOL],
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'function_call', call_id: 'a', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'a', output: '' },
      ],
    });
    assert.match(output!, /^input\[2\]\.output: /);
    assert.match(problems({ input: 'hi', tool_choice: 'required' })[0]!, /^tool_choice: /);
  });

  it('refuses input with no user turn besides system messages, naming input', () => {
    assert.throws(
      () => mapped({ input: [{ role: 'developer', content: 'Be brief.' }] }),
      /input: must hold at least one user message/,
    );
  });
});

describe('toResponsesResponse and toResponsesEvents', () => {
  const request = ResponsesRequest.parse({ model: 'cascade', input: 'hi', tools: [TOOL] });

  it('answers text as one message, tool calls as function_call items, and numbers the events from 0', () => {
    const response = toResponsesResponse({
      result: result({ text: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] }),
      request,
      createdAtMs: 2_000,
    });
    assert.equal(response.status, 'completed');
    assert.equal(response.created_at, 2);
    assert.deepEqual(response.output, [
      {
        type: 'function_call',
        id: 'fc_call_1',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Oslo"}',
        status: 'completed',
      },
    ]);
    const events = toResponsesEvents(response);
    assert.deepEqual(
      events.map((e) => e.sequence_number),
      events.map((_, i) => i),
    );
    assert.deepEqual(events[3], {
      type: 'response.function_call_arguments.delta',
      sequence_number: 3,
      item_id: 'fc_call_1',
      output_index: 0,
      delta: '{"city":"Oslo"}',
    });
  });

  it('marks an answer cut at its output limit incomplete, in the response and as its last event', () => {
    const response = toResponsesResponse({
      result: result({ text: 'It goes on and', finishReason: 'length' }),
      request,
      createdAtMs: 0,
      bestEffort: true,
    });
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(response.output[0]!.status, 'incomplete');
    assert.equal(response.cascade?.bestEffort, true);
    const events = toResponsesEvents(response);
    assert.equal(events.at(-1)!.type, 'response.incomplete');
    assert.equal((events[0]!.response as { status: string }).status, 'in_progress');
  });
});
