import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';
import { type ClassifierConfig } from '../core/config';
import { formatIssues } from '../core/format-issues';
import {
  decodeTaskTypeModel,
  encodeTaskTypeModel,
  TaskTypeModelFile,
  type TaskTypeModel,
} from '../core/task-type-model';

/** The model `npm run train:classifier` writes and every config uses unless `classifier.learnedModel` says otherwise. */
export const BUILT_IN_MODEL_PATH = path.join(PROJECT_ROOT, 'models', 'task-type-classifier.json');

/** A model file that cannot be read or is not a valid model; the message names the file and the problem. */
export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ModelFileError';
  }
}

/** Reads and validates a model file. The model's id is a short hash of the file's bytes. */
export async function readModelFile(file: string): Promise<TaskTypeModel> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ModelFileError(
      file,
      `cannot read the model file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(file, `not a model file: invalid JSON (${(error as Error).message})`);
  }
  const parsed = TaskTypeModelFile.safeParse(json);
  if (!parsed.success)
    throw new ModelFileError(file, `not a valid model file: ${formatIssues(parsed.error.issues).join('; ')}`);
  const id = createHash('sha256').update(text).digest('hex').slice(0, 12);
  try {
    return decodeTaskTypeModel(parsed.data, id);
  } catch (error) {
    throw new ModelFileError(file, `not a valid model file: ${(error as Error).message}`);
  }
}

/** Writes a trained model; returns the model as a reader of the file would see it (with its id). */
export async function writeModelFile(
  file: string,
  model: Omit<TaskTypeModel, 'id'>,
  training: Record<string, unknown>,
): Promise<TaskTypeModel> {
  const text = `${JSON.stringify(encodeTaskTypeModel(model, training))}\n`;
  await writeFile(file, text);
  return readModelFile(file);
}

/** The model file a classifier config uses, or `undefined` for rules only. */
export function learnedModelPath(classifier: Pick<ClassifierConfig, 'learnedModel'>): string | undefined {
  if (classifier.learnedModel === false) return undefined;
  return classifier.learnedModel === undefined ? BUILT_IN_MODEL_PATH : path.resolve(classifier.learnedModel);
}

/**
 * Models by file, each read once per process (a worker loads its model once, not per request). A
 * file that changes on disk is not re-read: a running worker keeps the model it started with, and
 * each classification records the id of the model that made it.
 */
export class ModelCache {
  private readonly models = new Map<string, Promise<TaskTypeModel>>();

  load(file: string): Promise<TaskTypeModel> {
    let model = this.models.get(file);
    if (!model) {
      model = readModelFile(file);
      // A failed read is not cached: the file may be fixed while the process runs.
      model.catch(() => this.models.delete(file));
      this.models.set(file, model);
    }
    return model;
  }
}

/** The process's models: the worker, the CLI and the API read each model file once. */
export const sharedModels = new ModelCache();
