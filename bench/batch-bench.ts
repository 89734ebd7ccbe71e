/**
 * `npx tsx bench/batch-bench.ts [--lines 10000] [--before-lines 2000]`: lines per second of a batch
 * over simulated providers that answer at once (so the batch machinery is what is measured), with
 * exactly one result per line checked. In the same run, on the same server: the batch as this
 * checkout runs it (the shipped bundle and batch defaults), and as main ran it before issue 17 (the
 * workflow bundle without the preloaded core/, and the batch options of the 1,039 s acceptance run:
 * concurrency 50, pages of 200), on fewer lines so that the run stays within minutes. Each stage's
 * time is reported: start-up, the batch itself, and reading the results back.
 * Writes `bench/results/batch.json`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { resultsOfBatch } from '../batch/batch-results';
import { BatchClient } from '../client/batch-client';
import { PROJECT_ROOT } from '../config/load-config';
import { BatchOptions, type BatchOptionsInput } from '../core/batch';
import { installQuietTemporalRuntime, openTemporalTarget } from '../eval/temporal-target';
import { pointConfigAtSimulator } from '../simulator/demo-mode';
import { bundleWorkflows, PRELOADED_WORKFLOW_MODULES } from '../worker/create-worker';
import { startSimulatorProcess, startWorkerProcess, type WorkerProcess } from './bench-processes';
import { benchConfig, benchRequest, BENCH_SCRIPT } from './bench-setup';
import { runMain } from '../lib/run-main';

interface RunResult {
  name: string;
  change: string;
  lines: number;
  options: BatchOptionsInput;
  batchSeconds: number;
  linesPerSecond: number;
  resultsSeconds: number;
  /** Lines read back per status: exactly one `ok` per line is the check. */
  statuses: Record<string, number>;
  workerCpuMsPerLine: number;
}

async function main(): Promise<void> {
  const options = new Command('batch-bench')
    .option('--lines <n>', 'lines in the measured batch', '10000')
    .option('--before-lines <n>', 'lines in the batch run as main ran it before (0: skip)', '2000')
    .option('--concurrency <n>', 'children at once in the measured batch (default: the batch default)')
    .option('--out <file>', 'JSON output', path.join(PROJECT_ROOT, 'bench', 'results', 'batch.json'))
    .parse()
    .opts<{ lines: string; beforeLines: string; concurrency?: string; out: string }>();
  const started = performance.now();
  const log = (line: string) =>
    console.error(`[batch-bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${line}`);
  installQuietTemporalRuntime(() => {});
  const loadAtStart = os.loadavg()[0]!;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-batch-bench-'));
  const temporal = await openTemporalTarget({ log });
  const scriptFile = path.join(workDir, 'script.json');
  await writeFile(scriptFile, JSON.stringify(BENCH_SCRIPT));
  const simulator = await startSimulatorProcess(scriptFile);
  const endpoints = {
    anthropic: { url: simulator.anthropic, baseURL: simulator.anthropic, port: 0 },
    openai: { url: simulator.openai, baseURL: simulator.openaiBaseURL, port: 0 },
  };
  const runId = Date.now().toString(36);
  let running: WorkerProcess | undefined;
  try {
    const shipped = path.join(workDir, 'shipped.js');
    const before = path.join(workDir, 'before.js');
    await writeFile(shipped, (await bundleWorkflows()).code);
    await writeFile(
      before,
      (await bundleWorkflows(PRELOADED_WORKFLOW_MODULES.filter((m) => !m.includes('shared-modules')))).code,
    );
    const runs: RunResult[] = [];
    const plan = [
      {
        name: 'before',
        change:
          'as main ran it before issue 17: core/ evaluated per workflow (no shared-modules preload), concurrency 50, pages of 200',
        lines: Number(options.beforeLines),
        bundle: before,
        batchOptions: { concurrency: 50, pageSize: 200 } satisfies BatchOptionsInput,
      },
      {
        name: 'now',
        change: 'this checkout: the shipped bundle and batch defaults',
        lines: Number(options.lines),
        bundle: shipped,
        batchOptions: (options.concurrency ? { concurrency: Number(options.concurrency) } : {}) as BatchOptionsInput,
      },
    ];
    for (const [index, step] of plan.entries()) {
      if (step.lines <= 0) continue;
      const queue = `batch-bench-${runId}-${index}`;
      const worker = await startWorkerProcess({
        address: temporal.address,
        namespace: 'default',
        config: pointConfigAtSimulator(benchConfig(queue), endpoints),
        bundlePath: step.bundle,
        tuning: {},
        // Batch sources are limited to configured directories (the project's by default): the input is written here.
        env: { LLM_CASCADE_BATCH_DIRS: workDir },
      });
      running = worker;
      const file = path.join(workDir, `${step.name}.jsonl`);
      await writeFile(
        file,
        Array.from({ length: step.lines }, (_, i) => {
          const { prompt, taskType } = benchRequest('1-step', runId, i);
          return JSON.stringify({ id: `line-${i + 1}`, prompt, taskType });
        }).join('\n') + '\n',
      );
      const batches = new BatchClient(temporal.client, queue);
      const batchId = `batch-bench-${runId}-${step.name}`;
      const cpuBefore = (await worker.memory()).cpuMicros;
      const t0 = performance.now();
      await batches.start({ batchId, source: { kind: 'file', path: file }, options: step.batchOptions });
      await batches.wait(batchId);
      const batchSeconds = (performance.now() - t0) / 1000;
      const cpuMicros = (await worker.memory()).cpuMicros - cpuBefore;
      const view = await batches.status(batchId);
      if (view.workflowStatus !== 'COMPLETED' || view.status !== 'completed')
        throw new Error(
          `${step.name}: the batch ended ${view.workflowStatus === 'COMPLETED' ? view.status : view.workflowStatus}${view.error ? `: ${view.error}` : ''}`,
        );
      const t1 = performance.now();
      const statuses: Record<string, number> = {};
      const seen = new Set<string>();
      for await (const line of resultsOfBatch(batches, batchId)) {
        statuses[line.status] = (statuses[line.status] ?? 0) + 1;
        const key = String(line.line);
        if (seen.has(key)) throw new Error(`${step.name}: line ${key} has two results`);
        seen.add(key);
      }
      const resultsSeconds = (performance.now() - t1) / 1000;
      if (statuses.ok !== step.lines || seen.size !== step.lines)
        throw new Error(
          `${step.name}: ${JSON.stringify(statuses)} for ${step.lines} lines, not one ok result per line`,
        );
      await worker.stop();
      running = undefined;
      const result: RunResult = {
        name: step.name,
        change: step.change,
        lines: step.lines,
        options: BatchOptions.parse(step.batchOptions),
        batchSeconds: Number(batchSeconds.toFixed(1)),
        linesPerSecond: Number((step.lines / batchSeconds).toFixed(1)),
        resultsSeconds: Number(resultsSeconds.toFixed(1)),
        statuses,
        workerCpuMsPerLine: Number((cpuMicros / 1000 / step.lines).toFixed(2)),
      };
      runs.push(result);
      log(
        `${step.name}: ${step.lines} lines in ${result.batchSeconds} s (${result.linesPerSecond} lines/s, worker CPU ${result.workerCpuMsPerLine} ms a line), results read in ${result.resultsSeconds} s`,
      );
    }
    const [was, now] = [runs.find((r) => r.name === 'before'), runs.find((r) => r.name === 'now')];
    const output = {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: os.availableParallelism(),
        loadAverage1mAtStart: Number(loadAtStart.toFixed(2)),
        loadAverage1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
      },
      setup:
        'embedded dev server (in-memory); simulated providers answering at once in their own process; one worker process (shipped tuning); 1-step requests; batch from a JSONL file, results read back with resultsOfBatch',
      runs,
      ...(was && now ? { speedup: Number((now.linesPerSecond / was.linesPerSecond).toFixed(2)) } : {}),
    };
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFile(path.resolve(options.out), `${JSON.stringify(output, null, 2)}\n`);
    console.log(JSON.stringify(output, null, 2));
  } finally {
    running?.kill();
    simulator.child.kill('SIGTERM');
    await temporal.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

runMain(main);
