import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';
import { LabelledPrompt, type TrainingExample } from '../core/task-type-training';

/** The training set shipped with the project: one JSONL file per source, `{prompt, taskType}` a line. */
export const SHIPPED_TRAINING_DIR = path.join(PROJECT_ROOT, 'data', 'classifier-training');

/** Labelled prompts written like the training set but never trained on: `npm run train:classifier` reports on them. */
export const HOLDOUT_DIR = path.join(PROJECT_ROOT, 'data', 'classifier-holdout');

/**
 * Instruction-only prompts in the voice of real chat users, with the task mix of real traffic
 * (mostly questions), written apart from the training set and never trained on: a second check.
 */
export const USER_STYLE_DIR = path.join(PROJECT_ROOT, 'data', 'classifier-user-style');

/** A labelled file with bad lines; every problem names its line. */
export class LabelledFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length} invalid line${problems.length === 1 ? '' : 's'}:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''}`,
    );
    this.name = 'LabelledFileError';
  }
}

/**
 * Reads a JSONL file of `{prompt, taskType}` lines (other fields, e.g. an audit's `id`, are
 * ignored). `messages` may stand for `prompt`: its last user turn is the prompt. Any bad line
 * fails the whole file, naming every bad line: a silently dropped label would skew training.
 */
export async function readLabelledFile(
  file: string,
  source = path.basename(file, '.jsonl'),
): Promise<TrainingExample[]> {
  const text = await readFile(file, 'utf8');
  const examples: TrainingExample[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      problems.push(`line ${i + 1}: invalid JSON (${(error as Error).message})`);
      return;
    }
    const record = withPromptFromMessages(value);
    const parsed = LabelledPrompt.safeParse(record);
    if (!parsed.success) {
      problems.push(
        `line ${i + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ')}`,
      );
      return;
    }
    examples.push({ ...parsed.data, source });
  });
  if (problems.length > 0) throw new LabelledFileError(file, problems);
  if (examples.length === 0) throw new LabelledFileError(file, ['no labelled lines']);
  return examples;
}

function withPromptFromMessages(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (record.prompt !== undefined || !Array.isArray(record.messages)) return record;
  const lastUser = [...(record.messages as Array<{ role?: unknown; content?: unknown }>)]
    .reverse()
    .find((m) => m?.role === 'user' && typeof m.content === 'string');
  return lastUser ? { ...record, prompt: lastUser.content } : record;
}

/** Every source of the shipped training set (or of another directory of labelled files), in file-name order. */
export async function readShippedTrainingSet(dir = SHIPPED_TRAINING_DIR): Promise<TrainingExample[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  const sets = await Promise.all(files.map((f) => readLabelledFile(path.join(dir, f))));
  return sets.flat();
}
