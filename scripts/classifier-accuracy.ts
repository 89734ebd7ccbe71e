/**
 * Checks the rules classifier against prompts it was not written from: the first turns of the
 * MT-Bench questions in the shared data directory, mapped to task types as that directory's
 * README says. Prints the accuracy, a confusion matrix, every misclassified prompt with the
 * classifier's reason, and the time one classification takes.
 *
 *   npx tsx scripts/classifier-accuracy.ts
 *
 * The shared directory is `LLM_CASCADE_SHARED_DIR`, or `../shared` beside the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { classifyRequest, type ClassifyInput } from '../core/classifier';
import { ClassifierConfig } from '../core/config';
import { BUILT_IN_TASK_TYPES } from '../core/task-types';
import { percentile } from '../eval/eval-metrics';
import { resolveSharedDataDir } from '../simulator/shared-data-dir';

/** MT-Bench category -> llm-cascade task type, from `data/task-types/README.md`. */
const CATEGORY_TO_TASK_TYPE: Record<string, string> = {
  extraction: 'extraction',
  reasoning: 'reasoning',
  math: 'reasoning',
  coding: 'coding',
  writing: 'creative_generation',
  roleplay: 'creative_generation',
  stem: 'question_answering',
  humanities: 'question_answering',
};

/** Passes over the whole set for timing; enough that p99 is not one outlier. */
const TIMING_ROUNDS = 200;

/**
 * Passes before timing starts. V8 compiles each regex on its first runs (to bytecode, then to
 * machine code), a one-off cost per process that says nothing about classifying a request.
 */
const WARM_UP_ROUNDS = 3;

const MtBenchQuestion = z.object({
  question_id: z.number(),
  category: z.string(),
  turns: z.array(z.string()).min(1),
});

interface Labelled {
  id: number;
  category: string;
  expected: string;
  input: ClassifyInput;
}

function loadQuestions(file: string): Labelled[] {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return lines.map((line, i) => {
    const question = MtBenchQuestion.parse(JSON.parse(line));
    const expected = CATEGORY_TO_TASK_TYPE[question.category];
    if (!expected)
      throw new Error(`${file}:${i + 1}: category "${question.category}" has no task type in the README's mapping`);
    return {
      id: question.question_id,
      category: question.category,
      expected,
      input: { text: question.turns[0]!, hasSchema: false, hasGroundTruth: false },
    };
  });
}

function pad(text: string, width: number, alignRight = false): string {
  return alignRight ? text.padStart(width) : text.padEnd(width);
}

function main(): void {
  const sharedDir = resolveSharedDataDir();
  const file = path.join(sharedDir, 'data', 'task-types', 'mt_bench_question.jsonl');
  const questions = loadQuestions(file);
  const config = ClassifierConfig.parse({});

  const warmUpStart = performance.now();
  for (let round = 0; round < WARM_UP_ROUNDS; round++)
    for (const question of questions) classifyRequest(question.input, config);
  const warmUpMs = performance.now() - warmUpStart;

  const results = questions.map((question) => ({ question, result: classifyRequest(question.input, config) }));
  const correct = results.filter(({ question, result }) => result.taskType === question.expected).length;

  const builtIn: readonly string[] = BUILT_IN_TASK_TYPES;
  const predictedTypes = new Set<string>(results.map(({ result }) => result.taskType));
  const columns = [...builtIn, ...[...predictedTypes].filter((taskType) => !builtIn.includes(taskType)).sort()];
  const rows = [...new Set(questions.map((q) => q.expected))].sort((a, b) => builtIn.indexOf(a) - builtIn.indexOf(b));
  const counts = new Map<string, number>();
  for (const { question, result } of results) {
    const key = `${question.expected}\u0000${result.taskType}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  console.log(`MT-Bench first turns: ${file}`);
  console.log(`accuracy: ${correct}/${questions.length} = ${((100 * correct) / questions.length).toFixed(1)}%\n`);

  console.log('confusion matrix (rows: expected, columns: predicted)');
  const labelWidth = Math.max(...rows.map((r) => r.length), 'expected'.length) + 2;
  console.log(
    pad('expected', labelWidth) +
      columns.map((column) => pad(column, column.length + 2, true)).join('') +
      pad('accuracy', 11, true),
  );
  for (const row of rows) {
    const cells = columns.map((column) =>
      pad(String(counts.get(`${row}\u0000${column}`) ?? 0), column.length + 2, true),
    );
    const total = results.filter(({ question }) => question.expected === row).length;
    const right = counts.get(`${row}\u0000${row}`) ?? 0;
    console.log(pad(row, labelWidth) + cells.join('') + pad(`${right}/${total}`, 11, true));
  }

  const categories = [...new Set(questions.map((q) => q.category))];
  console.log('\nby MT-Bench category');
  for (const category of categories) {
    const inCategory = results.filter(({ question }) => question.category === category);
    const right = inCategory.filter(({ question, result }) => result.taskType === question.expected).length;
    console.log(`  ${pad(category, 12)} ${right}/${inCategory.length}`);
  }

  const misses = results.filter(({ question, result }) => result.taskType !== question.expected);
  console.log(`\nmisclassified (${misses.length})`);
  for (const { question, result } of misses) {
    const text = question.input.text.replace(/\s+/g, ' ');
    console.log(
      `  #${question.id} ${question.category} -> expected ${question.expected}, got ${result.taskType} (margin ${result.margin})`,
    );
    console.log(`    prompt: ${text.length > 160 ? `${text.slice(0, 159)}…` : text}`);
    console.log(`    reason: ${result.reason}`);
  }

  const timings: number[] = [];
  const fastestPerPrompt = questions.map(() => Number.POSITIVE_INFINITY);
  // CPU time as well as wall time: on a busy machine the wall-clock tail mostly measures preemption.
  const cpuStart = process.cpuUsage();
  for (let round = 0; round < TIMING_ROUNDS; round++) {
    for (const [i, question] of questions.entries()) {
      const start = performance.now();
      classifyRequest(question.input, config);
      const elapsed = performance.now() - start;
      timings.push(elapsed);
      fastestPerPrompt[i] = Math.min(fastestPerPrompt[i]!, elapsed);
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  timings.sort((a, b) => a - b);
  const mean = timings.reduce((sum, t) => sum + t, 0) / timings.length;
  const microseconds = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  const longest = Math.max(...questions.map((q) => q.input.text.length));
  console.log(
    `\ntime per classification over ${timings.length} runs (prompts up to ${longest} chars): mean ${microseconds(mean)}, p50 ${microseconds(percentile(timings, 50))}, p99 ${microseconds(percentile(timings, 99))}, max ${microseconds(timings[timings.length - 1]!)}`,
  );
  const fastestMean = fastestPerPrompt.reduce((sum, t) => sum + t, 0) / fastestPerPrompt.length;
  console.log(
    `fastest of ${TIMING_ROUNDS} runs per prompt (what a classification costs without preemption): mean ${microseconds(fastestMean)}, slowest prompt ${microseconds(Math.max(...fastestPerPrompt))}`,
  );
  console.log(
    `process CPU time per classification (user + system, GC included): mean ${microseconds((cpu.user + cpu.system) / 1000 / timings.length)}`,
  );
  console.log(
    `one-off warm-up (compiling the rules and V8 compiling their regexes), ${WARM_UP_ROUNDS} passes: ${warmUpMs.toFixed(1)} ms`,
  );
}

main();
