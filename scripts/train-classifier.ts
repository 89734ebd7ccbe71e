/**
 * `npm run train:classifier`: fits the learned task-type classifier on the training set shipped in
 * `data/classifier-training/` and writes `models/task-type-classifier.json`, the model every config
 * uses unless `classifier.learnedModel` names another. Training is deterministic: the same data
 * gives the same file. Then it measures the model (skip with --no-evaluate) and writes the numbers
 * to `models/task-type-classifier.evaluation.json`:
 * - leave-one-source-out cross-validation on the training set (each source predicted by a model
 *   trained on the others);
 * - the MT-Bench first turns of the shared data directory (never trained on), classified the way a
 *   cascade is (precise rules, then the model), and by the rules alone for reference;
 * - the held-out files of `data/classifier-holdout/` (written for the project, never trained on),
 *   classified the same way;
 * - the user-style check of `data/classifier-user-style/` (instruction-only prompts in the voice of
 *   real chat users, written apart from the training set and never trained on), the same way.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { orderedTypes, renderEvaluation } from '../classifier/evaluation-report';
import { BUILT_IN_MODEL_PATH, writeModelFile } from '../classifier/model-file';
import { readMtBench } from '../classifier/mt-bench';
import { HOLDOUT_DIR, SHIPPED_TRAINING_DIR, USER_STYLE_DIR, readShippedTrainingSet } from '../classifier/training-data';
import { classifyByRules, classifyWithLearnedModel } from '../core/cascade-plan';
import { parseConfig } from '../core/config';
import { predictTaskType } from '../core/task-type-model';
import {
  crossValidateBySource,
  DEFAULT_TRAIN_OPTIONS,
  evaluatePredictions,
  TRAFFIC_PRIORS,
  trainTaskTypeModel,
} from '../core/task-type-training';
import { BUILT_IN_TASK_TYPES, DEFAULT_ROUTE } from '../core/task-types';
import { PROJECT_ROOT } from '../config/load-config';

const EVALUATION_PATH = BUILT_IN_MODEL_PATH.replace(/\.json$/, '.evaluation.json');

async function main(): Promise<void> {
  const evaluate = !process.argv.includes('--no-evaluate');
  const examples = await readShippedTrainingSet();
  const sources: Record<string, number> = {};
  const types: Record<string, number> = {};
  for (const e of examples) {
    sources[e.source] = (sources[e.source] ?? 0) + 1;
    types[e.taskType] = (types[e.taskType] ?? 0) + 1;
  }
  const options = { ...DEFAULT_TRAIN_OPTIONS, classes: [...BUILT_IN_TASK_TYPES].sort(), priors: TRAFFIC_PRIORS };
  const started = performance.now();
  const trained = trainTaskTypeModel(examples, options);
  const trainMs = performance.now() - started;
  const model = await writeModelFile(BUILT_IN_MODEL_PATH, trained, {
    data: path.relative(PROJECT_ROOT, SHIPPED_TRAINING_DIR),
    examples: examples.length,
    sources,
    taskTypes: types,
    options: {
      buckets: options.buckets,
      epochs: options.epochs,
      learningRate: options.learningRate,
      l2: options.l2,
      seed: options.seed,
      priors: options.priors,
    },
  });
  console.log(
    `trained on ${examples.length} prompts from ${Object.keys(sources).length} sources in ${(trainMs / 1000).toFixed(1)} s; wrote ${path.relative(PROJECT_ROOT, BUILT_IN_MODEL_PATH)} (model ${model.id})`,
  );
  if (!evaluate) return;

  const cv = crossValidateBySource(examples, options, (m, text) => predictTaskType({ ...m, id: '' }, text));
  console.log(
    `\n${renderEvaluation(cv.pooled, 'cross-validated by source (each source predicted by a model trained on the others)')}`,
  );
  console.log(
    `\nby held-out source: ${cv.folds.map((f) => `${f.source} ${(f.accuracy * 100).toFixed(1)}% (${f.examples})`).join(', ')}`,
  );

  const config = parseConfig({
    providers: { p: { type: 'openai' } },
    models: { m: { provider: 'p', model: 'm', pricing: { inputPerMTok: 1, outputPerMTok: 1 } } },
    tiers: [{ name: 't', model: 'm' }],
    routes: Object.fromEntries([...BUILT_IN_TASK_TYPES, DEFAULT_ROUTE].map((r) => [r, { startTier: 't' }])),
  });
  const mtBench = await readMtBench().catch((error: unknown) => {
    console.log(`\nMT-Bench check skipped: ${(error as Error).message}`);
    return undefined;
  });
  let mtBenchReports;
  if (mtBench) {
    const cascade = evaluatePredictions(
      mtBench.map((q) => ({
        expected: q.taskType,
        predicted: classifyWithLearnedModel({ prompt: q.prompt }, config, model).classification.taskType,
      })),
    );
    const rules = evaluatePredictions(
      mtBench.map((q) => ({
        expected: q.taskType,
        predicted: classifyByRules({ prompt: q.prompt }, config).classification.taskType,
      })),
    );
    console.log(
      `\n${renderEvaluation(cascade, 'MT-Bench first turns (not trained on), precise rules + learned model')}`,
    );
    console.log(
      `\nthe rules alone on MT-Bench: ${rules.correct}/${rules.examples} = ${(rules.accuracy * 100).toFixed(1)}%`,
    );
    mtBenchReports = { cascade, rulesOnly: rules };
  }

  const classifyDir = async (dir: string) => {
    const labelled = await readShippedTrainingSet(dir);
    const learned = (prompt: string) => classifyWithLearnedModel({ prompt }, config, model).classification.taskType;
    const byFile: Record<string, ReturnType<typeof evaluatePredictions>> = {};
    for (const source of [...new Set(labelled.map((e) => e.source))])
      byFile[source] = evaluatePredictions(
        labelled
          .filter((e) => e.source === source)
          .map((e) => ({ expected: e.taskType, predicted: learned(e.prompt) })),
      );
    return {
      cascade: evaluatePredictions(labelled.map((e) => ({ expected: e.taskType, predicted: learned(e.prompt) }))),
      byFile,
      rulesOnly: evaluatePredictions(
        labelled.map((e) => ({
          expected: e.taskType,
          predicted: classifyByRules({ prompt: e.prompt }, config).classification.taskType,
        })),
      ),
    };
  };
  const printDir = (dir: string, report: Awaited<ReturnType<typeof classifyDir>>) => {
    console.log(
      `\n${renderEvaluation(report.cascade, `${path.relative(PROJECT_ROOT, dir)} (not trained on), precise rules + learned model`)}`,
    );
    console.log(
      `\nby file: ${Object.entries(report.byFile)
        .map(([file, r]) => `${file} ${(r.accuracy * 100).toFixed(1)}% (${r.examples})`)
        .join(', ')}; the rules alone: ${(report.rulesOnly.accuracy * 100).toFixed(1)}%`,
    );
  };
  const heldOut = await classifyDir(HOLDOUT_DIR);
  printDir(HOLDOUT_DIR, heldOut);
  const userStyle = await classifyDir(USER_STYLE_DIR);
  printDir(USER_STYLE_DIR, userStyle);

  const evaluation = {
    model: model.id,
    examples: examples.length,
    trainSeconds: Math.round(trainMs) / 1000,
    taskTypes: orderedTypes(Object.keys(types)),
    crossValidation: { bySource: cv.folds, pooled: cv.pooled },
    ...(mtBenchReports ? { mtBench: mtBenchReports } : {}),
    heldOut,
    userStyle,
  };
  await writeFile(EVALUATION_PATH, `${JSON.stringify(evaluation, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(PROJECT_ROOT, EVALUATION_PATH)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
