import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkName,
  isRefusal,
  runAgreementCheck,
  runAnswerCheck,
  runAnswerChecks,
  type AgreementCheckConfig,
  type AnswerCheckConfig,
  type AnswerCheckContext,
} from '../../core/checks';
import { type AgreementNormalization, type CheckConfig } from '../../core/config';
import { type JsonSchemaDocument } from '../../core/request';

const NOT_EMPTY: AnswerCheckConfig = { type: 'not_empty' };
const NOT_REFUSAL: AnswerCheckConfig = { type: 'not_refusal' };
const JSON_SCHEMA: AnswerCheckConfig = { type: 'json_schema' };
const GROUND_TRUTH: AnswerCheckConfig = { type: 'ground_truth' };

const INVOICE_SCHEMA: JsonSchemaDocument = {
  type: 'object',
  required: ['invoice_number', 'total'],
  properties: {
    invoice_number: { type: 'string' },
    total: { type: 'number' },
    due_date: { type: 'string', format: 'date' },
  },
  additionalProperties: false,
};

function run(check: AnswerCheckConfig, text: string, extra: Omit<AnswerCheckContext, 'text'> = {}) {
  return runAnswerCheck(check, { text, ...extra });
}

function agreement(normalize: AgreementNormalization, models = ['nano']): AgreementCheckConfig {
  return { type: 'agreement', models, normalize };
}

describe('checkName', () => {
  it('is the check type, or a regex check’s own name', () => {
    assert.equal(checkName({ type: 'json_schema' }), 'json_schema');
    assert.equal(checkName({ type: 'regex', pattern: 'x', mustMatch: true }), 'regex');
    assert.equal(checkName({ type: 'regex', name: 'has_sql', pattern: 'SELECT', mustMatch: true }), 'has_sql');
    assert.equal(checkName({ type: 'agreement', models: ['nano'], normalize: 'text' }), 'agreement');
  });
});

describe('not_empty', () => {
  it('fails an empty or whitespace-only answer', () => {
    assert.deepEqual(run(NOT_EMPTY, ''), { check: 'not_empty', status: 'fail', reason: 'the answer is empty' });
    assert.deepEqual(run(NOT_EMPTY, '  \n\t '), { check: 'not_empty', status: 'fail', reason: 'the answer is empty' });
  });

  it('passes any visible text, counting trimmed characters', () => {
    assert.deepEqual(run(NOT_EMPTY, '  42 \n'), { check: 'not_empty', status: 'pass', reason: '2 characters' });
    assert.deepEqual(run(NOT_EMPTY, '0'), { check: 'not_empty', status: 'pass', reason: '1 characters' });
  });
});

describe('not_refusal', () => {
  const refusals = [
    "I'm sorry, but I can't help with that.",
    'I’m sorry, but I can’t help with that request.',
    'I am afraid I cannot provide that information.',
    'Sorry, I can’t do that.',
    'Unfortunately, I am unable to assist with this request.',
    'I cannot help with creating malware.',
    "I won't write that.",
    'I must decline to answer this question.',
    'As an AI language model, I cannot give medical advice.',
    'I apologize, but I cannot fulfill this request.',
    '**I’m sorry, but I can’t assist with that.**',
    '"I cannot comply with this request."',
  ];
  for (const text of refusals) {
    it(`fails the refusal ${JSON.stringify(text)}`, () => {
      assert.equal(isRefusal(text), true);
      const result = run(NOT_REFUSAL, text);
      assert.equal(result.status, 'fail');
      assert.equal(result.reason, `the answer is a refusal: "${text.trim().slice(0, 80)}"`);
    });
  }

  const answers = [
    'The total is 1,280.00 EUR.',
    "I can't believe how simple this is: the answer is 4.",
    'Sorry for the delay! Here is the summary you asked for.',
    'I can help with that. First, open the settings page.',
    '{"refused": false}',
    'Here is the story. The knight said: "I\'m sorry, but I can\'t let you pass."',
    '',
  ];
  for (const text of answers) {
    it(`passes the non-refusal ${JSON.stringify(text)}`, () => {
      assert.equal(isRefusal(text), false);
      assert.deepEqual(run(NOT_REFUSAL, text), { check: 'not_refusal', status: 'pass', reason: 'not a refusal' });
    });
  }

  it('only looks at the opening: a refusal phrase deep in a long answer is not a refusal', () => {
    const text = `${'The contract has three parts. '.repeat(12)}I cannot help noticing the clause about fees.`;
    assert.equal(isRefusal(text), false);
  });

  it('fails on a refusal or content_filter finish reason whatever the text says', () => {
    assert.deepEqual(run(NOT_REFUSAL, 'Here you go: 42', { finishReason: 'refusal' }), {
      check: 'not_refusal',
      status: 'fail',
      reason: 'the provider stopped with refusal',
    });
    assert.deepEqual(run(NOT_REFUSAL, '', { finishReason: 'content_filter' }), {
      check: 'not_refusal',
      status: 'fail',
      reason: 'the provider stopped with content_filter',
    });
  });

  it('ignores other finish reasons', () => {
    assert.equal(run(NOT_REFUSAL, 'Paris', { finishReason: 'stop' }).status, 'pass');
    assert.equal(run(NOT_REFUSAL, 'Paris', { finishReason: 'length' }).status, 'pass');
    assert.equal(run(NOT_REFUSAL, 'I cannot help with that.', { finishReason: 'stop' }).status, 'fail');
  });
});

describe('json_schema', () => {
  const valid = '{"invoice_number": "A-1043", "total": 1280, "due_date": "2024-05-15"}';

  it('is skipped when the request gives no schema', () => {
    assert.deepEqual(run(JSON_SCHEMA, 'not json at all'), {
      check: 'json_schema',
      status: 'skip',
      reason: 'the request gives no schema',
    });
  });

  it('passes a bare JSON answer valid against the schema', () => {
    assert.deepEqual(run(JSON_SCHEMA, valid, { schema: INVOICE_SCHEMA }), {
      check: 'json_schema',
      status: 'pass',
      reason: 'valid against the schema',
    });
  });

  it('passes JSON wrapped in a Markdown fence, with prose around it', () => {
    const text = `Here is the extracted data:\n\n\`\`\`json\n${valid}\n\`\`\`\n\nLet me know if you need anything else.`;
    assert.equal(run(JSON_SCHEMA, text, { schema: INVOICE_SCHEMA }).status, 'pass');
    assert.equal(run(JSON_SCHEMA, `\`\`\`\n${valid}\n\`\`\``, { schema: INVOICE_SCHEMA }).status, 'pass');
  });

  it('fails an answer that is not JSON, with the parser’s reason', () => {
    const result = run(JSON_SCHEMA, 'The invoice number is A-1043 and the total is 1280.', { schema: INVOICE_SCHEMA });
    assert.equal(result.status, 'fail');
    assert.match(result.reason, /^the answer is not valid JSON \(/);
  });

  it('fails truncated JSON', () => {
    const result = run(JSON_SCHEMA, '{"invoice_number": "A-1043", "total": 12', { schema: INVOICE_SCHEMA });
    assert.equal(result.status, 'fail');
    assert.match(result.reason, /^the answer is not valid JSON \(/);
  });

  it('fails invalid JSON inside a fence', () => {
    const result = run(JSON_SCHEMA, '```json\n{"invoice_number": A-1043}\n```', { schema: INVOICE_SCHEMA });
    assert.equal(result.status, 'fail');
    assert.match(result.reason, /^the fenced block is not valid JSON \(/);
  });

  it('fails schema violations, naming each one', () => {
    const result = run(JSON_SCHEMA, '{"total": "1,280.00", "currency": "EUR"}', { schema: INVOICE_SCHEMA });
    assert.deepEqual(result, {
      check: 'json_schema',
      status: 'fail',
      reason:
        "schema violations: (root) must have required property 'invoice_number'; (root) must NOT have additional properties; /total must be number",
    });
  });

  it('fails a format violation', () => {
    const result = run(JSON_SCHEMA, '{"invoice_number": "A-1043", "total": 1280, "due_date": "15 May 2024"}', {
      schema: INVOICE_SCHEMA,
    });
    assert.deepEqual(result, {
      check: 'json_schema',
      status: 'fail',
      reason: 'schema violations: /due_date must match format "date"',
    });
  });

  it('accepts anything JSON under the `true` schema and nothing under `false`', () => {
    assert.equal(run(JSON_SCHEMA, '[1, 2]', { schema: true }).status, 'pass');
    assert.equal(run(JSON_SCHEMA, '[1, 2]', { schema: false }).status, 'fail');
    assert.equal(run(JSON_SCHEMA, 'prose', { schema: true }).status, 'fail');
  });
});

describe('ground_truth', () => {
  const truth = { invoice_number: 'A-1043', total: 1280, due_date: '2024-05-15' };

  it('is skipped without ground truth, or with an empty one', () => {
    const skipped = { check: 'ground_truth', status: 'skip', reason: 'the request gives no ground truth' };
    assert.deepEqual(run(GROUND_TRUTH, '{"total": 1}'), skipped);
    assert.deepEqual(run(GROUND_TRUTH, '{"total": 1}', { groundTruth: {} }), skipped);
  });

  it('passes a JSON answer consistent with every fact, after normalisation', () => {
    const text = '{"invoice": {"Invoice-Number": "a-1043", "Total": "$1,280.00", "dueDate": "May 15, 2024"}}';
    assert.deepEqual(run(GROUND_TRUTH, text, { groundTruth: truth }), {
      check: 'ground_truth',
      status: 'pass',
      reason: 'consistent with 3 ground-truth fact(s)',
    });
  });

  it('passes a JSON answer that is silent about a fact', () => {
    assert.equal(run(GROUND_TRUTH, '{"invoice_number": "A-1043"}', { groundTruth: truth }).status, 'pass');
  });

  it('fails a JSON answer that contradicts a fact, naming the field and both values', () => {
    const result = run(GROUND_TRUTH, '```json\n{"invoice": {"total": 1200, "invoice_number": "A-1043"}}\n```', {
      groundTruth: truth,
    });
    assert.deepEqual(result, {
      check: 'ground_truth',
      status: 'fail',
      reason: 'contradicts the ground truth: invoice.total is 1200 but the ground truth says 1280',
    });
  });

  it('lists at most three contradictions and counts the rest', () => {
    const groundTruth = { a: 1, b: 2, c: 3, d: 4, e: 5 };
    const result = run(GROUND_TRUTH, '{"a": 0, "b": 0, "c": 0, "d": 0, "e": 0}', { groundTruth });
    assert.equal(
      result.reason,
      'contradicts the ground truth: a is 0 but the ground truth says 1; b is 0 but the ground truth says 2; c is 0 but the ground truth says 3; and 2 more',
    );
  });

  it('reads `key: value` lines of a prose answer', () => {
    const consistent = 'Here is what I found:\n- **Invoice number:** A-1043\n- Total: €1,280\n- Due date: 15 May 2024';
    assert.equal(run(GROUND_TRUTH, consistent, { groundTruth: truth }).status, 'pass');
    const wrong = 'Here is what I found:\n- Invoice number: A-1043\n- Total: 1,208.00 EUR';
    assert.deepEqual(run(GROUND_TRUTH, wrong, { groundTruth: truth }), {
      check: 'ground_truth',
      status: 'fail',
      reason: 'contradicts the ground truth: Total is "1,208.00 EUR" but the ground truth says 1280',
    });
  });

  it('passes prose that names no fact as a key', () => {
    assert.equal(run(GROUND_TRUTH, 'The invoice looks fine to me.', { groundTruth: truth }).status, 'pass');
  });
});

describe('regex', () => {
  it('with mustMatch true passes a match and fails a miss', () => {
    const check: AnswerCheckConfig = { type: 'regex', pattern: '^\\d{4}-\\d{2}-\\d{2}$', mustMatch: true };
    assert.deepEqual(run(check, '2024-05-15'), {
      check: 'regex',
      status: 'pass',
      reason: 'matches /^\\d{4}-\\d{2}-\\d{2}$/',
    });
    assert.deepEqual(run(check, '15 May 2024'), {
      check: 'regex',
      status: 'fail',
      reason: 'does not match /^\\d{4}-\\d{2}-\\d{2}$/',
    });
  });

  it('with mustMatch false fails a match and passes a miss', () => {
    const check: AnswerCheckConfig = {
      type: 'regex',
      name: 'no_placeholder',
      pattern: 'TODO|lorem ipsum',
      flags: 'i',
      mustMatch: false,
    };
    assert.deepEqual(run(check, 'Lorem Ipsum dolor'), {
      check: 'no_placeholder',
      status: 'fail',
      reason: 'matches /TODO|lorem ipsum/, which it must not',
    });
    assert.deepEqual(run(check, 'A finished paragraph.'), {
      check: 'no_placeholder',
      status: 'pass',
      reason: 'does not match /TODO|lorem ipsum/',
    });
  });

  it('honours flags', () => {
    const caseSensitive: AnswerCheckConfig = { type: 'regex', pattern: '^yes$', mustMatch: true };
    const multiline: AnswerCheckConfig = { type: 'regex', pattern: '^yes$', flags: 'im', mustMatch: true };
    assert.equal(run(caseSensitive, 'Sure.\nYES').status, 'fail');
    assert.equal(run(multiline, 'Sure.\nYES').status, 'pass');
  });
});

describe('max_length', () => {
  const check: AnswerCheckConfig = { type: 'max_length', maxChars: 10 };

  it('passes an answer at the limit', () => {
    assert.deepEqual(run(check, '0123456789'), { check: 'max_length', status: 'pass', reason: '10 <= 10 characters' });
  });

  it('fails an answer one character over, counting whitespace', () => {
    assert.deepEqual(run(check, '0123456789 '), {
      check: 'max_length',
      status: 'fail',
      reason: '11 characters, more than the 10 allowed',
    });
  });
});

describe('runAnswerChecks', () => {
  it('runs every check but agreement, in the route’s order', () => {
    const checks: CheckConfig[] = [
      { type: 'not_empty' },
      { type: 'agreement', models: ['nano'], normalize: 'text' },
      { type: 'json_schema' },
      { type: 'not_refusal' },
      { type: 'ground_truth' },
    ];
    const results = runAnswerChecks(checks, {
      text: '{"total": 5}',
      schema: { type: 'object' },
      groundTruth: { total: 6 },
    });
    assert.deepEqual(
      results.map((r) => [r.check, r.status]),
      [
        ['not_empty', 'pass'],
        ['json_schema', 'pass'],
        ['not_refusal', 'pass'],
        ['ground_truth', 'fail'],
      ],
    );
  });

  it('returns nothing for a route with no answer checks', () => {
    assert.deepEqual(runAnswerChecks([], { text: '' }), []);
  });
});

describe('agreement', () => {
  it('passes equal text after normalisation (case, whitespace, trailing period)', () => {
    assert.deepEqual(runAgreementCheck(agreement('text'), 'Paris.', [{ model: 'nano', text: '  PARIS\n' }]), {
      check: 'agreement',
      status: 'pass',
      reason: 'nano agrees: "paris"',
    });
  });

  it('fails different text', () => {
    assert.deepEqual(runAgreementCheck(agreement('text'), 'Paris', [{ model: 'nano', text: 'Lyon' }]), {
      check: 'agreement',
      status: 'fail',
      reason: 'the answer is "paris" but nano says "lyon"',
    });
  });

  it('compares choice letters from differently worded answers', () => {
    assert.equal(
      runAgreementCheck(agreement('choice'), 'B) wet palms', [{ model: 'nano', text: 'The answer is B.' }]).status,
      'pass',
    );
    assert.deepEqual(runAgreementCheck(agreement('choice'), '(B)', [{ model: 'nano', text: 'Answer: C' }]), {
      check: 'agreement',
      status: 'fail',
      reason: 'the answer is "B" but nano says "C"',
    });
  });

  it('compares numbers, ignoring currency signs and separators', () => {
    assert.deepEqual(
      runAgreementCheck(agreement('number'), '$1,234.50', [{ model: 'nano', text: 'The total is 1234.5 dollars.' }]),
      {
        check: 'agreement',
        status: 'pass',
        reason: 'nano agrees: "1234.5"',
      },
    );
    assert.equal(runAgreementCheck(agreement('number'), '42', [{ model: 'nano', text: '41' }]).status, 'fail');
  });

  it('compares JSON regardless of key order and fences', () => {
    const result = runAgreementCheck(agreement('json'), '{"b": 2, "a": [1, {"y": 1, "x": 0}]}', [
      { model: 'nano', text: '```json\n{"a": [1, {"x": 0, "y": 1}], "b": 2}\n```' },
    ]);
    assert.deepEqual(result, {
      check: 'agreement',
      status: 'pass',
      reason: 'nano agrees: "{\\"a\\":[1,{\\"x\\":0,\\"y\\":1}],\\"b\\":2}"',
    });
    assert.equal(
      runAgreementCheck(agreement('json'), '{"a": 1}', [{ model: 'nano', text: '{"a": 2}' }]).status,
      'fail',
    );
    assert.equal(runAgreementCheck(agreement('json'), '[1, 2]', [{ model: 'nano', text: '[2, 1]' }]).status, 'fail');
  });

  it('compares code ignoring fences, comments and blank lines', () => {
    const own = '```python\ndef add(a, b):\n    # sum\n    return a + b\n```';
    const theirs = 'def add(a, b):\n\n    return a + b  # the sum\n';
    assert.equal(runAgreementCheck(agreement('code'), own, [{ model: 'nano', text: theirs }]).status, 'pass');
    assert.equal(
      runAgreementCheck(agreement('code'), own, [{ model: 'nano', text: 'def add(a, b):\n    return b + a' }]).status,
      'fail',
    );
  });

  it('needs every partner to agree, naming each', () => {
    assert.deepEqual(
      runAgreementCheck(agreement('choice', ['nano', 'mini']), 'B', [
        { model: 'nano', text: 'B' },
        { model: 'mini', text: 'Answer: B' },
      ]),
      { check: 'agreement', status: 'pass', reason: 'nano, mini agree: "B"' },
    );
    assert.deepEqual(
      runAgreementCheck(agreement('choice', ['nano', 'mini']), 'B', [
        { model: 'nano', text: 'B' },
        { model: 'mini', text: 'D' },
      ]),
      { check: 'agreement', status: 'fail', reason: 'the answer is "B" but mini says "D"' },
    );
  });

  it('counts a failed partner as a disagreement: it is no evidence', () => {
    assert.deepEqual(
      runAgreementCheck(agreement('choice'), 'B', [
        { model: 'nano', text: '', error: 'rate_limited: too many requests' },
      ]),
      {
        check: 'agreement',
        status: 'fail',
        reason: 'the answer is "B" but nano could not answer (rate_limited: too many requests)',
      },
    );
  });

  it('counts a partner answer with no normalised form as a disagreement', () => {
    assert.deepEqual(
      runAgreementCheck(agreement('choice'), 'B', [{ model: 'nano', text: 'I am not sure which option fits.' }]),
      {
        check: 'agreement',
        status: 'fail',
        reason: 'the answer is "B" but nano says nothing comparable',
      },
    );
  });

  it('fails when the answer itself has no normalised form, even if the partner answers alike', () => {
    assert.deepEqual(
      runAgreementCheck(agreement('choice'), 'the answer is a good one', [
        { model: 'nano', text: 'the answer is a good one' },
      ]),
      {
        check: 'agreement',
        status: 'fail',
        reason: 'the answer has no choice form to compare',
      },
    );
    assert.deepEqual(runAgreementCheck(agreement('json'), 'not json', [{ model: 'nano', text: 'not json' }]), {
      check: 'agreement',
      status: 'fail',
      reason: 'the answer has no json form to compare',
    });
    assert.deepEqual(
      runAgreementCheck(agreement('number'), 'no idea', [{ model: 'nano', text: 'no idea' }]).reason,
      'the answer has no number form to compare',
    );
    assert.deepEqual(
      runAgreementCheck(agreement('text'), '   ', [{ model: 'nano', text: '' }]).reason,
      'the answer has no text form to compare',
    );
    assert.deepEqual(
      runAgreementCheck(agreement('code'), '// nothing', [{ model: 'nano', text: '// nothing' }]).reason,
      'the answer has no code form to compare',
    );
  });

  it('shortens long answers in its reason to 60 characters', () => {
    const long = 'a'.repeat(100);
    const result = runAgreementCheck(agreement('text'), long, [{ model: 'nano', text: 'b'.repeat(100) }]);
    assert.equal(result.reason, `the answer is "${'a'.repeat(57)}..." but nano says "${'b'.repeat(57)}..."`);
  });
});
