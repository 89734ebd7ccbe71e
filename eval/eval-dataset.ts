import path from 'node:path';
import { RouterbenchDataset, type RouterbenchRow } from '../simulator/routerbench-dataset';

/** One RouterBench-format CSV as the eval runs it: its rows (maybe the first N) and its models. */
export interface EvalDataset {
  /** The file's base name without `.csv`, e.g. `arc_challenge_train`: how reports name it. */
  name: string;
  file: string;
  rows: readonly RouterbenchRow[];
  /** Rows in the file, before any `limit`. */
  totalRows: number;
  /** The models the file records answers for, in column order. */
  models: readonly string[];
}

/** A dataset name from a file path: the base name without its extension. */
export function datasetName(file: string): string {
  return path.basename(file).replace(/\.csv$/i, '');
}

/** Names for a list of base names that may repeat: the second `x` becomes `x-2`, the third `x-3`... */
export function uniqueNames(bases: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return bases.map((base) => {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

/**
 * Reads RouterBench-format CSVs with the simulator's parser (the same one replay answers from, so
 * a prompt sent is exactly a prompt recorded). `limit` keeps the first N rows of each file.
 * Two files with the same base name get `-2`, `-3`... so every dataset has its own name.
 */
export async function loadEvalDatasets(files: readonly string[], limit?: number): Promise<EvalDataset[]> {
  const names = uniqueNames(files.map(datasetName));
  const datasets: EvalDataset[] = [];
  for (const [i, file] of files.entries()) {
    const { rows } = await RouterbenchDataset.load([file]);
    const models = rows[0] ? [...rows[0].answers.keys()] : [];
    datasets.push({
      name: names[i]!,
      file: path.resolve(file),
      rows: limit === undefined ? rows : rows.slice(0, limit),
      totalRows: rows.length,
      models,
    });
  }
  return datasets;
}
