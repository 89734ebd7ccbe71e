import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { parsePythonStringList } from './python-string-literal';
import { resolveSharedDataDir } from '../lib/shared-data-dir';

/** The models whose answers RouterBench recorded, as its CSV columns name them. */
export const ROUTERBENCH_MODELS = [
  'gpt-4-1106-preview',
  'gpt-3.5-turbo-1106',
  'claude-v1',
  'claude-v2',
  'claude-instant-v1',
  'meta/llama-2-70b-chat',
  'meta/code-llama-instruct-34b-chat',
  'mistralai/mixtral-8x7b-chat',
  'mistralai/mistral-7b-chat',
  'zero-one-ai/Yi-34B-Chat',
  'WizardLM/WizardLM-13B-V1.2',
] as const;
export type RouterbenchModel = (typeof ROUTERBENCH_MODELS)[number];

export function isRouterbenchModel(name: string): name is RouterbenchModel {
  return (ROUTERBENCH_MODELS as readonly string[]).includes(name);
}

/** The RouterBench train splits, in a fixed order. */
export const ROUTERBENCH_TRAIN_FILE_NAMES = [
  'arc_challenge_train.csv',
  'winograde_train.csv',
  'mbpp_train.csv',
] as const;

/** Absolute paths of the RouterBench train CSVs under the shared data folder. */
export function routerbenchTrainFiles(sharedDataDir = resolveSharedDataDir()): string[] {
  return ROUTERBENCH_TRAIN_FILE_NAMES.map((name) => path.join(sharedDataDir, 'data', 'routerbench', name));
}

/** One model's recorded answer to one prompt. */
export interface RouterbenchAnswer {
  response: string;
  /** What the call cost in USD, as recorded. */
  totalCostUsd: number;
  /** Whether the answer was judged correct; `null` where the data does not say. */
  correct: boolean | null;
}

/** One prompt and every model's recorded answer to it. */
export interface RouterbenchRow {
  file: string;
  sampleId: string;
  evalName: string;
  prompt: string;
  answers: ReadonlyMap<string, RouterbenchAnswer>;
}

/** How a request's text was matched to a recorded prompt. */
export type RouterbenchMatchKind = 'exact' | 'trailing_whitespace' | 'prefix';

export type RouterbenchLookup =
  | { found: true; row: RouterbenchRow; answer: RouterbenchAnswer; matchedBy: RouterbenchMatchKind }
  | { found: false; reason: string };

/** A CSV that does not have RouterBench's layout, or a cell that does not parse. */
export class RouterbenchDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouterbenchDataError';
  }
}

const RESPONSE_SUFFIX = '|model_response';
const COST_SUFFIX = '|total_cost';

/** Recorded RouterBench answers, indexed by prompt text, for replaying (model, prompt) pairs. */
export class RouterbenchDataset {
  private readonly byPrompt = new Map<string, RouterbenchRow>();
  private readonly byTrimmedPrompt = new Map<string, RouterbenchRow>();
  /** Longest first, so the first prompt a text starts with is the longest such prompt. */
  private readonly promptsLongestFirst: RouterbenchRow[];
  readonly models: ReadonlySet<string>;

  constructor(readonly rows: readonly RouterbenchRow[]) {
    // A request cannot tell two rows with the same prompt apart, so the first one answers.
    for (const row of rows) {
      if (!this.byPrompt.has(row.prompt)) this.byPrompt.set(row.prompt, row);
      const trimmed = row.prompt.trimEnd();
      if (!this.byTrimmedPrompt.has(trimmed)) this.byTrimmedPrompt.set(trimmed, row);
    }
    this.promptsLongestFirst = [...this.byPrompt.values()].sort((a, b) => b.prompt.length - a.prompt.length);
    this.models = new Set(rows.flatMap((row) => [...row.answers.keys()]));
  }

  /** Reads RouterBench-format CSVs (see the shared data README). */
  static async load(files: readonly string[]): Promise<RouterbenchDataset> {
    const rows: RouterbenchRow[] = [];
    for (const file of files) rows.push(...(await readRouterbenchFile(file)));
    return new RouterbenchDataset(rows);
  }

  /**
   * The recorded answer of `model` to the prompt in `userTexts` (a conversation's user turns, in
   * order). The last turn is tried first, then earlier ones, since a cascade may add a turn of
   * feedback. Each turn matches a prompt exactly, then ignoring trailing whitespace, then as the
   * longest recorded prompt the turn starts with (text appended after the prompt).
   */
  lookup(model: string, userTexts: readonly string[]): RouterbenchLookup {
    if (!this.models.has(model)) {
      return {
        found: false,
        reason: `model "${model}" has no recorded answers (recorded models: ${[...this.models].join(', ')})`,
      };
    }
    for (let i = userTexts.length - 1; i >= 0; i--) {
      const match = this.matchPrompt(userTexts[i]!);
      if (!match) continue;
      const answer = match.row.answers.get(model);
      if (!answer) {
        return { found: false, reason: `no recorded answer of model "${model}" for sample ${match.row.sampleId}` };
      }
      return { found: true, row: match.row, answer, matchedBy: match.matchedBy };
    }
    return {
      found: false,
      reason: `no recorded prompt matches the user message (${this.byPrompt.size} prompts recorded)`,
    };
  }

  private matchPrompt(text: string): { row: RouterbenchRow; matchedBy: RouterbenchMatchKind } | undefined {
    const exact = this.byPrompt.get(text);
    if (exact) return { row: exact, matchedBy: 'exact' };
    const trimmed = this.byTrimmedPrompt.get(text.trimEnd());
    if (trimmed) return { row: trimmed, matchedBy: 'trailing_whitespace' };
    const prefixed = this.promptsLongestFirst.find((row) => text.startsWith(row.prompt));
    return prefixed && { row: prefixed, matchedBy: 'prefix' };
  }
}

/**
 * The text of a `prompt` or `<model>|model_response` cell: a Python list literal of strings,
 * almost always one. Seven ARC samples are recorded twice, once with their prompt listed twice and
 * different answers and costs; joining the items (by a blank line, as few-shot examples are
 * joined) keeps those rows distinct and every row reachable by its own text.
 */
export function routerbenchCellText(cell: string): string {
  const items = parsePythonStringList(cell);
  if (items.length === 0) throw new RouterbenchDataError('empty list: expected a string');
  return items.join('\n\n');
}

async function readRouterbenchFile(file: string): Promise<RouterbenchRow[]> {
  // The synchronous parser is several times faster than record-by-record async iteration, and a
  // file is read once per process.
  let records: Record<string, string>[];
  try {
    records = parse(await readFile(file), { columns: true }) as Record<string, string>[];
  } catch (error) {
    throw new RouterbenchDataError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (records.length === 0) return [];
  const models = modelsOfHeader(file, Object.keys(records[0]!));
  return records.map((record, index) => parseRow(file, index + 1, record, models));
}

function modelsOfHeader(file: string, columns: string[]): string[] {
  for (const required of ['sample_id', 'prompt', 'eval_name']) {
    if (!columns.includes(required)) throw new RouterbenchDataError(`${file}: no "${required}" column`);
  }
  const models = columns.filter((c) => c.endsWith(RESPONSE_SUFFIX)).map((c) => c.slice(0, -RESPONSE_SUFFIX.length));
  if (models.length === 0) throw new RouterbenchDataError(`${file}: no "<model>${RESPONSE_SUFFIX}" columns`);
  for (const model of models) {
    if (!columns.includes(model + COST_SUFFIX))
      throw new RouterbenchDataError(`${file}: no "${model}${COST_SUFFIX}" column`);
  }
  return models;
}

function parseRow(
  file: string,
  recordNumber: number,
  record: Record<string, string>,
  models: string[],
): RouterbenchRow {
  const where = `${path.basename(file)} record ${recordNumber}`;
  const cellText = (column: string): string => {
    try {
      return routerbenchCellText(record[column] ?? '');
    } catch (error) {
      throw new RouterbenchDataError(`${where}, column "${column}": ${(error as Error).message}`);
    }
  };
  const answers = new Map<string, RouterbenchAnswer>();
  for (const model of models) {
    const cost = Number(record[model + COST_SUFFIX]);
    if (record[model + COST_SUFFIX] === '' || !Number.isFinite(cost)) {
      throw new RouterbenchDataError(`${where}, column "${model}${COST_SUFFIX}": not a number`);
    }
    const correctness = record[model];
    answers.set(model, {
      response: cellText(model + RESPONSE_SUFFIX),
      totalCostUsd: cost,
      correct: correctness === undefined || correctness === '' ? null : Number(correctness) > 0,
    });
  }
  return {
    file,
    sampleId: record.sample_id ?? '',
    evalName: record.eval_name ?? '',
    prompt: cellText('prompt'),
    answers,
  };
}
