import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPrompt, promptText, SCHEMA_INSTRUCTION } from '../../core/prompt';
import { classificationPrompt, parseClassifierAnswer } from '../../core/classifier-prompt';
import { type CascadeRequest } from '../../core/request';
import { BUILT_IN_TASK_TYPES } from '../../core/task-types';

const ROUTE = { system: 'You extract data from business documents.', feedbackOnEscalation: true };
const NO_ROUTE_SYSTEM = { feedbackOnEscalation: true };
const SCHEMA = { type: 'object', required: ['total'], properties: { total: { type: 'number' } } };
const SCHEMA_BLOCK = `${SCHEMA_INSTRUCTION}\n\`\`\`json\n{\n  "type": "object",\n  "required": [\n    "total"\n  ],\n  "properties": {\n    "total": {\n      "type": "number"\n    }\n  }\n}\n\`\`\``;
const REASONS = [
  'json_schema: the answer is not valid JSON (Unexpected token)',
  'ground_truth: total is 1200 but the ground truth says 1280',
];
const FEEDBACK =
  'An earlier answer to this request was rejected:\n' +
  '- json_schema: the answer is not valid JSON (Unexpected token)\n' +
  '- ground_truth: total is 1200 but the ground truth says 1280\n' +
  'Avoid these problems.';

describe('buildPrompt', () => {
  it('sends a bare prompt as one user message with no system text', () => {
    const prompt = buildPrompt({ prompt: 'What is 2 + 2?' }, NO_ROUTE_SYSTEM, { jsonMode: 'prompt' });
    assert.deepEqual(prompt, { messages: [{ role: 'user', content: 'What is 2 + 2?' }] });
    assert.equal('system' in prompt, false);
  });

  it('keeps the conversation exactly as given', () => {
    const request: CascadeRequest = {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Total?' },
      ],
    };
    assert.deepEqual(buildPrompt(request, ROUTE, { jsonMode: 'prompt' }, REASONS).messages, request.messages);
  });

  it('puts the route’s system text before the request’s', () => {
    const prompt = buildPrompt({ prompt: 'x', system: 'Answer in French.' }, ROUTE, { jsonMode: 'prompt' });
    assert.equal(prompt.system, 'You extract data from business documents.\n\nAnswer in French.');
    assert.equal(
      buildPrompt({ prompt: 'x', system: 'Answer in French.' }, NO_ROUTE_SYSTEM, { jsonMode: 'prompt' }).system,
      'Answer in French.',
    );
  });

  it('adds the schema instruction with the schema when one is expected', () => {
    const prompt = buildPrompt({ prompt: 'x', system: 'Be exact.', schema: SCHEMA }, ROUTE, { jsonMode: 'prompt' });
    assert.equal(prompt.system, `You extract data from business documents.\n\nBe exact.\n\n${SCHEMA_BLOCK}`);
    assert.equal(prompt.responseFormat, undefined);
  });

  it('adds the rejected answers’ reasons last, when feedback is on', () => {
    const prompt = buildPrompt({ prompt: 'x', schema: SCHEMA }, ROUTE, { jsonMode: 'prompt' }, REASONS);
    assert.equal(prompt.system, `You extract data from business documents.\n\n${SCHEMA_BLOCK}\n\n${FEEDBACK}`);
    assert.equal(buildPrompt({ prompt: 'x' }, NO_ROUTE_SYSTEM, { jsonMode: 'prompt' }, REASONS).system, FEEDBACK);
  });

  it('gives no feedback when the route turns it off', () => {
    const prompt = buildPrompt(
      { prompt: 'x' },
      { system: 'S', feedbackOnEscalation: false },
      { jsonMode: 'prompt' },
      REASONS,
    );
    assert.equal(prompt.system, 'S');
    assert.equal(
      'system' in buildPrompt({ prompt: 'x' }, { feedbackOnEscalation: false }, { jsonMode: 'prompt' }, REASONS),
      false,
    );
  });

  it('gives no feedback without reasons', () => {
    assert.equal(buildPrompt({ prompt: 'x' }, ROUTE, { jsonMode: 'prompt' }, []).system, ROUTE.system);
    assert.equal(buildPrompt({ prompt: 'x' }, ROUTE, { jsonMode: 'prompt' }).system, ROUTE.system);
  });

  it('asks for the schema natively on json_schema models', () => {
    const prompt = buildPrompt({ prompt: 'x', schema: SCHEMA }, ROUTE, { jsonMode: 'json_schema' });
    assert.deepEqual(prompt.responseFormat, { type: 'json_schema', name: 'answer', schema: SCHEMA });
    assert.ok(prompt.system?.includes(SCHEMA_INSTRUCTION));
  });

  it('asks for any JSON object on json_object models', () => {
    assert.deepEqual(buildPrompt({ prompt: 'x', schema: SCHEMA }, ROUTE, { jsonMode: 'json_object' }).responseFormat, {
      type: 'json_object',
    });
  });

  it('sets no response format without a schema, whatever the model supports', () => {
    assert.equal('responseFormat' in buildPrompt({ prompt: 'x' }, ROUTE, { jsonMode: 'json_schema' }), false);
    assert.equal('responseFormat' in buildPrompt({ prompt: 'x' }, ROUTE, { jsonMode: 'json_object' }), false);
  });

  it('passes a boolean schema through', () => {
    assert.deepEqual(
      buildPrompt({ prompt: 'x', schema: true }, NO_ROUTE_SYSTEM, { jsonMode: 'json_schema' }).responseFormat,
      {
        type: 'json_schema',
        name: 'answer',
        schema: true,
      },
    );
  });
});

describe('promptText', () => {
  it('joins the system text and every message', () => {
    assert.equal(
      promptText({
        system: 'S',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
        ],
      }),
      'S\na\nb',
    );
    assert.equal(promptText({ messages: [{ role: 'user', content: 'a' }] }), '\na');
  });
});

describe('classificationPrompt', () => {
  it('lists the labels and quotes the last user turn', () => {
    const prompt = classificationPrompt({ prompt: 'Summarize this memo.' }, ['summarization', 'coding']);
    assert.equal(
      prompt.system,
      'You label requests sent to a language model by task type. Answer with exactly one of these labels and nothing else: summarization, coding.',
    );
    assert.deepEqual(prompt.messages, [
      { role: 'user', content: 'Request:\n<<<\nSummarize this memo.\n>>>\nTask type:' },
    ]);
  });

  it('cuts a long request to 4000 characters', () => {
    const prompt = classificationPrompt({ prompt: 'x'.repeat(5000) }, ['coding']);
    assert.equal(prompt.messages[0]!.content, `Request:\n<<<\n${'x'.repeat(4000)}\n[...]\n>>>\nTask type:`);
  });
});

describe('parseClassifierAnswer', () => {
  const types = [...BUILT_IN_TASK_TYPES, 'default'];

  const named: [string, string][] = [
    ['extraction', 'extraction'],
    ['  Coding\n', 'coding'],
    ['`summarization`', 'summarization'],
    ['"reasoning".', 'reasoning'],
    ['question_answering', 'question_answering'],
    ['question answering', 'question_answering'],
    ['Question-Answering', 'question_answering'],
    ['creative generation', 'creative_generation'],
    ["Task type: 'classification'", 'classification'],
    ['I would label this as extraction.', 'extraction'],
  ];
  for (const [text, type] of named) {
    it(`reads ${type} from ${JSON.stringify(text)}`, () => assert.equal(parseClassifierAnswer(text, types), type));
  }

  it('reads nothing when no known type or more than one is named', () => {
    assert.equal(parseClassifierAnswer('translation', types), undefined);
    assert.equal(parseClassifierAnswer('', types), undefined);
    assert.equal(parseClassifierAnswer('either reasoning or coding', types), undefined);
    assert.equal(parseClassifierAnswer('codingx', types), undefined);
  });

  it('reads custom task types with dashes', () => {
    assert.equal(parseClassifierAnswer('sql generation', ['sql-generation', 'default']), 'sql-generation');
  });
});
