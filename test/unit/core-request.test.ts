import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { lastUserText, parseRequest, RequestValidationError, requestMessages } from '../../core/request';
import { formatIssues, formatPath } from '../../core/format-issues';

/** The problems `parseRequest` reports; fails the test if the request parses. */
function problems(value: unknown): string[] {
  try {
    parseRequest(value);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the request to be rejected, but it parsed');
}

const ID_PROBLEM = 'id: must be 1-200 characters: letters, digits and . _ : / @ -, starting with a letter or digit';

describe('parseRequest: valid requests', () => {
  it('accepts a prompt alone', () => {
    assert.deepEqual(parseRequest({ prompt: 'What is the capital of France?' }), {
      prompt: 'What is the capital of France?',
    });
  });

  it('accepts every field', () => {
    const request = {
      id: 'invoice-2024/05:A-1043@acme.example_v1',
      messages: [
        { role: 'user', content: 'Here is an invoice.' },
        { role: 'assistant', content: 'What do you need from it?' },
        { role: 'user', content: 'The total and the due date, as JSON.' },
      ],
      system: 'You extract data from invoices.',
      taskType: 'extraction',
      schema: { type: 'object', required: ['total'] },
      groundTruth: { total: 1280, paid: false, due_date: '2024-05-15', discount: null },
      maxCostUsd: 0.05,
      metadata: { tenant: 'acme', priority: 2, test: true },
    };
    assert.deepEqual(parseRequest(request), request);
  });

  it('accepts a boolean schema and custom task types', () => {
    assert.equal(parseRequest({ prompt: 'x', schema: true }).schema, true);
    assert.equal(parseRequest({ prompt: 'x', taskType: 'sql-generation_v2' }).taskType, 'sql-generation_v2');
  });

  it('accepts ids of 1 and 200 characters', () => {
    assert.equal(parseRequest({ id: '7', prompt: 'x' }).id, '7');
    assert.equal(parseRequest({ id: 'a'.repeat(200), prompt: 'x' }).id, 'a'.repeat(200));
  });

  it('accepts budgets up to 1000 USD', () => {
    assert.equal(parseRequest({ prompt: 'x', maxCostUsd: 1000 }).maxCostUsd, 1000);
    assert.equal(parseRequest({ prompt: 'x', maxCostUsd: 0.000001 }).maxCostUsd, 0.000001);
  });
});

describe('parseRequest: prompt and messages', () => {
  it('needs one of prompt and messages', () => {
    assert.deepEqual(problems({}), ['prompt: either prompt or messages is required']);
    assert.deepEqual(problems({ system: 'You are terse.' }), ['prompt: either prompt or messages is required']);
  });

  it('refuses both', () => {
    assert.deepEqual(problems({ prompt: 'hi', messages: [{ role: 'user', content: 'hi' }] }), [
      'messages: give either prompt or messages, not both',
    ]);
  });

  it('refuses an empty prompt, empty messages and an empty message', () => {
    assert.deepEqual(problems({ prompt: '' }), ['prompt: must not be empty']);
    assert.deepEqual(problems({ messages: [] }), ['messages: must hold at least one message']);
    assert.deepEqual(problems({ messages: [{ role: 'user', content: '' }] }), [
      'messages[0].content: must not be empty',
    ]);
  });

  it('needs the last message to be from the user', () => {
    assert.deepEqual(
      problems({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      }),
      ['messages[1].role: the last message must be from the user (or a tool result)'],
    );
  });

  it('refuses a role other than user or assistant', () => {
    const found = problems({
      messages: [
        { role: 'system', content: 'be terse' },
        { role: 'user', content: 'hi' },
      ],
    });
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^messages\[0\]\.role: .*"user".*"assistant"/);
  });

  it('refuses unknown fields in a message', () => {
    assert.deepEqual(problems({ messages: [{ role: 'user', content: 'hi', name: 'bob' }] }), [
      'messages[0]: unknown field "name"',
    ]);
  });
});

describe('parseRequest: other fields', () => {
  it('checks the id pattern', () => {
    for (const id of ['', '-leading-dash', '.hidden', 'has space', 'semi;colon', 'a'.repeat(201), 'ünïcode']) {
      assert.deepEqual(problems({ id, prompt: 'x' }), [ID_PROBLEM], JSON.stringify(id));
    }
  });

  it('refuses a zero, negative or huge budget', () => {
    assert.deepEqual(problems({ prompt: 'x', maxCostUsd: 0 }), ['maxCostUsd: must be greater than 0']);
    assert.deepEqual(problems({ prompt: 'x', maxCostUsd: -0.5 }), ['maxCostUsd: must be greater than 0']);
    assert.deepEqual(problems({ prompt: 'x', maxCostUsd: 1000.01 }), ['maxCostUsd: must be at most 1000']);
  });

  it('refuses a task type that is not a route name', () => {
    for (const taskType of ['Extraction', '1st', 'two words', '']) {
      assert.deepEqual(
        problems({ prompt: 'x', taskType }),
        ['taskType: must be a route name: lowercase letters, digits, _ or -'],
        taskType,
      );
    }
  });

  it('refuses unknown fields, naming them', () => {
    assert.deepEqual(problems({ prompt: 'x', engine: 'gpt-5' }), ['unknown field "engine"']);
    assert.deepEqual(problems({ prompt: 'x', engine: 'gpt-5', temperature: 0 }), [
      'unknown fields "engine", "temperature"',
    ]);
  });

  it('refuses ground truth that is not a flat map of scalars', () => {
    assert.deepEqual(
      problems({ prompt: 'x', groundTruth: { total: 1280, items: [1, 2] } }).map((p) => p.split(':')[0]),
      ['groundTruth.items'],
    );
    assert.deepEqual(
      problems({ prompt: 'x', groundTruth: { nested: { a: 1 } } }).map((p) => p.split(':')[0]),
      ['groundTruth.nested'],
    );
  });

  it('refuses a schema that is neither an object nor a boolean', () => {
    assert.deepEqual(
      problems({ prompt: 'x', schema: '{"type":"object"}' }).map((p) => p.split(':')[0]),
      ['schema'],
    );
  });

  it('reports every problem at once', () => {
    assert.deepEqual(problems({ id: ' bad', prompt: '', maxCostUsd: -1, extra: 1 }), [
      ID_PROBLEM,
      'prompt: must not be empty',
      'maxCostUsd: must be greater than 0',
      'unknown field "extra"',
    ]);
  });

  it('refuses a non-object request', () => {
    assert.throws(() => parseRequest('What is 2 + 2?'), RequestValidationError);
    assert.throws(() => parseRequest(null), RequestValidationError);
  });
});

describe('RequestValidationError', () => {
  it('joins its problems into its message', () => {
    const error = new RequestValidationError(['prompt: must not be empty', 'maxCostUsd: must be greater than 0']);
    assert.equal(error.name, 'RequestValidationError');
    assert.equal(error.message, 'invalid request: prompt: must not be empty; maxCostUsd: must be greater than 0');
    assert.ok(error instanceof Error);
  });
});

describe('requestMessages and lastUserText', () => {
  it('turns a prompt into one user message', () => {
    assert.deepEqual(requestMessages({ prompt: 'hi' }), [{ role: 'user', content: 'hi' }]);
    assert.equal(lastUserText({ prompt: 'hi' }), 'hi');
  });

  it('returns messages as given, and the last user turn', () => {
    const messages = [
      { role: 'user' as const, content: 'first' },
      { role: 'assistant' as const, content: 'reply' },
      { role: 'user' as const, content: 'second' },
    ];
    assert.equal(requestMessages({ messages }), messages);
    assert.equal(lastUserText({ messages }), 'second');
    assert.equal(
      lastUserText({
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
      }),
      'q',
    );
    assert.equal(lastUserText({ messages: [{ role: 'assistant', content: 'a' }] }), '');
  });
});

describe('formatPath', () => {
  it('joins keys with dots and puts indices in brackets', () => {
    assert.equal(
      formatPath(['routes', 'extraction', 'checks', 1, 'models', 0]),
      'routes.extraction.checks[1].models[0]',
    );
    assert.equal(formatPath(['messages', 0, 'role']), 'messages[0].role');
    assert.equal(formatPath([0, 'a']), '[0].a');
    assert.equal(formatPath([]), '');
  });
});

describe('formatIssues', () => {
  const Shape = z.strictObject({ name: z.string().min(1, 'must not be empty'), tags: z.array(z.string()) });

  it('gives one line per issue, naming its field', () => {
    const result = Shape.safeParse({ name: '', tags: ['a', 3], x: 1, y: 2 });
    assert.equal(result.success, false);
    const lines = formatIssues(result.error!.issues);
    assert.equal(lines.length, 3);
    assert.equal(lines[0], 'name: must not be empty');
    assert.match(lines[1]!, /^tags\[1\]: .*string/);
    assert.equal(lines[2], 'unknown fields "x", "y"');
  });

  it('puts a prefix before every path', () => {
    const result = Shape.safeParse({ name: '', tags: [], x: 1 });
    assert.deepEqual(formatIssues(result.error!.issues, 'body'), [
      'body.name: must not be empty',
      'body: unknown field "x"',
    ]);
  });
});
