import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parse } from 'csv-parse/sync';
import { RECORDED_COST_HEADER, SAMPLE_ID_HEADER } from '../simulator/provider-wire';
import { routerbenchCellText, routerbenchTrainFiles } from '../simulator/routerbench-dataset';
import { startSimulator, type SimulatorHandle } from '../simulator/start-simulator';
import { rejection, simulatorClients } from './helpers/simulator-clients';

const MODELS = ['gpt-4-1106-preview', 'mistralai/mixtral-8x7b-chat', 'zero-one-ai/Yi-34B-Chat'] as const;
const ROWS_PER_FILE = 50;

/**
 * An independent, deliberately simple reading of a one-string Python list cell (`['...']`), so the
 * test does not check the simulator's parser against itself. `undefined` for a list of several
 * strings (seven ARC prompts), which the next test covers.
 */
function decodeSimply(cell: string): string | undefined {
  const match = /^\[(['"])([\s\S]*)\1\]$/.exec(cell);
  assert.ok(match, `not a list of strings: ${cell.slice(0, 40)}`);
  const [, quote, inner] = match as unknown as [string, string, string];
  // Inside one literal the quote character only appears escaped; a bare one ends the string.
  if (inner.replace(/\\[\s\S]/g, '').includes(quote)) return undefined;
  const named: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
  return inner.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[\s\S])/g, (_, escape: string) => {
    if (escape.length > 1) return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
    const known = named[escape];
    assert.ok(known !== undefined, `unexpected escape \\${escape}`);
    return known;
  });
}

interface Case {
  file: string;
  sampleId: string;
  prompt: string;
  model: string;
  response: string;
  costUsd: number;
}

/** The row's prompt and the three models' cases, or `undefined` when a cell holds several strings. */
function rowCases(file: string, row: Record<string, string>): Case[] | undefined {
  const prompt = decodeSimply(row.prompt!);
  const responses = MODELS.map((model) => decodeSimply(row[`${model}|model_response`]!));
  if (prompt === undefined || responses.includes(undefined)) return undefined;
  return MODELS.map((model, i) => ({
    file: path.basename(file),
    sampleId: row.sample_id!,
    prompt,
    model,
    response: responses[i]!,
    costUsd: Number(row[`${model}|total_cost`]),
  }));
}

let cachedCases: Case[] | undefined;

/** Rows spread evenly over each file (a row with a several-string cell gives way to the next), read with csv-parse directly. */
function replayCases(): Case[] {
  if (cachedCases) return cachedCases;
  const cases: Case[] = [];
  for (const file of routerbenchTrainFiles()) {
    const rows = parse(readFileSync(file), { columns: true }) as Record<string, string>[];
    const step = Math.floor(rows.length / ROWS_PER_FILE);
    let next = 0;
    for (let taken = 0; taken < ROWS_PER_FILE; taken++) {
      let index = Math.max(next, taken * step);
      let found: Case[] | undefined;
      while (!found) {
        const row = rows[index];
        assert.ok(row, `${file}: ran out of rows`);
        found = rowCases(file, row);
        if (!found) index++;
      }
      cases.push(...found);
      next = index + 1;
    }
  }
  cachedCases = cases;
  return cases;
}

let simulator: SimulatorHandle;
let anthropic: Anthropic;
let openai: OpenAI;

before(async () => {
  simulator = await startSimulator({ preloadReplay: true });
  ({ anthropic, openai } = simulatorClients(simulator));
});

after(() => simulator.stop());

/** One replayed call through either SDK: the answer text, the body extension and the cost header. */
async function replay(via: 'anthropic' | 'openai', model: string, prompt: string) {
  if (via === 'anthropic') {
    const { data, response } = await anthropic.messages
      .create({ model, max_tokens: 8192, messages: [{ role: 'user', content: prompt }] }, { timeout: 10_000 })
      .withResponse();
    const text = data.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    return { text, extension: (data as unknown as { x_simulator?: unknown }).x_simulator, headers: response.headers };
  }
  const { data, response } = await openai.chat.completions
    .create({ model, messages: [{ role: 'user', content: prompt }] })
    .withResponse();
  return {
    text: data.choices[0]?.message.content ?? '',
    extension: (data as unknown as { x_simulator?: unknown }).x_simulator,
    headers: response.headers,
  };
}

describe('replay of the RouterBench train splits', () => {
  it(`answers ${ROWS_PER_FILE} rows of each file, for three models, with exactly the recorded response and cost`, async () => {
    const cases = replayCases();
    assert.equal(cases.length, 3 * ROWS_PER_FILE * MODELS.length);
    assert.equal(new Set(cases.map((c) => `${c.file} ${c.sampleId}`)).size, 3 * ROWS_PER_FILE);
    simulator.callLog.clear();
    // One row at a time, its three models at once; both servers serve every dataset model, so alternate them.
    for (let start = 0; start < cases.length; start += MODELS.length) {
      await Promise.all(
        cases.slice(start, start + MODELS.length).map(async (testCase, offset) => {
          const via = (start / MODELS.length + offset) % 2 === 0 ? 'anthropic' : 'openai';
          const label = `${testCase.file} ${testCase.sampleId} ${testCase.model} via ${via}`;
          const result = await replay(via, testCase.model, testCase.prompt);
          assert.equal(result.text, testCase.response, label);
          assert.deepEqual(
            result.extension,
            { recorded_cost_usd: testCase.costUsd, sample_id: testCase.sampleId },
            label,
          );
          assert.equal(Number(result.headers.get(RECORDED_COST_HEADER)), testCase.costUsd, label);
          assert.equal(result.headers.get(SAMPLE_ID_HEADER), testCase.sampleId, label);
        }),
      );
    }
    const logged = simulator.callLog.list().map((call) => `${call.model} ${call.sampleId} ${call.recordedCostUsd}`);
    assert.deepEqual(logged.sort(), cases.map((c) => `${c.model} ${c.sampleId} ${c.costUsd}`).sort());
  });

  it('matches the longest recorded prompt a message starts with, so appended feedback still replays', async () => {
    const [testCase] = replayCases();
    assert.ok(testCase);
    const withFeedback = `${testCase.prompt}\n\nAn earlier answer was rejected: not a single letter.`;
    const result = await replay('openai', testCase.model, withFeedback);
    assert.equal(result.text, testCase.response);
    const trailingSpace = await replay('anthropic', testCase.model, `${testCase.prompt}   `);
    assert.equal(trailingSpace.text, testCase.response);
  });

  it('finds the prompt in an earlier user turn when the last turn is feedback', async () => {
    const [testCase] = replayCases();
    assert.ok(testCase);
    const message = await anthropic.messages.create({
      model: testCase.model,
      max_tokens: 4096,
      messages: [
        { role: 'user', content: testCase.prompt },
        { role: 'assistant', content: 'maybe' },
        { role: 'user', content: 'Answer with one letter only.' },
      ],
    });
    assert.deepEqual(
      message.content.map((block) => (block.type === 'text' ? block.text : '')),
      [testCase.response],
    );
  });

  it('keeps the seven ARC samples recorded twice (prompt listed twice) apart', async () => {
    const file = routerbenchTrainFiles()[0]!;
    const rows = (parse(readFileSync(file), { columns: true }) as Record<string, string>[]).filter(
      (row) => row.sample_id === 'arc-challenge.val.208',
    );
    assert.equal(rows.length, 2);
    const costs = await Promise.all(
      rows.map(
        async (row) =>
          (await replay('anthropic', 'claude-v2', routerbenchCellText(row.prompt!))).extension as {
            recorded_cost_usd: number;
          },
      ),
    );
    assert.deepEqual(
      costs.map((c) => c.recorded_cost_usd),
      rows.map((row) => Number(row['claude-v2|total_cost'])),
    );
    assert.notEqual(costs[0]?.recorded_cost_usd, costs[1]?.recorded_cost_usd);
  });

  it('rejects a (model, prompt) pair the data does not hold with a 400 naming the problem', async () => {
    const unknownPrompt = await rejection(
      replay('anthropic', 'gpt-4-1106-preview', 'What is the capital of Portugal?'),
    );
    assert.ok(unknownPrompt instanceof Anthropic.BadRequestError);
    assert.match(unknownPrompt.message, /no recorded prompt matches the user message/);
    const [testCase] = replayCases();
    simulator.setScript({ models: { 'custom-model': { defaultAnswer: { type: 'replay' } } } });
    const unknownModel = await rejection(replay('openai', 'custom-model', testCase!.prompt));
    assert.ok(unknownModel instanceof OpenAI.BadRequestError);
    assert.match(unknownModel.message, /model "custom-model" has no recorded answers/);
    simulator.setScript({});
  });
});

describe('replay without its data', () => {
  it('answers a 400 naming the missing file, not a retryable 5xx', async () => {
    const own = await startSimulator({ replayFiles: ['/nonexistent/routerbench.csv'] });
    try {
      const error = await rejection(
        simulatorClients(own).openai.chat.completions.create({
          model: 'claude-v2',
          messages: [{ role: 'user', content: 'x' }],
        }),
      );
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /could not load the RouterBench data: .*\/nonexistent\/routerbench\.csv/);
    } finally {
      await own.stop();
    }
  });
});
