import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import {
  parsePythonStringList,
  parsePythonStringLiteral,
  PythonLiteralSyntaxError,
} from '../../simulator/python-string-literal';
import { routerbenchCellText, routerbenchTrainFiles } from '../../simulator/routerbench-dataset';

describe('parsePythonStringLiteral', () => {
  it('decodes single- and double-quoted strings with their escapes', () => {
    assert.equal(parsePythonStringLiteral(String.raw`'it\'s'`), "it's");
    assert.equal(parsePythonStringLiteral(String.raw`"say \"hi\""`), 'say "hi"');
    assert.equal(parsePythonStringLiteral(`"it's"`), "it's");
    assert.equal(parsePythonStringLiteral(String.raw`'a\nb\tc\\d\re'`), 'a\nb\tc\\d\re');
    assert.equal(parsePythonStringLiteral(String.raw`'\a\b\f\v'`), '\x07\b\f\v');
  });

  it('decodes \\x, \\u, \\U and octal escapes to the code points they name', () => {
    assert.equal(parsePythonStringLiteral(String.raw`'\x02+\xe9'`), '\u0002+é');
    assert.equal(parsePythonStringLiteral(String.raw`'\u2019\u00b2'`), '\u2019²');
    assert.equal(parsePythonStringLiteral(String.raw`'\U0001F600'`), '😀');
    assert.equal(parsePythonStringLiteral(String.raw`'\0\101\1012'`), '\0AA2');
  });

  it('keeps unknown escapes as written, drops escaped newlines, and leaves raw strings alone', () => {
    assert.equal(parsePythonStringLiteral(String.raw`'\d+\.\w'`), '\\d+\\.\\w');
    assert.equal(parsePythonStringLiteral("'one \\\ntwo'"), 'one two');
    assert.equal(parsePythonStringLiteral(String.raw`r'\d+\n'`), '\\d+\\n');
    assert.equal(parsePythonStringLiteral(String.raw`r'it\'s'`), "it\\'s");
  });

  it('reads triple-quoted strings, prefixes and adjacent literals', () => {
    assert.equal(parsePythonStringLiteral("'''line one\nline 'two'\n'''"), "line one\nline 'two'\n");
    assert.equal(parsePythonStringLiteral('"""a "quoted" word"""'), 'a "quoted" word');
    assert.equal(parsePythonStringLiteral(String.raw`u'caf\xe9'`), 'café');
    assert.equal(parsePythonStringLiteral(`'ab' "cd"`), 'abcd');
  });

  it('rejects what is not a string literal, saying where', () => {
    assert.throws(() => parsePythonStringLiteral("'open"), PythonLiteralSyntaxError);
    assert.throws(() => parsePythonStringLiteral("'a\nb'"), /newline in a single-quoted string/);
    assert.throws(() => parsePythonStringLiteral(String.raw`'\x4'`), /truncated \\x escape/);
    assert.throws(() => parsePythonStringLiteral(String.raw`'\N{BULLET}'`), /not supported/);
    assert.throws(() => parsePythonStringLiteral('42'), /expected a string literal at offset 0/);
    assert.throws(() => parsePythonStringLiteral("ur'x'"), /invalid string prefix/);
  });
});

describe('parsePythonStringList', () => {
  it('decodes lists of any length, with whitespace and a trailing comma', () => {
    assert.deepEqual(parsePythonStringList(String.raw`['B\n']`), ['B\n']);
    assert.deepEqual(parsePythonStringList(`[ 'a' , "b", ]`), ['a', 'b']);
    assert.deepEqual(parsePythonStringList('[]'), []);
  });

  it('rejects malformed lists', () => {
    assert.throws(() => parsePythonStringList("['a' 'b' x]"), PythonLiteralSyntaxError);
    assert.throws(() => parsePythonStringList("['a'] extra"), /unexpected text after the list/);
    assert.throws(() => parsePythonStringList("'a'"), /expected "\["/);
    assert.throws(() => parsePythonStringList("['a'"), /expected "," or "\]"/);
  });
});

/** Tricky cells of the real files; expected excerpts come from Python's own `ast.literal_eval`. */
const REAL_CELLS = [
  {
    file: 'arc_challenge_train.csv',
    sampleId: 'arc-challenge.val.294',
    column: 'prompt',
    length: 2132,
    excerpt: 'l). AgNO3 \u0002+ NaCl (Reactants) -> NaNO3 \u0002',
    why: 'a \\x02 escape',
  },
  {
    file: 'arc_challenge_train.csv',
    sampleId: 'arc-challenge.test.849',
    column: 'prompt',
    length: 1979,
    excerpt: 'CH_{4}) with oxygen is shown below. CH_{4} + \\Box O_{2} -> 2',
    why: 'an escaped backslash before a letter that is not an escape',
  },
  {
    file: 'arc_challenge_train.csv',
    sampleId: 'arc-challenge.test.489',
    column: 'prompt',
    length: 1952,
    excerpt: 'q = c \\times m \\times \\Delta T\nA) 6.45 J\nB) 16.1 J\nC) 16.1 J',
    why: 'LaTeX: \\\\t must stay a backslash and a t, not a tab',
  },
  {
    file: 'winograde_train.csv',
    sampleId: 'winogrande.dev.230',
    column: 'claude-v2|model_response',
    length: 3,
    excerpt: "I'm",
    why: 'a double-quoted literal, as repr() writes a string holding a single quote',
  },
  {
    file: 'winograde_train.csv',
    sampleId: 'winogrande.dev.749',
    column: 'prompt',
    length: 1400,
    excerpt: 'didn\u2019t show up because _ was forgotten.\nA) Ian\nB) Dennis\nPri',
    why: 'non-ASCII text written as is',
  },
  {
    file: 'mbpp_train.csv',
    sampleId: 'mbpp.dev.342',
    column: 'mistralai/mixtral-8x7b-chat|model_response',
    length: 1203,
    excerpt: "re.finditer(r'\\b[^z]*z[^z]*\\b', string)\n    for match in mat",
    why: 'escaped quotes and backslashes in code',
  },
  {
    file: 'mbpp_train.csv',
    sampleId: 'mbpp.dev.238',
    column: 'meta/code-llama-instruct-34b-chat|model_response',
    length: 681,
    excerpt: 'e_whitespaces("hello\\tworld") == "helloworld"\n# Te',
    why: 'a literal backslash-t inside code',
  },
  {
    file: 'mbpp_train.csv',
    sampleId: 'mbpp.dev.163',
    column: 'gpt-4-1106-preview|model_response',
    length: 2284,
    excerpt: 'c\u00b2 = a\u00b2 + b\u00b2\n\nwhere c is the length of the hypotenuse, and a',
    why: 'superscripts',
  },
];

describe('real RouterBench cells', () => {
  const rowsByFile = new Map<string, Record<string, string>[]>();
  const rowsOf = (file: string) => {
    let rows = rowsByFile.get(file);
    if (!rows) {
      const full = routerbenchTrainFiles().find((f) => path.basename(f) === file)!;
      rows = parse(readFileSync(full), { columns: true }) as Record<string, string>[];
      rowsByFile.set(file, rows);
    }
    return rows;
  };

  for (const cell of REAL_CELLS) {
    it(`decodes ${cell.sampleId} ${cell.column}: ${cell.why}`, () => {
      const row = rowsOf(cell.file).find((r) => r.sample_id === cell.sampleId);
      assert.ok(row);
      const [text, ...rest] = parsePythonStringList(row[cell.column]!);
      assert.deepEqual(rest, []);
      assert.equal(text?.length, cell.length);
      assert.ok(text?.includes(cell.excerpt), `missing ${JSON.stringify(cell.excerpt)}`);
    });
  }

  it('decodes every prompt and response cell of the three files', () => {
    let cells = 0;
    for (const file of routerbenchTrainFiles()) {
      for (const row of rowsOf(path.basename(file))) {
        for (const [column, value] of Object.entries(row)) {
          if (column !== 'prompt' && !column.endsWith('|model_response')) continue;
          assert.ok(parsePythonStringList(value).length >= 1, `${file} ${row.sample_id} ${column}`);
          cells++;
        }
      }
    }
    assert.equal(cells, (1039 + 887 + 299) * 12);
  });

  it('joins a prompt listed twice into one text, keeping it distinct from the single-prompt row', () => {
    const rows = rowsOf('arc_challenge_train.csv').filter((r) => r.sample_id === 'arc-challenge.val.208');
    const texts = rows.map((r) => routerbenchCellText(r.prompt!));
    const [single] = parsePythonStringList(rows.find((r) => parsePythonStringList(r.prompt!).length === 1)!.prompt!);
    assert.deepEqual(new Set(texts), new Set([single, `${single}\n\n${single}`]));
  });
});
