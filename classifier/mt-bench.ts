import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { resolveSharedDataDir } from '../lib/shared-data-dir';

/** MT-Bench category -> llm-cascade task type, from the shared `data/task-types/README.md`. */
export const MT_BENCH_TASK_TYPES: Record<string, string> = {
  extraction: 'extraction',
  reasoning: 'reasoning',
  math: 'reasoning',
  coding: 'coding',
  writing: 'creative_generation',
  roleplay: 'creative_generation',
  stem: 'question_answering',
  humanities: 'question_answering',
};

const MtBenchQuestion = z.object({
  question_id: z.number(),
  category: z.string(),
  turns: z.array(z.string()).min(1),
});

export interface MtBenchPrompt {
  id: number;
  category: string;
  taskType: string;
  /** The first turn. */
  prompt: string;
}

/** The shared MT-Bench questions (a check the classifier is never trained on). */
export function mtBenchFile(): string {
  return path.join(resolveSharedDataDir(), 'data', 'task-types', 'mt_bench_question.jsonl');
}

export async function readMtBench(file = mtBenchFile()): Promise<MtBenchPrompt[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, i) => {
    const question = MtBenchQuestion.parse(JSON.parse(line));
    const taskType = MT_BENCH_TASK_TYPES[question.category];
    if (!taskType)
      throw new Error(`${file}:${i + 1}: category "${question.category}" has no task type in the README's mapping`);
    return { id: question.question_id, category: question.category, taskType, prompt: question.turns[0]! };
  });
}
