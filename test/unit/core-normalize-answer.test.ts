import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalJson,
  extractChoice,
  extractNumber,
  normalizeAnswer,
  normalizeCode,
  normalizeText,
} from '../../core/normalize-answer';

describe('extractChoice', () => {
  const answers: [string, string][] = [
    ['B', 'B'],
    ['B\n', 'B'],
    [' B', 'B'],
    ['  B.  ', 'B'],
    ['(B)', 'B'],
    ['[B]', 'B'],
    ['B)', 'B'],
    ['B:', 'B'],
    ['b', 'B'],
    ['B) wet palms', 'B'],
    ['B. wet palms', 'B'],
    ['(B) wet palms', 'B'],
    ['D (the sun)', 'D'],
    ['B, because palms sweat', 'B'],
    ['B.\nBecause sweat cools the skin, the palms get wet.', 'B'],
    ['**B**', 'B'],
    ['**B) wet palms**', 'B'],
    ['The answer is C.', 'C'],
    ['The answer is: B', 'B'],
    ['The correct answer is (C) because the others are wrong.', 'C'],
    ['Answer: D', 'D'],
    ['answer: (A)', 'A'],
    ['Choice: E.', 'E'],
    ['Correct answer: `C`', 'C'],
    ['**Answer: B**', 'B'],
  ];
  for (const [text, letter] of answers) {
    it(`reads ${letter} from ${JSON.stringify(text)}`, () => assert.equal(extractChoice(text), letter));
  }

  const noChoice = [
    '',
    '   ',
    'the answer is a good one',
    'I am not sure.',
    'I do not know',
    'It depends on the humidity.',
    'A good question! Let me think.',
    'A chart would help here.',
    'The answer is Bob.',
    'Answer: I think it is B',
    'b) wet palms',
    'The answer is B and C',
    'B or C',
  ];
  for (const text of noChoice) {
    it(`reads no letter from ${JSON.stringify(text)}`, () => assert.equal(extractChoice(text), undefined));
  }

  it('reads the letter the answer opens with, not a later mention', () => {
    assert.equal(extractChoice('C\nThe answer is not B.'), 'C');
  });
});

describe('extractNumber', () => {
  const numbers: [string, string][] = [
    ['42', '42'],
    ['42.', '42'],
    ['The answer is 42.', '42'],
    ['$1,234.50', '1234.5'],
    ['€1,000,000', '1000000'],
    ['Total: £ 12.00', '12'],
    ['-3 degrees', '-3'],
    ['0.50', '0.5'],
    ['1e3', '1000'],
    ['2.5E-2', '0.025'],
    ['x = 7, y = 9', '9'],
    ['Step 1: add 2 and 3. Step 2: double it. The result is 10.', '10'],
  ];
  for (const [text, value] of numbers) {
    it(`reads ${value} from ${JSON.stringify(text)}`, () => assert.equal(extractNumber(text), value));
  }

  it('reads nothing from text without a number', () => {
    assert.equal(extractNumber('no idea'), undefined);
    assert.equal(extractNumber(''), undefined);
  });

  it('makes differently written equal numbers agree', () => {
    assert.equal(extractNumber('$1,234.50'), extractNumber('It comes to 1234.500 dollars'));
  });
});

describe('normalizeText', () => {
  it('lowercases, trims, collapses whitespace and drops trailing sentence punctuation', () => {
    assert.equal(normalizeText('  The  Eiffel\nTower!! '), 'the eiffel tower');
    assert.equal(normalizeText('Paris.'), 'paris');
    assert.equal(normalizeText('Really?'), 'really?');
    assert.equal(normalizeText(''), '');
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: [2, 1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[2,1,{"c":2,"d":1}]}');
  });

  it('renders scalars as JSON', () => {
    assert.equal(canonicalJson('x'), '"x"');
    assert.equal(canonicalJson(1.5), '1.5');
    assert.equal(canonicalJson(true), 'true');
    assert.equal(canonicalJson(null), 'null');
    assert.equal(canonicalJson(undefined), 'null');
  });

  it('gives key-reordered objects the same form', () => {
    assert.equal(canonicalJson({ x: 1, y: { q: 1, p: 2 } }), canonicalJson({ y: { p: 2, q: 1 }, x: 1 }));
  });
});

describe('normalizeCode', () => {
  it('drops the fence, comments, blank lines and trailing whitespace, keeping indentation', () => {
    const text =
      'Here you go:\n```python\n# adds two numbers\ndef add(a, b):   \n\n    return a + b  # sum\n```\nHope it helps.';
    assert.equal(normalizeCode(text), 'def add(a, b):\n    return a + b');
  });

  it('drops // comments and handles unfenced code', () => {
    assert.equal(normalizeCode('// helper\nconst x = 1; // one\n\nconst y = 2;\n'), 'const x = 1;\nconst y = 2;');
  });

  it('gives formatting-only variants the same form', () => {
    assert.equal(normalizeCode('```js\nreturn a+b;\n```'), normalizeCode('return a+b;   \n// done'));
  });
});

describe('normalizeAnswer', () => {
  it('dispatches on the normalisation', () => {
    assert.equal(normalizeAnswer(' Paris. ', 'text'), 'paris');
    assert.equal(normalizeAnswer('B) wet palms', 'choice'), 'B');
    assert.equal(normalizeAnswer('$1,234.50', 'number'), '1234.5');
    assert.equal(normalizeAnswer('```json\n{"b": 1, "a": 2}\n```', 'json'), '{"a":2,"b":1}');
    assert.equal(normalizeAnswer('x = 1  # set x', 'code'), 'x = 1');
  });

  it('is undefined when the answer has no such form', () => {
    assert.equal(normalizeAnswer('  ', 'text'), undefined);
    assert.equal(normalizeAnswer('no letter here', 'choice'), undefined);
    assert.equal(normalizeAnswer('none', 'number'), undefined);
    assert.equal(normalizeAnswer('{"a": ', 'json'), undefined);
    assert.equal(normalizeAnswer('# only a comment\n', 'code'), undefined);
  });

  it('keeps JSON null as a form of its own', () => {
    assert.equal(normalizeAnswer('null', 'json'), 'null');
  });
});
