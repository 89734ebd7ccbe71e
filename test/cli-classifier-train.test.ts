/**
 * `cascade classifier train` and `eval` as a person runs them (child processes, no Temporal): a
 * team's own labelled prompts change what the classifier predicts, on the lines trained on and on
 * held-out ones, and a config pointed at the new model routes with it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EvaluationReport } from '../core/task-type-training';
import { freePort } from '../lib/dev-server';
import { DEFAULT_CONFIG_PATH } from '../config/load-config';
import { runCascadeCli } from './helpers/cascade-cli';

/** A task type of the team's own, which the shipped model has never seen. */
const TRAIN = [
  "Translate 'good morning' into French.",
  "How do you say 'thank you' in Japanese?",
  'Put this sentence into Spanish: where is the train station?',
  'translate to german: I love my dog',
  "What is 'cheese' in Italian?",
  'Render this paragraph in Portuguese: We are closed on Sundays.',
  "Can you translate 'happy birthday' to Korean?",
  'English to Dutch please: the meeting is at noon',
  "Say 'see you tomorrow' in Swedish.",
  'Translate the following menu items into French: soup of the day, grilled fish, apple pie.',
];
const HELD_OUT = [
  "Translate 'where is the bathroom' into Greek.",
  "How would I say 'good night' in Russian?",
  'translate into spanish: the invoice is attached',
  "What's the Polish word for 'apple'?",
  'Please translate this sign into English: Défense de fumer.',
  'Turn this greeting into German: welcome to our shop',
];

const jsonl = (prompts: readonly string[]) =>
  prompts.map((prompt) => JSON.stringify({ prompt, taskType: 'translation' })).join('\n') + '\n';

describe('cascade classifier train / eval', { timeout: 600_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'classifier-train-'));
    env = { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains in prompts the shipped model gets wrong: right afterwards, held-out ones improve, and a config uses the model', async () => {
    const train = path.join(dir, 'train.jsonl');
    const held = path.join(dir, 'held.jsonl');
    await writeFile(train, jsonl(TRAIN));
    await writeFile(held, jsonl(HELD_OUT));
    const evaluate = async (file: string, extra: string[] = []) => {
      const run = await runCascadeCli(['classifier', 'eval', file, '--json', ...extra], { env });
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as EvaluationReport;
    };
    const before = await evaluate(held);
    assert.equal(before.correct, 0, 'the shipped model has no translation type');

    const model = path.join(dir, 'team-model.json');
    const trained = await runCascadeCli(['classifier', 'train', train, '--out', model, '--json'], { env });
    assert.equal(trained.code, 0, trained.stderr);
    const summary = JSON.parse(trained.stdout) as {
      yours: number;
      taskTypes: string[];
      accuracyOnYoursBefore: number;
      accuracyOnYoursAfter: number;
    };
    assert.equal(summary.yours, TRAIN.length);
    assert.ok(summary.taskTypes.includes('translation') && summary.taskTypes.includes('coding'));
    assert.equal(summary.accuracyOnYoursBefore, 0);
    assert.equal(summary.accuracyOnYoursAfter, 1, 'every trained line is now right');

    const afterHeld = await evaluate(held, ['--model', model]);
    assert.ok(afterHeld.correct >= 3, `held-out lines improve: ${afterHeld.correct}/${HELD_OUT.length}`);
    assert.equal(afterHeld.perType.translation!.precision, 1);

    // The human-readable report: accuracy, per-type precision and recall, the confusion matrix.
    const table = await runCascadeCli(['classifier', 'eval', held, '--model', model], { env });
    assert.match(table.stdout, /^accuracy: \d\/6 = \d+\.\d%$/m);
    assert.match(table.stdout, /^translation\s+6\s+100\.0%\s+\d+\.\d%$/m);
    assert.match(table.stdout, /confusion matrix \(rows: expected, columns: predicted\)/);

    const config = path.join(dir, 'config.yaml');
    const base = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
    await writeFile(
      config,
      base
        .replace(/^classifier:\n/m, 'classifier:\n  learnedModel: team-model.json\n')
        .replace(/^routes:\n/m, 'routes:\n  translation:\n    startTier: small\n'),
    );
    const classified = await runCascadeCli(['classify', '--json', '--config', config, TRAIN[0]!], { env });
    assert.equal(classified.code, 0, classified.stderr);
    const row = JSON.parse(classified.stdout) as { taskType: string; route: string; source: string };
    assert.deepEqual([row.taskType, row.route, row.source], ['translation', 'translation', 'learned']);
  });

  it('names every bad line of a labelled file and trains nothing', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, '{"prompt": "hi"}\nnot json\n{"prompt": "ok", "taskType": "Has Spaces"}\n');
    const out = path.join(dir, 'never.json');
    const run = await runCascadeCli(['classifier', 'train', bad, '--out', out], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /3 invalid lines/);
    assert.match(run.stderr, /line 1: taskType: /);
    assert.match(run.stderr, /line 2: invalid JSON/);
    assert.match(run.stderr, /line 3: taskType: a task type: lowercase words/);
    await assert.rejects(readFile(out), /ENOENT/);
  });
});
