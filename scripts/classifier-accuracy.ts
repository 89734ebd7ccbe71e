/**
 * `npm run classifier:accuracy`: checks the classifier on prompts it was not written or trained
 * from (the first turns of the shared MT-Bench questions, mapped to task types as that directory's
 * README says) and measures the time one classification takes, as the worker runs it (precise rules
 * and the learned model) and by the rules alone, the reference, in the same run. Prints the
 * confusion matrix and the misclassified prompts, the accuracy on the user-style check
 * (`data/classifier-user-style/`, never trained on), and writes the numbers to
 * `bench/results/classifier.json`.
 *
 * The shared directory is `LLM_CASCADE_SHARED_DIR`, or `../shared` beside the project.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderEvaluation } from '../classifier/evaluation-report';
import { BUILT_IN_MODEL_PATH, readModelFile } from '../classifier/model-file';
import { mtBenchFile, readMtBench } from '../classifier/mt-bench';
import { USER_STYLE_DIR, readShippedTrainingSet } from '../classifier/training-data';
import { classifyByRules, classifyWithLearnedModel, type InitialClassification } from '../core/cascade-plan';
import { parseConfig } from '../core/config';
import { type CascadeRequest } from '../core/request';
import { evaluatePredictions } from '../core/task-type-training';
import { BUILT_IN_TASK_TYPES, DEFAULT_ROUTE } from '../core/task-types';
import { percentile } from '../eval/eval-metrics';
import { PROJECT_ROOT } from '../config/load-config';

/** Passes over the prompts for timing; enough that p99 is not one outlier. */
const TIMING_ROUNDS = 30;
/** Passes before timing: V8 compiles regexes and hot functions on their first runs, once per process. */
const WARM_UP_ROUNDS = 3;
const OUT = path.join(PROJECT_ROOT, 'bench', 'results', 'classifier.json');

function timeEach(requests: readonly CascadeRequest[], classify: (r: CascadeRequest) => InitialClassification) {
  for (let round = 0; round < WARM_UP_ROUNDS; round++) for (const r of requests) classify(r);
  const timings: number[] = [];
  const fastest = requests.map(() => Number.POSITIVE_INFINITY);
  const cpuStart = process.cpuUsage();
  for (let round = 0; round < TIMING_ROUNDS; round++)
    for (const [i, r] of requests.entries()) {
      const start = performance.now();
      classify(r);
      const elapsed = performance.now() - start;
      timings.push(elapsed);
      fastest[i] = Math.min(fastest[i]!, elapsed);
    }
  const cpu = process.cpuUsage(cpuStart);
  timings.sort((a, b) => a - b);
  fastest.sort((a, b) => a - b);
  const us = (ms: number) => Math.round(ms * 10_000) / 10;
  return {
    runs: timings.length,
    meanMicros: us(timings.reduce((a, b) => a + b, 0) / timings.length),
    p50Micros: us(percentile(timings, 50)),
    p99Micros: us(percentile(timings, 99)),
    maxMicros: us(timings[timings.length - 1]!),
    /**
     * Each prompt's fastest of the rounds: what a classification costs when the process is not
     * preempted. On a loaded machine the wall-clock tail above mostly measures the scheduler.
     */
    fastestP50Micros: us(percentile(fastest, 50)),
    fastestP99Micros: us(percentile(fastest, 99)),
    /** Process CPU time (user + system, GC included) per classification. */
    cpuMeanMicros: us((cpu.user + cpu.system) / 1000 / timings.length),
  };
}

async function main(): Promise<void> {
  const config = parseConfig({
    providers: { p: { type: 'openai' } },
    models: { m: { provider: 'p', model: 'm', pricing: { inputPerMTok: 1, outputPerMTok: 1 } } },
    tiers: [{ name: 't', model: 'm' }],
    routes: Object.fromEntries([...BUILT_IN_TASK_TYPES, DEFAULT_ROUTE].map((r) => [r, { startTier: 't' }])),
  });
  const loadStart = performance.now();
  const model = await readModelFile(BUILT_IN_MODEL_PATH);
  const loadMs = performance.now() - loadStart;
  const questions = await readMtBench();
  const learned = (r: CascadeRequest) => classifyWithLearnedModel(r, config, model);
  const rules = (r: CascadeRequest) => classifyByRules(r, config);

  const results = questions.map((q) => ({ q, got: learned({ prompt: q.prompt }).classification }));
  const report = evaluatePredictions(results.map(({ q, got }) => ({ expected: q.taskType, predicted: got.taskType })));
  const rulesReport = evaluatePredictions(
    questions.map((q) => ({ expected: q.taskType, predicted: rules({ prompt: q.prompt }).classification.taskType })),
  );
  console.log(`MT-Bench first turns: ${mtBenchFile()}\n`);
  console.log(renderEvaluation(report, 'precise rules + learned model'));
  console.log(
    `\nthe rules alone: ${rulesReport.correct}/${rulesReport.examples} = ${(rulesReport.accuracy * 100).toFixed(1)}%`,
  );
  const misses = results.filter(({ q, got }) => got.taskType !== q.taskType);
  console.log(`\nmisclassified (${misses.length})`);
  for (const { q, got } of misses) {
    const text = q.prompt.replace(/\s+/g, ' ');
    console.log(
      `  #${q.id} ${q.category} -> expected ${q.taskType}, got ${got.taskType} (${got.source}, margin ${got.margin})`,
    );
    console.log(`    ${text.length > 150 ? `${text.slice(0, 149)}…` : text}`);
  }

  // The user-style check: instruction-only prompts in real users' voice, never trained on.
  const userStyle = await readShippedTrainingSet(USER_STYLE_DIR);
  // Each prompt classified once; the report per file reads the same predictions.
  const userStylePredictions = userStyle.map((e) => ({
    source: e.source,
    expected: e.taskType,
    predicted: learned({ prompt: e.prompt }).classification.taskType,
  }));
  const userStyleReport = evaluatePredictions(userStylePredictions);
  const userStyleRules = evaluatePredictions(
    userStyle.map((e) => ({ expected: e.taskType, predicted: rules({ prompt: e.prompt }).classification.taskType })),
  );
  const userStyleByFile = Object.fromEntries(
    [...new Set(userStyle.map((e) => e.source))].map((source) => {
      const r = evaluatePredictions(userStylePredictions.filter((p) => p.source === source));
      return [source, { accuracy: r.accuracy, correct: r.correct, examples: r.examples }];
    }),
  );
  console.log(
    `\n${renderEvaluation(userStyleReport, `${path.relative(PROJECT_ROOT, USER_STYLE_DIR)}, precise rules + learned model`)}`,
  );
  console.log(
    `\nby file: ${Object.entries(userStyleByFile)
      .map(([file, r]) => `${file} ${(r.accuracy * 100).toFixed(1)}% (${r.examples})`)
      .join(', ')}; the rules alone: ${(userStyleRules.accuracy * 100).toFixed(1)}%`,
  );

  // Timed on MT-Bench (long, multi-part prompts) and the shipped training prompts (mostly short).
  const requests = [
    ...questions.map((q) => ({ prompt: q.prompt })),
    ...(await readShippedTrainingSet()).map((e) => ({ prompt: e.prompt })),
  ];
  // The machine's 1-minute load average around the timing: on a shared machine the wall-clock tail is the scheduler's.
  const loadBefore = os.loadavg()[0]!;
  const learnedTiming = timeEach(requests, learned);
  const rulesTiming = timeEach(requests, rules);
  const loadAverage = { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0]! * 100) / 100 };
  console.log(`\ntime per classification over ${learnedTiming.runs} runs of ${requests.length} prompts (µs):`);
  for (const [name, t] of [
    ['precise rules + learned model', learnedTiming],
    ['the rules alone (reference)', rulesTiming],
  ] as const)
    console.log(
      `  ${name.padEnd(30)} wall p50 ${t.p50Micros}, p99 ${t.p99Micros}; fastest of ${TIMING_ROUNDS} per prompt p50 ${t.fastestP50Micros}, p99 ${t.fastestP99Micros}; CPU mean ${t.cpuMeanMicros}`,
    );
  console.log(
    `  ratio at p99 (fastest per prompt): ${(learnedTiming.fastestP99Micros / rulesTiming.fastestP99Micros).toFixed(2)}x; loading the model ${loadMs.toFixed(0)} ms; 1-minute load average ${loadAverage.before} before, ${loadAverage.after} after`,
  );
  await mkdir(path.dirname(OUT), { recursive: true });
  await writeFile(
    OUT,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        model: model.id,
        mtBench: {
          learned: { accuracy: report.accuracy, correct: report.correct, examples: report.examples },
          rulesOnly: { accuracy: rulesReport.accuracy },
        },
        userStyle: {
          learned: {
            accuracy: userStyleReport.accuracy,
            correct: userStyleReport.correct,
            examples: userStyleReport.examples,
          },
          byFile: userStyleByFile,
          rulesOnly: { accuracy: userStyleRules.accuracy },
        },
        prompts: requests.length,
        timing: {
          learned: learnedTiming,
          rulesOnly: rulesTiming,
          p99Ratio: learnedTiming.p99Micros / rulesTiming.p99Micros,
          loadAverage,
        },
        modelLoadMs: Math.round(loadMs),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${path.relative(PROJECT_ROOT, OUT)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
