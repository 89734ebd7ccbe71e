import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BUILT_IN_MODEL_PATH, readModelFile } from '../../classifier/model-file';
import { classifyWithLearnedModel } from '../../core/cascade-plan';
import { parseConfig } from '../../core/config';
import {
  base64ToBytes,
  bytesToBase64,
  classProbabilities,
  decodeTaskTypeModel,
  encodeTaskTypeModel,
  fnv1a,
  hashedFeatures,
  LATEST_FEATURE_VERSION,
  LEAD_FEATURE_COUNT,
  LEAD_MIN_TOKENS,
  predictTaskType,
  TaskTypeModelFile,
  type FeatureVersion,
  type TaskTypeModel,
} from '../../core/task-type-model';
import {
  crossValidateBySource,
  evaluatePredictions,
  trainTaskTypeModel,
  type TrainingExample,
} from '../../core/task-type-training';
import { threeTierConfig } from '../helpers/engine';

const EXAMPLES: TrainingExample[] = [
  ['Summarize this article in two sentences.', 'summarization', 'a'],
  ['Give me a short summary of the meeting notes.', 'summarization', 'b'],
  ['tl;dr of the thread please', 'summarization', 'c'],
  ['Write a poem about the sea.', 'creative_generation', 'a'],
  ['Write a short story about a lost dog.', 'creative_generation', 'b'],
  ['Compose a haiku about snow.', 'creative_generation', 'c'],
  ['What is the capital of Peru?', 'question_answering', 'a'],
  ['Who invented the telephone?', 'question_answering', 'b'],
  ['Why is the sky blue?', 'question_answering', 'c'],
].map(([prompt, taskType, source]) => ({ prompt: prompt!, taskType: taskType!, source: source! }));
const OPTIONS = { buckets: 1 << 12, epochs: 20, learningRate: 0.5, l2: 1e-5, seed: 7 };

describe('learned task-type model', () => {
  it('trains deterministically and predicts what it was taught', () => {
    const a = trainTaskTypeModel(EXAMPLES, OPTIONS);
    const b = trainTaskTypeModel(EXAMPLES, OPTIONS);
    assert.deepEqual(a.weights, b.weights);
    const model: TaskTypeModel = { ...a, id: 'test' };
    assert.equal(predictTaskType(model, 'Summarize this report for me.').taskType, 'summarization');
    assert.equal(predictTaskType(model, 'Write a poem about autumn.').taskType, 'creative_generation');
    const prediction = predictTaskType(model, 'Who wrote Hamlet?');
    assert.equal(prediction.taskType, 'question_answering');
    const probabilities = Object.values(prediction.scores);
    assert.ok(Math.abs(probabilities.reduce((x, y) => x + y, 0) - 1) < 0.01);
    assert.equal(prediction.margin, Math.round((probabilities[0]! - probabilities[1]!) * 1000) / 1000);
  });

  it('keeps its predictions through the int8 file format', () => {
    const trained = trainTaskTypeModel(EXAMPLES, OPTIONS);
    const file = TaskTypeModelFile.parse(JSON.parse(JSON.stringify(encodeTaskTypeModel(trained))));
    const decoded = decodeTaskTypeModel(file, 'x');
    for (const e of EXAMPLES)
      assert.equal(
        predictTaskType(decoded, e.prompt).taskType,
        predictTaskType({ ...trained, id: 'y' }, e.prompt).taskType,
      );
    assert.throws(() => decodeTaskTypeModel({ ...file, weights: file.weights.slice(8) }, 'x'), /weights: expected/);
    assert.throws(() => decodeTaskTypeModel({ ...file, bias: [0] }, 'x'), /bias: expected 3 numbers/);
  });

  it('finds the lead phrase after filler openers, from feature version 2 on', () => {
    const buckets = 1 << 20;
    const has = (text: string, feature: string, version: 1 | 2) =>
      hashedFeatures(text, buckets, version).indices.includes(fnv1a(feature) & (buckets - 1));
    for (const text of [
      'Summarize this article.',
      'hey, could you please summarize this article',
      'I need you to summarize it',
    ])
      assert.ok(has(text, 'l1:summarize', 2), text);
    assert.ok(has('Can you give me some ideas for a party?', 'l2:give me', 2));
    assert.ok(!has('Can you give me some ideas for a party?', 'l1:can', 2));
    assert.ok(
      !has('Summarize this article.', 'l1:summarize', 1),
      'version 1 files keep the features they were trained on',
    );
  });

  it('scores a version 1 model file with version 1 features', () => {
    const trained = trainTaskTypeModel(EXAMPLES, OPTIONS);
    assert.equal(trained.featureVersion, LATEST_FEATURE_VERSION);
    const encoded = { ...encodeTaskTypeModel(trained), version: 2 as const };
    const v1 = decodeTaskTypeModel(TaskTypeModelFile.parse({ ...encoded, version: 1 }), 'v1');
    const v2 = decodeTaskTypeModel(TaskTypeModelFile.parse(encoded), 'v2');
    assert.deepEqual([v1.featureVersion, v2.featureVersion], [1, 2]);
    const prompt = 'Could you summarize this report?';
    const byHand = classProbabilities(v1, hashedFeatures(prompt, v1.buckets, 1));
    const scores = predictTaskType(v1, prompt).scores;
    v1.classes.forEach((c, k) => assert.equal(scores[c], Math.round(byHand[k]! * 1000) / 1000));
    assert.notDeepEqual(scores, predictTaskType(v2, prompt).scores);
  });

  it('counts the opening and lead phrase more in long prompts, from feature version 3 on', () => {
    const buckets = 1 << 20;
    const count = (text: string, feature: string, version: FeatureVersion) => {
      const bucket = fnv1a(feature) & (buckets - 1);
      return hashedFeatures(text, buckets, version).indices.filter((i) => i === bucket).length;
    };
    const long = `Extract every date from this log: ${'the service restarted after the update and '.repeat(5)}`;
    assert.ok(long.split(' ').length > LEAD_MIN_TOKENS);
    assert.equal(count(long, 'l1:extract', 3), LEAD_FEATURE_COUNT);
    assert.equal(count(long, 'o2:extract every', 3), LEAD_FEATURE_COUNT);
    assert.equal(count(long, 'l1:extract', 2), 1, 'version 2 files keep the features they were trained on');
    assert.equal(count('Extract every date from this log.', 'l1:extract', 3), 1, 'a short prompt is not diluted');
  });

  it('shifts class biases toward the traffic priors, and refuses priors that add up to more than 1', () => {
    const plain = trainTaskTypeModel(EXAMPLES, OPTIONS);
    const shifted = trainTaskTypeModel(EXAMPLES, { ...OPTIONS, priors: { question_answering: 0.8 } });
    const k = plain.classes.indexOf('question_answering');
    // Each type is a third of EXAMPLES: log(0.8 / (1/3)) added to question_answering, the others untouched.
    assert.ok(Math.abs(shifted.bias[k]! - plain.bias[k]! - Math.log(0.8 * 3)) < 1e-9);
    plain.classes.forEach((_, c) => c !== k && assert.equal(shifted.bias[c], plain.bias[c]));
    const doubtful = 'Tell me something.';
    const before = predictTaskType({ ...plain, id: '' }, doubtful).scores.question_answering!;
    assert.ok(predictTaskType({ ...shifted, id: '' }, doubtful).scores.question_answering! > before);
    assert.throws(
      () => trainTaskTypeModel(EXAMPLES, { ...OPTIONS, priors: { question_answering: 0.8, summarization: 0.4 } }),
      /priors: the shares add up to 1\.2/,
    );
    assert.throws(
      () => trainTaskTypeModel(EXAMPLES, { ...OPTIONS, priors: { summarization: 0 } }),
      /priors: summarization must be above 0/,
    );
  });

  it('round-trips base64 of every length', () => {
    for (let n = 0; n < 8; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 200) % 256);
      assert.deepEqual(base64ToBytes(bytesToBase64(bytes)), bytes);
      assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
    }
  });

  it('cross-validates by source and scores predictions per type', () => {
    const cv = crossValidateBySource(EXAMPLES, OPTIONS, (m, t) => predictTaskType({ ...m, id: '' }, t));
    assert.deepEqual(
      cv.folds.map((f) => [f.source, f.examples]),
      [
        ['a', 3],
        ['b', 3],
        ['c', 3],
      ],
    );
    assert.equal(cv.pooled.examples, 9);
    const report = evaluatePredictions([
      { expected: 'a', predicted: 'a' },
      { expected: 'a', predicted: 'b' },
      { expected: 'b', predicted: 'b' },
    ]);
    assert.equal(report.accuracy, 2 / 3);
    assert.deepEqual(report.perType.b, { support: 1, predicted: 2, precision: 0.5, recall: 1, f1: 2 / 3 });
    assert.deepEqual(report.confusion, { a: { a: 1, b: 1 }, b: { b: 1 } });
  });
});

describe('classifyWithLearnedModel', () => {
  let model: TaskTypeModel;
  const config = parseConfig(
    threeTierConfig({
      routes: {
        extraction: { startTier: 'small' },
        summarization: { startTier: 'small' },
        coding: { startTier: 'mid' },
        legal: { startTier: 'mid' },
        default: { startTier: 'small' },
      },
      classifier: { rules: [{ taskType: 'legal', weight: 5, keywords: ['indemnification'] }] },
    }),
  );
  before(async () => {
    model = await readModelFile(BUILT_IN_MODEL_PATH);
  });

  it('lets the model decide a plain prompt, recording its probabilities, margin and id', () => {
    const { classification, margin } = classifyWithLearnedModel(
      { prompt: 'Give me a short summary of this article about the bike lanes.' },
      config,
      model,
    );
    assert.equal(classification.source, 'learned');
    assert.equal(classification.taskType, 'summarization');
    assert.equal(classification.learnedModel, model.id);
    assert.equal(classification.margin, margin);
    assert.match(classification.reason, new RegExp(`^learned model ${model.id}: summarization `));
  });

  it('lets precise rules decide: a schema, a code block, the config’s own rules; a given type stands', () => {
    const schema = classifyWithLearnedModel(
      { prompt: 'Extract the total from: total 12 EUR', schema: { type: 'object' } },
      config,
      model,
    ).classification;
    assert.deepEqual([schema.source, schema.taskType], ['rules', 'extraction']);
    assert.match(schema.reason, /^precise rules \(an expected schema\): /);
    const code = classifyWithLearnedModel({ prompt: 'What is wrong here?\n```js\nconst x = ;\n```' }, config, model);
    assert.deepEqual([code.classification.source, code.classification.taskType], ['rules', 'coding']);
    const own = classifyWithLearnedModel({ prompt: 'Is this indemnification clause fair?' }, config, model);
    assert.deepEqual([own.classification.source, own.classification.taskType], ['rules', 'legal']);
    assert.match(own.classification.reason, /^config rules: /);
    const given = classifyWithLearnedModel({ prompt: 'Summarize this.', taskType: 'coding' }, config, model);
    assert.equal(given.classification.source, 'given');
  });

  it('takes the default route when the best probability is below minProbability', () => {
    const strict = { ...config, classifier: { ...config.classifier, minProbability: 0.999 } };
    const { classification } = classifyWithLearnedModel({ prompt: 'hmm' }, strict, model);
    assert.deepEqual(
      [classification.source, classification.taskType, classification.route],
      ['default', 'default', 'default'],
    );
    assert.match(classification.reason, /unsure: .*below 0\.999; default route "default"/);
  });
});
