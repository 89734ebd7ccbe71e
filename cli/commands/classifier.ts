import path from 'node:path';
import { type Command } from 'commander';
import { z } from 'zod';
import { renderEvaluation } from '../../classifier/evaluation-report';
import { LabelledFileError, readLabelledFile, readShippedTrainingSet } from '../../classifier/training-data';
import { ModelCache, ModelFileError, writeModelFile } from '../../classifier/model-file';
import { classifyForCascade } from '../../classifier/request-classifier';
import { type CascadeConfig } from '../../core/config';
import {
  DEFAULT_TRAIN_OPTIONS,
  TRAFFIC_PRIORS,
  evaluatePredictions,
  trainTaskTypeModel,
  type EvaluationReport,
  type TrainingExample,
} from '../../core/task-type-training';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';
import { parseOptions } from '../parse-options';

const TrainOptions = z.object({
  out: z.string().min(1),
  weight: z.coerce.number().positive().max(100),
  base: z.boolean(),
  json: z.boolean().optional(),
});
const EvalOptions = z.object({
  model: z.string().min(1).optional(),
  rulesOnly: z.boolean().optional(),
  json: z.boolean().optional(),
});
const FLAGS: Record<string, string> = {
  out: '--out',
  weight: '--weight',
  base: '--no-base',
  model: '--model',
  rulesOnly: '--rules-only',
};

/** Reads labelled files, turning their problems into a usage error that names every bad line. */
async function readLabelled(files: readonly string[], source: string, weight?: number): Promise<TrainingExample[]> {
  const sets = await Promise.all(
    files.map((file) =>
      readLabelledFile(file, source).catch((error: unknown) => {
        if (error instanceof LabelledFileError) throw new CliError(error.message, EXIT_CODES.usage);
        if ((error as NodeJS.ErrnoException).code)
          throw new CliError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code}`, EXIT_CODES.usage);
        throw error;
      }),
    ),
  );
  return sets.flat().map((e) => (weight !== undefined ? { ...e, weight } : e));
}

/** How the config's classifier (or another model, or the rules alone) does on labelled prompts, as the worker runs it. */
async function evaluateClassifier(
  examples: readonly TrainingExample[],
  config: CascadeConfig,
  models = new ModelCache(),
): Promise<EvaluationReport> {
  const pairs = [];
  for (const example of examples) {
    const { classification } = await classifyForCascade({ prompt: example.prompt }, config, models);
    pairs.push({ expected: example.taskType, predicted: classification.taskType });
  }
  return evaluatePredictions(pairs);
}

/** The config with another learned model (or none), failing as a usage error naming `--model` when the file is bad. */
async function withModel(config: CascadeConfig, model: string | false, models: ModelCache): Promise<CascadeConfig> {
  if (model !== false) {
    try {
      await models.load(path.resolve(model));
    } catch (error) {
      if (error instanceof ModelFileError) throw new CliError(`--model: ${error.message}`, EXIT_CODES.usage);
      throw error;
    }
  }
  return {
    ...config,
    classifier: { ...config.classifier, learnedModel: model === false ? false : path.resolve(model) },
  };
}

const pct = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

/** `cascade classifier train|eval`: the learned classifier, fitted to and measured on a team's own labelled prompts. */
export function registerClassifierCommand(program: Command, cli: CliContext): void {
  const classifier = program
    .command('classifier')
    .description("train the learned task-type classifier on your own labelled prompts, or measure the config's");

  classifier
    .command('train')
    .description('fit a model on labelled prompts ({prompt, taskType} JSONL) plus the shipped training set')
    .argument('<labelled...>', 'JSONL files of {"prompt", "taskType"} (e.g. an audit --uncertain-out file, corrected)')
    .requiredOption('--out <file>', 'where to write the model (point classifier.learnedModel at it)')
    .option('--weight <n>', 'how much each of your prompts counts against a shipped one', '3')
    .option('--no-base', 'train on your prompts alone, without the shipped training set')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Your task types may be the built-in ones or your own (a route of the same name takes them). The
model is trained from scratch on the shipped set and your prompts, deterministically (with the
built-in model's traffic priors, questions a third of requests, when your prompts use built-in
types only); your prompts count --weight times each, so where they disagree with the shipped set,
yours win. Then set
  classifier:
    learnedModel: <file>
in the config (relative to the config file) and restart the worker.`,
    )
    .action(async (files: string[], raw: unknown, command: Command) => {
      const options = parseOptions(TrainOptions, raw, FLAGS);
      const config = await cli.config(command);
      const own = await readLabelled(files, 'yours', options.weight);
      const base = options.base ? await readShippedTrainingSet() : [];
      const examples = [...base, ...own];
      const classes = [...new Set(examples.map((e) => e.taskType))].sort();
      if (classes.length < 2)
        throw new CliError(
          `a model needs at least two task types to choose between; the data has ${classes.join(', ')}`,
          EXIT_CODES.usage,
        );
      const models = new ModelCache();
      const before = await evaluateClassifier(own, config, models);
      const started = Date.now();
      // Calibrated to the built-in model's traffic when the data has its task types only: for a type
      // of the team's own no share of traffic is known, and leaving it at its (small) share of the
      // examples while the built-in types move to theirs would bury it.
      const priors = options.base && classes.every((c) => c in TRAFFIC_PRIORS) ? TRAFFIC_PRIORS : undefined;
      const trained = trainTaskTypeModel(examples, {
        ...DEFAULT_TRAIN_OPTIONS,
        classes,
        ...(priors ? { priors } : {}),
      });
      const seconds = (Date.now() - started) / 1000;
      const model = await writeModelFile(options.out, trained, {
        base: options.base ? 'shipped training set' : 'none',
        files: files.map((f) => path.basename(f)),
        examples: examples.length,
        ownExamples: own.length,
        ownWeight: options.weight,
        ...(priors ? { priors } : {}),
      });
      const after = await evaluateClassifier(own, await withModel(config, options.out, models), models);
      const summary = {
        model: path.resolve(options.out),
        id: model.id,
        examples: examples.length,
        yours: own.length,
        taskTypes: classes,
        seconds,
        accuracyOnYoursBefore: before.accuracy,
        accuracyOnYoursAfter: after.accuracy,
      };
      if (options.json) cli.out(JSON.stringify(summary));
      else {
        cli.out(
          `trained on ${examples.length} prompts (${own.length} yours, counting ${options.weight}x) in ${seconds.toFixed(1)} s: ${classes.join(', ')}`,
        );
        cli.out(
          `on your prompts: ${pct(before.accuracy)} with the config's classifier, ${pct(after.accuracy)} with the new model (the prompts it was trained on: measure on held-out ones with \`cascade classifier eval --model\`)`,
        );
        cli.out(`written: ${options.out} (model ${model.id}); use it with classifier.learnedModel: ${options.out}`);
      }
    });

  classifier
    .command('eval')
    .description(
      "accuracy, per-type precision and recall, and the confusion matrix of the config's classifier on labelled prompts",
    )
    .argument('<labelled...>', 'JSONL files of {"prompt", "taskType"}')
    .option('--model <file>', "a model file to measure instead of the config's")
    .option('--rules-only', 'measure the rules alone')
    .option('--json', 'print the report as JSON')
    .action(async (files: string[], raw: unknown, command: Command) => {
      const options = parseOptions(EvalOptions, raw, FLAGS);
      if (options.model !== undefined && options.rulesOnly)
        throw new CliError('--model and --rules-only: give one', EXIT_CODES.usage);
      const models = new ModelCache();
      let config = await cli.config(command);
      if (options.model !== undefined) config = await withModel(config, options.model, models);
      if (options.rulesOnly) config = await withModel(config, false, models);
      const examples = await readLabelled(files, 'eval');
      const report = await evaluateClassifier(examples, config, models);
      if (options.json) cli.out(JSON.stringify(report));
      else cli.out(renderEvaluation(report, 'accuracy'));
    });
}
