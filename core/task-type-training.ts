import { z } from 'zod';
import {
  classProbabilities,
  hashedFeatures,
  LATEST_FEATURE_VERSION,
  type HashedFeatures,
  type TaskTypeModel,
  type TaskTypePrediction,
} from './task-type-model';
import { TASK_TYPE_PATTERN } from './task-types';

/*
 * Fitting the learned classifier (`task-type-model.ts`) and measuring it. Pure and deterministic:
 * the same examples and options give the same weights, byte for byte, so `npm run
 * train:classifier` reproduces the shipped model.
 */

/** One labelled prompt: a line of a training or evaluation file (`{prompt, taskType}`). */
export const LabelledPrompt = z.object({
  prompt: z.string().min(1, 'an empty prompt teaches nothing'),
  taskType: z.string().regex(TASK_TYPE_PATTERN, 'a task type: lowercase words joined by _ or -'),
});
export type LabelledPrompt = z.infer<typeof LabelledPrompt>;

/** A labelled prompt as training sees it: where it came from (for cross-validation by source) and how much it counts. */
export interface TrainingExample extends LabelledPrompt {
  source: string;
  /** How much the example counts against the others (1 by default): a team's own labels count more. */
  weight?: number;
}

export interface TrainOptions {
  /** Feature-hashing buckets, a power of two. */
  buckets: number;
  /** Passes over the data. */
  epochs: number;
  /** AdaGrad's step size. */
  learningRate: number;
  /** L2 penalty per example seen, on the weights it touches. */
  l2: number;
  /** Seeds the order examples are visited in. */
  seed: number;
  /** The classes, in order; by default the sorted task types of the examples. */
  classes?: readonly string[];
  /**
   * The share of each task type in the traffic the model will classify (0 to 1, summing to at most
   * 1). The training set is about balanced across types; real traffic is not (questions dominate).
   * Each class's bias is shifted by log(prior / its share of the training examples), the Bayes
   * correction for a change of class priors, so a prompt the features leave in doubt goes to the
   * more common type. A class not named keeps its training share. None: no shift.
   */
  priors?: Readonly<Record<string, number>>;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  buckets: 1 << 16,
  epochs: 12,
  learningRate: 0.5,
  l2: 1e-5,
  seed: 1,
};

/**
 * The traffic the built-in model is calibrated for: a third questions, the rest spread over the
 * other types. A midpoint between the shipped training set (questions 18%) and public instruction
 * data written by people, where about half the requests are questions; calibrating fully to the
 * latter cost more on the balanced checks than it gained on the question-heavy ones.
 */
export const TRAFFIC_PRIORS: Readonly<Record<string, number>> = {
  question_answering: 0.3,
  creative_generation: 0.17,
  coding: 0.12,
  classification: 0.11,
  reasoning: 0.1,
  extraction: 0.1,
  summarization: 0.1,
};

/** Fits a multinomial logistic regression with AdaGrad. Deterministic for given examples and options. */
export function trainTaskTypeModel(
  examples: readonly TrainingExample[],
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
): Omit<TaskTypeModel, 'id'> {
  if (examples.length === 0) throw new Error('no training examples');
  const classes = options.classes ?? [...new Set(examples.map((e) => e.taskType))].sort();
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const unknown = examples.find((e) => !classIndex.has(e.taskType));
  if (unknown) throw new Error(`an example has task type "${unknown.taskType}", which is not among the classes`);
  const k = classes.length;
  const vectors: Array<{ features: HashedFeatures; label: number; weight: number }> = examples.map((e) => ({
    features: hashedFeatures(e.prompt, options.buckets, LATEST_FEATURE_VERSION),
    label: classIndex.get(e.taskType)!,
    weight: e.weight ?? 1,
  }));

  const weights = new Float32Array(options.buckets * k);
  const squares = new Float32Array(options.buckets * k);
  const bias = new Float64Array(k);
  const biasSquares = new Float64Array(k);
  const model = { classes, bias, weights };
  const random = mulberry32(options.seed);
  const order = vectors.map((_, i) => i);
  const epsilon = 1e-8;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const { features, label, weight } = vectors[i]!;
      const p = classProbabilities(model, features);
      for (let c = 0; c < k; c++) {
        const gradient = weight * (p[c]! - (c === label ? 1 : 0));
        biasSquares[c]! += gradient * gradient;
        bias[c]! -= (options.learningRate * gradient) / Math.sqrt(biasSquares[c]! + epsilon);
        for (let f = 0; f < features.indices.length; f++) {
          const at = features.indices[f]! * k + c;
          const g = gradient * features.value + options.l2 * weights[at]!;
          squares[at]! += g * g;
          weights[at]! -= (options.learningRate * g) / Math.sqrt(squares[at]! + epsilon);
        }
      }
    }
  }
  if (options.priors) shiftToPriors(bias, classes, examples, options.priors);
  return { featureVersion: LATEST_FEATURE_VERSION, buckets: options.buckets, classes, bias, weights };
}

/** Adds log(prior / training share) to each named class's bias (see `TrainOptions.priors`). */
function shiftToPriors(
  bias: Float64Array,
  classes: readonly string[],
  examples: readonly TrainingExample[],
  priors: Readonly<Record<string, number>>,
): void {
  const total = Object.values(priors).reduce((a, b) => a + b, 0);
  if (total > 1 + 1e-9) throw new Error(`priors: the shares add up to ${total}, more than 1`);
  // Shares count examples, not their weights: a weight says how much a label is trusted, not how common its type is.
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.taskType, (counts.get(e.taskType) ?? 0) + 1);
  classes.forEach((c, k) => {
    const prior = priors[c];
    const count = counts.get(c) ?? 0;
    if (prior === undefined || count === 0) return;
    if (!(prior > 0)) throw new Error(`priors: ${c} must be above 0, got ${prior}`);
    bias[k]! += Math.log(prior / (count / examples.length));
  });
}

/** How a classifier did on labelled prompts. */
export interface EvaluationReport {
  examples: number;
  correct: number;
  accuracy: number;
  /** Per expected task type; a type only ever predicted has support 0. */
  perType: Record<string, { support: number; predicted: number; precision: number; recall: number; f1: number }>;
  /** expected -> predicted -> count. */
  confusion: Record<string, Record<string, number>>;
}

/** Scores predictions against labels. */
export function evaluatePredictions(pairs: ReadonlyArray<{ expected: string; predicted: string }>): EvaluationReport {
  const confusion: Record<string, Record<string, number>> = {};
  let correct = 0;
  for (const { expected, predicted } of pairs) {
    const row = (confusion[expected] ??= {});
    row[predicted] = (row[predicted] ?? 0) + 1;
    if (expected === predicted) correct++;
  }
  const types = [...new Set(pairs.flatMap((p) => [p.expected, p.predicted]))].sort();
  const perType: EvaluationReport['perType'] = {};
  for (const type of types) {
    const support = pairs.filter((p) => p.expected === type).length;
    const predicted = pairs.filter((p) => p.predicted === type).length;
    const hits = confusion[type]?.[type] ?? 0;
    const precision = predicted === 0 ? 0 : hits / predicted;
    const recall = support === 0 ? 0 : hits / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perType[type] = { support, predicted, precision, recall, f1 };
  }
  return {
    examples: pairs.length,
    correct,
    accuracy: pairs.length === 0 ? 0 : correct / pairs.length,
    perType,
    confusion,
  };
}

export interface CrossValidation {
  /** One fold per source: trained on every other source, tested on this one. */
  folds: Array<{ source: string; examples: number; accuracy: number }>;
  /** Every held-out prediction of every fold together. */
  pooled: EvaluationReport;
}

/**
 * Leave-one-source-out cross-validation: each source is held out in turn and predicted by a model
 * trained on the others, so a source's own phrasings never help predict it. A harder and more honest
 * test of how the classifier does on prompts written by someone else than a random split.
 */
export function crossValidateBySource(
  examples: readonly TrainingExample[],
  options: TrainOptions,
  predict: (model: Omit<TaskTypeModel, 'id'>, text: string) => TaskTypePrediction,
): CrossValidation {
  const sources = [...new Set(examples.map((e) => e.source))].sort();
  if (sources.length < 2) throw new Error('cross-validation by source needs at least two sources');
  const classes = options.classes ?? [...new Set(examples.map((e) => e.taskType))].sort();
  const folds: CrossValidation['folds'] = [];
  const pairs: Array<{ expected: string; predicted: string }> = [];
  for (const source of sources) {
    const model = trainTaskTypeModel(
      examples.filter((e) => e.source !== source),
      { ...options, classes },
    );
    const held = examples.filter((e) => e.source === source);
    const foldPairs = held.map((e) => ({ expected: e.taskType, predicted: predict(model, e.prompt).taskType }));
    pairs.push(...foldPairs);
    folds.push({
      source,
      examples: held.length,
      accuracy: foldPairs.filter((p) => p.expected === p.predicted).length / held.length,
    });
  }
  return { folds, pooled: evaluatePredictions(pairs) };
}

/** A small, fast, seedable PRNG: training must not depend on Math.random. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
