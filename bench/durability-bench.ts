/**
 * `npm run bench`: what durability costs. The same cascade logic runs in-process without Temporal
 * (`in-process-cascade.ts`: the workflow's `core/` decisions and the provider adapters, called
 * directly) and through Temporal (the real `cascade` workflow on an embedded dev server, the worker
 * in its own process), against simulated providers that answer at once, so what is measured is
 * the engine, not the models. Per mode and shape (1-step and 3-step cascades): latency percentiles
 * and throughput at concurrency 1, 10 and 100; the worker's memory; and what each worker tuning
 * change bought. Writes `bench/results/latest.json` and prints a Markdown table.
 *
 * Options: `--quick` (fewer requests, for a smoke run), `--out <file>`, `--no-tuning`, `--variants <names>`
 * (only these tuning variants, in order, repeats allowed: e.g. the metrics overhead as a ratio in one run).
 */
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { Command } from 'commander';
import { CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { latencyStats } from '../eval/eval-metrics';
import { installQuietTemporalRuntime, openTemporalTarget } from '../eval/temporal-target';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { PROJECT_ROOT } from '../config/load-config';
import type { cascade } from '../workflows/cascade-workflow';
import { CASCADE_WORKFLOW_TYPE } from '../workflows/definitions';
import { createProviderRegistry } from '../providers/provider-registry';
import {
  bundleWorkflows,
  createCascadeWorker,
  PRELOADED_WORKFLOW_MODULES,
  type CascadeWorkerOptions,
} from '../worker/create-worker';
import { type ChildMessage, type MemorySample, type ParentMessage } from './bench-worker';
import { benchConfig, benchRequest, BENCH_SCRIPT, CALLS_PER_CASCADE, SHAPES, type Shape } from './bench-setup';
import { runCascadeInProcess } from './in-process-cascade';

const CONCURRENCIES = [1, 10, 100] as const;
const MiB = 1024 * 1024;

/** Latency percentiles in ms and throughput of one measured cell. */
interface CellResult {
  mode: 'in-process' | 'temporal';
  shape: Shape;
  concurrency: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  cascadesPerSecond: number;
  /** Worker memory while the cell ran (Temporal mode only), MiB. */
  workerPeakRssMiB?: number;
  workerPeakHeapMiB?: number;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/**
 * Runs up to `count` requests with `concurrency` in flight, starting no new request once
 * `budgetMs` has passed (the bench must finish in minutes even on a loaded machine); returns
 * per-request latencies and the wall time.
 */
async function drive(
  count: number,
  concurrency: number,
  run: (i: number) => Promise<void>,
  budgetMs = Number.POSITIVE_INFINITY,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count && performance.now() - started < budgetMs) {
        const i = next++;
        const t0 = performance.now();
        await run(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

function summarise(
  mode: CellResult['mode'],
  shape: Shape,
  concurrency: number,
  measured: { latencies: number[]; wallMs: number },
): CellResult {
  const stats = latencyStats(measured.latencies);
  return {
    mode,
    shape,
    concurrency,
    requests: measured.latencies.length,
    p50: round(stats.p50),
    p95: round(stats.p95),
    p99: round(stats.p99),
    mean: round(stats.mean),
    cascadesPerSecond: round(measured.latencies.length / (measured.wallMs / 1000), 1),
  };
}

/** The measured cell of a mode, shape and concurrency (every one is measured). */
function cellOf(cells: readonly CellResult[], mode: CellResult['mode'], shape: Shape, concurrency: number): CellResult {
  return cells.find((c) => c.mode === mode && c.shape === shape && c.concurrency === concurrency)!;
}

/** The simulated providers in their own process, so they take no CPU from the engine's event loop. */
async function startSimulatorProcess(
  scriptFile: string,
): Promise<{ child: ChildProcess; anthropic: string; openaiBaseURL: string; openai: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'simulator', 'main.ts'), '--script', scriptFile, '--json'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve(buffer.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it was ready`)));
  });
  const endpoints = JSON.parse(line) as { anthropicUrl: string; openaiUrl: string; openaiBaseURL: string };
  return {
    child,
    anthropic: endpoints.anthropicUrl,
    openai: endpoints.openaiUrl,
    openaiBaseURL: endpoints.openaiBaseURL,
  };
}

/** A worker process and the handful of messages it understands. */
interface WorkerProcess {
  startupMs: number;
  memory(reset?: boolean): Promise<MemorySample>;
  stop(): Promise<void>;
}

async function startWorkerProcess(
  start: Omit<Extract<ParentMessage, { type: 'start' }>, 'type'>,
): Promise<WorkerProcess> {
  const child = fork(path.join(__dirname, 'bench-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters: Array<(message: ChildMessage) => void> = [];
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'error') {
      console.error(`bench worker error: ${message.message}`);
      return;
    }
    waiters.shift()?.(message);
  });
  const next = () => new Promise<ChildMessage>((resolve) => waiters.push(resolve));
  const ready = next();
  child.send({ type: 'start', ...start } satisfies ParentMessage);
  const first = await ready;
  if (first.type !== 'ready') throw new Error('the bench worker did not start');
  return {
    startupMs: first.startupMs,
    async memory(reset = false) {
      const reply = next();
      child.send({ type: 'memory', reset } satisfies ParentMessage);
      const message = await reply;
      if (message.type !== 'memory') throw new Error('unexpected reply from the bench worker');
      return message;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' } satisfies ParentMessage);
      }),
  };
}

interface Workload {
  /** Most requests per concurrency level in the main matrix... */
  matrix: Record<(typeof CONCURRENCIES)[number], number>;
  /** ...and the most time a cell may take to start them, ms. */
  cellBudgetMs: number;
  /** Tuning comparisons: 3-step latency at concurrency 1, throughput at 100 (most requests, most ms each). */
  tuningLatency: number;
  tuningThroughput: number;
  tuningBudgetMs: number;
  warmup: number;
}

const FULL: Workload = {
  matrix: { 1: 200, 10: 400, 100: 1000 },
  cellBudgetMs: 12_000,
  tuningLatency: 100,
  tuningThroughput: 300,
  tuningBudgetMs: 6_000,
  warmup: 10,
};
const QUICK: Workload = {
  matrix: { 1: 20, 10: 50, 100: 100 },
  cellBudgetMs: 5_000,
  tuningLatency: 10,
  tuningThroughput: 100,
  tuningBudgetMs: 4_000,
  warmup: 10,
};

/** A worker variant in the tuning comparison: what changes against the shipped defaults. */
interface TuningVariant {
  name: string;
  change: string;
  tuning: NonNullable<CascadeWorkerOptions['tuning']>;
  /** `startup`: the worker bundles when it starts (workflowsPath); otherwise one of the bundles made once. */
  bundle: 'startup' | 'shipped' | 'no-preload' | 'preload-core';
  /** Start workflows with eager workflow start (worker and client share one NativeConnection in this process). */
  eagerStart?: boolean;
  /** Concurrency and most requests of the throughput run when 100 in flight would not finish in minutes. */
  throughputConcurrency?: number;
  throughputRequests?: number;
  /** Only the worker's start-up differs from the shipped worker: measure that alone. */
  startupOnly?: boolean;
  /** The worker keeps metrics as `npm run worker` does (SDK exporter, cascade counters, one log line per cascade). */
  telemetry?: boolean;
}

/** Variants start only while the bench is younger than this, so that it ends within ten minutes even on a busy machine. */
const TUNING_START_DEADLINE_MS = 470_000;

/** What the "preload core" variant adds to the shipped preloads: the cascade's decisions and all they import. */
const PRELOAD_CORE = [...PRELOADED_WORKFLOW_MODULES, path.join(PROJECT_ROOT, 'core', 'cascade-run.ts')];

// Most informative first: when a busy machine runs out of the time budget, the tail is skipped.
const VARIANTS: TuningVariant[] = [
  {
    name: 'shipped',
    change: 'createCascadeWorker defaults; bundleWorkflows() made once, zod/ajv/ajv-formats preloaded',
    tuning: {},
    bundle: 'shipped',
  },
  {
    name: 'metrics on',
    change:
      "as npm run worker runs: the SDK's Prometheus exporter, the cascade's counters (sink, model-call interceptor) and one JSON log line per cascade; tracing off",
    tuning: {},
    bundle: 'shipped',
    telemetry: true,
  },
  {
    name: 'no preload',
    change: 'the same bundle without preloadModules: every workflow initialises zod and ajv again',
    tuning: {},
    bundle: 'no-preload',
  },
  {
    name: 'preload core too',
    change:
      'preloadModules also core/cascade-run.ts and its imports (config schemas, classifier, checks). Not shipped: the SDK freezes preloaded modules, zod caches lazily on its schema objects, and a workflow parsing a frozen schema fails its task',
    tuning: {},
    bundle: 'preload-core',
  },
  {
    name: 'bundle at start-up',
    change:
      'workflowsPath: the worker bundles the workflow code when it starts (start-up only; it then runs the same code)',
    tuning: {},
    bundle: 'startup',
    startupOnly: true,
  },
  {
    name: 'no eager activities',
    change:
      'maxEagerActivityReservationsPerWorkflowTask 0 (SDK default 3): every activity goes through the matching service',
    tuning: { maxEagerActivityReservationsPerWorkflowTask: 0 },
    bundle: 'shipped',
  },
  {
    name: '10 workflow-task slots',
    change: 'maxConcurrentWorkflowTaskExecutions 10 instead of 40',
    tuning: { maxConcurrentWorkflowTaskExecutions: 10 },
    bundle: 'shipped',
  },
  {
    name: 'eager workflow start',
    change: 'client start option requestEagerStart (client and worker share a NativeConnection in one process)',
    tuning: {},
    bundle: 'shipped',
    eagerStart: true,
  },
  // Uncached, every workflow task replays the history; at 100 (and even 10) in flight tasks time
  // out and retry and throughput collapses, so it is measured at 10 with few requests.
  {
    name: 'no workflow cache',
    change: 'maxCachedWorkflows 0 (shipped 1000): every workflow task replays the history; throughput at c=10',
    tuning: { maxCachedWorkflows: 0 },
    bundle: 'shipped',
    throughputConcurrency: 10,
    throughputRequests: 20,
  },
];

interface TuningResult {
  name: string;
  change: string;
  workerStartupMs?: number;
  p50Ms3Step?: number;
  p99Ms3Step?: number;
  requestsLatency?: number;
  cascadesPerSecond3Step?: number;
  throughputConcurrency?: number;
  requestsThroughput?: number;
  workerPeakRssMiB?: number;
  /** Why the variant was not (fully) measured. */
  skipped?: string;
}

async function main(): Promise<void> {
  const options = new Command('durability-bench')
    .option('--quick', 'fewer requests: a smoke run')
    .option('--out <file>', 'JSON output', path.join(PROJECT_ROOT, 'bench', 'results', 'latest.json'))
    .option('--no-tuning', 'skip the worker tuning comparison')
    .option(
      '--variants <names>',
      'run only these tuning variants, in this order, repeats allowed (comma-separated, e.g. "shipped,metrics on,shipped,metrics on")',
    )
    .parse()
    .opts<{ quick?: boolean; out: string; tuning: boolean; variants?: string }>();
  const variants = options.variants
    ? options.variants.split(',').map((name) => {
        const variant = VARIANTS.find((v) => v.name === name.trim());
        if (!variant)
          throw new Error(`--variants: no variant "${name}" (variants: ${VARIANTS.map((v) => v.name).join(', ')})`);
        return variant;
      })
    : VARIANTS;
  const workload = options.quick ? QUICK : FULL;
  const benchStarted = performance.now();
  // Under load the core warns about every slow workflow task; count them instead of printing each.
  let temporalWarnings = 0;
  installQuietTemporalRuntime(() => temporalWarnings++);
  const log = (line: string) =>
    console.error(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(0)}s] ${line}`);
  const loadAtStart = os.loadavg()[0]!;

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-bench-'));
  const temporal = await openTemporalTarget({ log });
  const { client } = temporal;
  const scriptFile = path.join(workDir, 'script.json');
  await writeFile(scriptFile, JSON.stringify(BENCH_SCRIPT));
  const simulator = await startSimulatorProcess(scriptFile);
  const runId = Date.now().toString(36);
  const endpoints = {
    anthropic: { url: simulator.anthropic, baseURL: simulator.anthropic, port: 0 },
    openai: { url: simulator.openai, baseURL: simulator.openaiBaseURL, port: 0 },
  };
  const configFor = (queue: string): CascadeConfig => pointConfigAtSimulator(benchConfig(queue), endpoints);
  const checkResult = (shape: Shape, result: { outcome: string; steps: unknown[] }) => {
    if (result.outcome !== 'accepted' || result.steps.length !== CALLS_PER_CASCADE[shape])
      throw new Error(`${shape} cascade ended ${result.outcome} after ${result.steps.length} calls`);
  };

  try {
    log(`Temporal ${temporal.address}, simulator ${simulator.openai}; bundling the workflow code once`);
    const bundles: Record<Exclude<TuningVariant['bundle'], 'startup'>, string> = {
      shipped: '',
      'no-preload': '',
      'preload-core': '',
    };
    const bundleStarted = performance.now();
    let shippedBundleMs = 0;
    const makers: Array<[keyof typeof bundles, () => Promise<{ code: string }>]> = [
      ['shipped', () => bundleWorkflows()],
      ['no-preload', () => bundleWorkflows([])],
      ['preload-core', () => bundleWorkflows(PRELOAD_CORE)],
    ];
    for (const [kind, make] of makers) {
      if (kind !== 'shipped' && !options.tuning) continue;
      bundles[kind] = path.join(workDir, `workflow-bundle-${kind}.js`);
      await writeFile(bundles[kind], (await make()).code);
      if (kind === 'shipped') {
        shippedBundleMs = performance.now() - bundleStarted;
        log(`bundled in ${Math.round(shippedBundleMs)} ms`);
      }
    }

    // ---- in-process: the same decisions (core/cascade-run.ts), no Temporal
    const inProcessConfig = configFor('unused');
    const providers = createProviderRegistry(inProcessConfig, simulatorEnv());
    const cells: CellResult[] = [];
    await drive(workload.warmup, 10, async (i) => {
      await runCascadeInProcess(benchRequest('3-step', `${runId}-warm`, i), inProcessConfig, providers);
    });
    for (const shape of SHAPES) {
      for (const concurrency of CONCURRENCIES) {
        const measured = await drive(
          workload.matrix[concurrency],
          concurrency,
          async (i) =>
            checkResult(
              shape,
              await runCascadeInProcess(
                benchRequest(shape, `${runId}-ip${concurrency}`, i),
                inProcessConfig,
                providers,
              ),
            ),
          workload.cellBudgetMs,
        );
        const cell = summarise('in-process', shape, concurrency, measured);
        cells.push(cell);
        log(
          `in-process ${shape} c=${concurrency}: ${cell.requests} requests, p50 ${cell.p50} ms, ${cell.cascadesPerSecond}/s`,
        );
      }
    }

    // ---- Temporal: the real workflow, the worker in its own process with the shipped tuning
    const queue = `bench-${runId}`;
    const worker = await startWorkerProcess({
      address: temporal.address,
      namespace: 'default',
      config: configFor(queue),
      bundlePath: bundles.shipped,
      tuning: {},
    });
    const idle = await worker.memory(true);
    const cascades = new CascadeClient({ client, taskQueue: queue });
    await drive(workload.warmup, 10, async (i) => {
      await cascades.run(benchRequest('3-step', `${runId}-twarm`, i));
    });
    for (const shape of SHAPES) {
      for (const concurrency of CONCURRENCIES) {
        await worker.memory(true);
        const measured = await drive(
          workload.matrix[concurrency],
          concurrency,
          async (i) => checkResult(shape, await cascades.run(benchRequest(shape, `${runId}-t${concurrency}`, i))),
          workload.cellBudgetMs,
        );
        const memory = await worker.memory(true);
        const cell: CellResult = {
          ...summarise('temporal', shape, concurrency, measured),
          workerPeakRssMiB: round(memory.peakRss / MiB, 1),
          workerPeakHeapMiB: round(memory.peakHeapUsed / MiB, 1),
        };
        cells.push(cell);
        log(
          `temporal ${shape} c=${concurrency}: ${cell.requests} requests, p50 ${cell.p50} ms, ${cell.cascadesPerSecond}/s, worker RSS ${cell.workerPeakRssMiB} MiB`,
        );
      }
    }
    const after = await worker.memory();
    await worker.stop();

    // ---- tuning: each variant on the same workload, one after the other
    const tuning: TuningResult[] = [];
    if (options.tuning) {
      for (const [index, variant] of variants.entries()) {
        if (performance.now() - benchStarted > TUNING_START_DEADLINE_MS) {
          tuning.push({
            name: variant.name,
            change: variant.change,
            skipped: 'the bench ran out of its ten-minute budget on this machine',
          });
          log(`variant "${variant.name}" skipped: out of time`);
          continue;
        }
        const variantQueue = `bench-${runId}-v${index}`;
        const config = configFor(variantQueue);
        let startupMs: number;
        let run: (request: ReturnType<typeof benchRequest>) => Promise<void>;
        let finish: () => Promise<number | undefined>;
        if (variant.eagerStart) {
          // Eager start hands the first workflow task back in the start call's response, so the
          // worker must share the client's NativeConnection: both live in this process.
          const t0 = performance.now();
          const local = await createCascadeWorker({
            connection: temporal.nativeConnection,
            config,
            providers: createProviderRegistry(config, simulatorEnv()),
            workflows: { workflowBundle: { codePath: bundles.shipped } },
            tuning: variant.tuning,
          });
          startupMs = performance.now() - t0;
          const running = local.run();
          const eagerClient = new Client({
            connection: temporal.nativeConnection,
            dataConverter: cascadeDataConverter(),
          });
          run = async (request) => {
            const handle = await eagerClient.workflow.start<typeof cascade>(CASCADE_WORKFLOW_TYPE, {
              workflowId: request.id!,
              taskQueue: variantQueue,
              args: [{ request }],
              requestEagerStart: true,
            });
            checkResult('3-step', await handle.result());
          };
          finish = async () => {
            local.shutdown();
            await running;
            return undefined;
          };
        } else {
          const proc = await startWorkerProcess({
            address: temporal.address,
            namespace: 'default',
            config,
            ...(variant.bundle === 'startup' ? {} : { bundlePath: bundles[variant.bundle] }),
            tuning: variant.tuning as Record<string, number>,
            telemetry: variant.telemetry === true,
          });
          startupMs = proc.startupMs;
          const variantClient = new CascadeClient({ client, taskQueue: variantQueue });
          run = async (request) => checkResult('3-step', await variantClient.run(request));
          finish = async () => {
            const memory = await proc.memory();
            await proc.stop();
            return memory.peakRss;
          };
        }
        if (variant.startupOnly) {
          const peak = await finish();
          tuning.push({
            name: variant.name,
            change: variant.change,
            workerStartupMs: round(startupMs, 0),
            ...(peak !== undefined ? { workerPeakRssMiB: round(peak / MiB, 1) } : {}),
          });
          log(`variant "${variant.name}": start-up ${round(startupMs, 0)} ms`);
          continue;
        }
        await drive(workload.warmup, 10, (i) => run(benchRequest('3-step', `${runId}-v${index}w`, i)));
        const latency = summarise(
          'temporal',
          '3-step',
          1,
          await drive(
            workload.tuningLatency,
            1,
            (i) => run(benchRequest('3-step', `${runId}-v${index}l`, i)),
            workload.tuningBudgetMs,
          ),
        );
        const throughputConcurrency = variant.throughputConcurrency ?? 100;
        const throughput = summarise(
          'temporal',
          '3-step',
          throughputConcurrency,
          await drive(
            variant.throughputRequests ?? workload.tuningThroughput,
            throughputConcurrency,
            (i) => run(benchRequest('3-step', `${runId}-v${index}t`, i)),
            workload.tuningBudgetMs,
          ),
        );
        const peakRss = await finish();
        tuning.push({
          name: variant.name,
          change: variant.change,
          workerStartupMs: round(startupMs, 0),
          p50Ms3Step: latency.p50,
          p99Ms3Step: latency.p99,
          requestsLatency: latency.requests,
          cascadesPerSecond3Step: throughput.cascadesPerSecond,
          throughputConcurrency,
          requestsThroughput: throughput.requests,
          ...(peakRss !== undefined ? { workerPeakRssMiB: round(peakRss / MiB, 1) } : {}),
        });
        log(
          `variant "${variant.name}": start-up ${round(startupMs, 0)} ms, 3-step p50 ${latency.p50} ms, c=${throughputConcurrency} ${throughput.cascadesPerSecond}/s`,
        );
      }
    }

    const overhead = SHAPES.map((shape) => {
      const direct = cellOf(cells, 'in-process', shape, 1);
      const durable = cellOf(cells, 'temporal', shape, 1);
      const calls = CALLS_PER_CASCADE[shape];
      return {
        shape,
        perCallP50Ms: round((durable.p50 - direct.p50) / calls),
        perCallP99Ms: round((durable.p99 - direct.p99) / calls),
      };
    });
    const result = {
      generatedAt: new Date().toISOString(),
      durationS: round((performance.now() - benchStarted) / 1000, 0),
      machine: {
        cpus: os.availableParallelism(),
        loadAverage1mAtStart: round(loadAtStart, 2),
        loadAverage1mAtEnd: round(os.loadavg()[0]!, 2),
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
      },
      setup:
        'simulated providers (zero latency) in their own process; Temporal: embedded dev server (in-memory); worker in its own process with the shipped createCascadeWorker tuning and bundleWorkflows() bundle; CascadeClient submit + result from the bench process; in-process: core/cascade-run.ts decisions with direct provider calls',
      workload,
      /** Making the shipped bundle once (bundleWorkflows()); a worker given the bundle starts in a second or two. */
      bundleMs: round(shippedBundleMs, 0),
      cells,
      overheadPerModelCall: overhead,
      temporalWarningsInBenchProcess: temporalWarnings,
      worker: {
        idleRssMiB: round(idle.rss / MiB, 1),
        idleHeapMiB: round(idle.heapUsed / MiB, 1),
        afterRssMiB: round(after.rss / MiB, 1),
        afterHeapMiB: round(after.heapUsed / MiB, 1),
        peakRssMiB: Math.max(...cells.map((c) => c.workerPeakRssMiB ?? 0)),
        peakHeapMiB: Math.max(...cells.map((c) => c.workerPeakHeapMiB ?? 0)),
      },
      tuning,
    };
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFile(path.resolve(options.out), `${JSON.stringify(result, null, 2)}\n`);
    console.log(renderMarkdown(result));
    log(`wrote ${path.relative(process.cwd(), path.resolve(options.out))}`);
  } finally {
    simulator.child.kill('SIGTERM');
    await temporal.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function renderMarkdown(result: {
  durationS: number;
  machine: { cpus: number; loadAverage1mAtStart: number; loadAverage1mAtEnd: number };
  cells: CellResult[];
  overheadPerModelCall: Array<{ shape: Shape; perCallP50Ms: number; perCallP99Ms: number }>;
  worker: { idleRssMiB: number; idleHeapMiB: number; peakRssMiB: number; peakHeapMiB: number; afterRssMiB: number };
  tuning: TuningResult[];
}): string {
  const lines: string[] = [];
  lines.push(
    `Durability bench (${result.machine.cpus} CPUs, 1-min load average ${result.machine.loadAverage1mAtStart} at the start and ${result.machine.loadAverage1mAtEnd} at the end, ${result.durationS} s):`,
  );
  lines.push('');
  lines.push(
    '| cascade | concurrency | in-process p50 / p95 / p99 ms | Temporal p50 / p95 / p99 ms | in-process cascades/s | Temporal cascades/s |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const shape of SHAPES) {
    for (const concurrency of CONCURRENCIES) {
      const a = cellOf(result.cells, 'in-process', shape, concurrency);
      const b = cellOf(result.cells, 'temporal', shape, concurrency);
      lines.push(
        `| ${shape} | ${concurrency} | ${a.p50} / ${a.p95} / ${a.p99} (n=${a.requests}) | ${b.p50} / ${b.p95} / ${b.p99} (n=${b.requests}) | ${a.cascadesPerSecond} | ${b.cascadesPerSecond} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    `Overhead per model call (Temporal minus in-process, concurrency 1): ${result.overheadPerModelCall.map((o) => `${o.shape}: p50 ${o.perCallP50Ms} ms, p99 ${o.perCallP99Ms} ms`).join('; ')}.`,
  );
  lines.push(
    `Worker memory: idle ${result.worker.idleRssMiB} MiB RSS (${result.worker.idleHeapMiB} MiB heap), peak ${result.worker.peakRssMiB} MiB RSS (${result.worker.peakHeapMiB} MiB heap), ${result.worker.afterRssMiB} MiB RSS after the runs.`,
  );
  if (result.tuning.length > 0) {
    lines.push('');
    lines.push(
      '| worker variant | change | start-up ms | 3-step p50 / p99 ms (c=1) | 3-step cascades/s (c=100 unless noted) | worker peak RSS MiB |',
    );
    lines.push('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const t of result.tuning) {
      if (t.skipped) {
        lines.push(`| ${t.name} | ${t.change} | skipped: ${t.skipped} | | | |`);
        continue;
      }
      const latency = t.p50Ms3Step === undefined ? '-' : `${t.p50Ms3Step} / ${t.p99Ms3Step} (n=${t.requestsLatency})`;
      const throughput =
        t.cascadesPerSecond3Step === undefined
          ? '-'
          : `${t.cascadesPerSecond3Step}${t.throughputConcurrency !== 100 ? ` at c=${t.throughputConcurrency}` : ''} (n=${t.requestsThroughput})`;
      lines.push(
        `| ${t.name} | ${t.change} | ${t.workerStartupMs} | ${latency} | ${throughput} | ${t.workerPeakRssMiB ?? 'in bench process'} |`,
      );
    }
  }
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
