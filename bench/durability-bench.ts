/**
 * `npm run bench`: what durability costs. The same cascade logic runs in-process without Temporal
 * (`in-process-cascade.ts`: the workflow's `core/` decisions and the provider adapters, called
 * directly) and through Temporal (the real `cascade` workflow on an embedded dev server, the worker
 * in its own process), against simulated providers that answer at once, so what is measured is
 * the engine, not the models. Per mode and shape (1-step and 3-step cascades): latency percentiles
 * and throughput at concurrency 1, 10 and 100; the worker's memory and CPU time (and, on Linux, the
 * dev server's, the simulator's and the client's CPU time); history events and
 * bytes; and, with `--tuning`, what each worker tuning change bought. Every Temporal cell is also run
 * with the cascade's bare twin (`bench/bench-workflows.ts`: 1 or 3 no-op activities and nothing
 * else) on the same server and worker in the same run, and the cascade is reported as a ratio to it:
 * what our workflow adds to what Temporal itself costs; at concurrency 1 and 100 also with the calls twin
 * (the same number of `callModel` activities and nothing else), which splits that into what the model
 * calls cost and what the cascade adds to them. Writes `bench/results/latest.json` and
 * prints Markdown tables.
 *
 * Options: `--quick` (fewer requests, for a smoke run), `--out <file>`, `--tuning`, `--variants <names>`
 * (only these tuning variants, in order, repeats allowed: e.g. the metrics overhead as a ratio in one
 * run), `--cpu-prof <dir>` (a V8 CPU profile of the worker of the main matrix).
 */
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { Command } from 'commander';
import { CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { latencyStats } from '../eval/eval-metrics';
import { installQuietTemporalRuntime, openTemporalTarget } from '../eval/temporal-target';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { PROJECT_ROOT } from '../config/load-config';
import { createProviderRegistry } from '../providers/provider-registry';
import {
  bundleWorkflows,
  createCascadeWorker,
  PRELOADED_WORKFLOW_MODULES,
  type CascadeWorkerOptions,
} from '../worker/create-worker';
import { startSimulatorProcess, startWorkerProcess } from './bench-processes';
import { descendantMatching, treeCpuMicros } from './process-cpu';
import {
  BARE_CALLS_WORKFLOW_TYPE,
  BARE_WORKFLOW_TYPE,
  benchCall,
  benchConfig,
  benchRequest,
  BENCH_SCRIPT,
  CALLS_PER_CASCADE,
  SHAPES,
  type Shape,
} from './bench-setup';
import type { bareModelCalls, bareSteps } from './bench-workflows';
import { runCascadeInProcess } from './in-process-cascade';
import { runMain } from '../lib/run-main';
import { SERVER_DYNAMIC_CONFIG } from '../lib/server-dynamic-config';

const CONCURRENCIES = [1, 10, 100] as const;
const MiB = 1024 * 1024;

/** Latency percentiles in ms and throughput of one measured cell. */
interface CellResult {
  /**
   * `bare`: the bare twin (bench/bench-workflows.ts), same server, worker, tuning and run; `calls`
   * (concurrency 1 and 100): the twin that makes the cascade's model calls through its `callModel`
   * activity and nothing else.
   */
  mode: 'in-process' | 'temporal' | 'bare' | 'calls';
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
  /** The worker process's CPU time (user + system) per workflow of the cell, ms. */
  workerCpuMsPerWorkflow?: number;
  /** The simulated providers' process, and the Temporal dev server's (Linux only), the same way. */
  simulatorCpuMsPerWorkflow?: number;
  serverCpuMsPerWorkflow?: number;
  /** This process (the client: start, result, the cascade client's own work), the same way. */
  clientCpuMsPerWorkflow?: number;
  /** From the histories of a sample of the cell's workflows (medians). */
  history?: HistoryStats;
}

/** What a sample of finished workflows' histories hold (medians over the sample). */
interface HistoryStats {
  sampled: number;
  events: number;
  /** The encoded history (protobuf), as the server stores and sends it. */
  bytes: number;
  /** From WorkflowExecutionStarted to the first WorkflowTaskCompleted, server clock, ms. */
  firstWorkflowTaskMs: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** The server's own account of a sample of workflows: history events, bytes and first-task latency. */
async function historyStats(client: Client, workflowIds: readonly string[]): Promise<HistoryStats> {
  const events: number[] = [];
  const bytes: number[] = [];
  const firstTask: number[] = [];
  const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const list = history.events ?? [];
    events.push(list.length);
    bytes.push(proto.api.history.v1.History.encode(history).finish().length);
    const completed = list.find((e) => e.workflowTaskCompletedEventAttributes);
    if (list[0] && completed) firstTask.push(millis(completed.eventTime) - millis(list[0].eventTime));
  }
  return {
    sampled: workflowIds.length,
    events: median(events),
    bytes: median(bytes),
    firstWorkflowTaskMs: round(median(firstTask), 1),
  };
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

/** Measured latencies of parts of one cell, merged: the cell's run time is the sum of the parts'. */
function merge(parts: ReadonlyArray<{ latencies: number[]; wallMs: number }>): { latencies: number[]; wallMs: number } {
  return { latencies: parts.flatMap((p) => p.latencies), wallMs: parts.reduce((sum, p) => sum + p.wallMs, 0) };
}

/** The measured cell of a mode, shape and concurrency (every one is measured). */
function cellOf(cells: readonly CellResult[], mode: CellResult['mode'], shape: Shape, concurrency: number): CellResult {
  return cells.find((c) => c.mode === mode && c.shape === shape && c.concurrency === concurrency)!;
}

interface Workload {
  /** Most requests per concurrency level in the main matrix... */
  matrix: Record<(typeof CONCURRENCIES)[number], number>;
  /** ...and the most time a cell may take to start them, ms. */
  cellBudgetMs: number;
  /** At concurrency 100, the most time each part of a Temporal cell (bare, calls, cascade) may take to start its requests, ms. */
  c100PartBudgetMs: number;
  /** Tuning comparisons: 3-step latency at concurrency 1, throughput at 100 (most requests, most ms each). */
  tuningLatency: number;
  tuningThroughput: number;
  tuningBudgetMs: number;
  warmup: number;
  /** Finished workflows per cell whose histories are fetched (events, bytes, first-task latency). */
  historiesPerCell: number;
}

const FULL: Workload = {
  matrix: { 1: 200, 10: 400, 100: 2400 },
  cellBudgetMs: 12_000,
  c100PartBudgetMs: 10_000,
  tuningLatency: 100,
  tuningThroughput: 300,
  tuningBudgetMs: 6_000,
  warmup: 10,
  historiesPerCell: 20,
};
const QUICK: Workload = {
  matrix: { 1: 20, 10: 50, 100: 100 },
  cellBudgetMs: 5_000,
  c100PartBudgetMs: 1_250,
  tuningLatency: 10,
  tuningThroughput: 100,
  tuningBudgetMs: 4_000,
  warmup: 10,
  historiesPerCell: 5,
};

/** A worker variant in the tuning comparison: what changes against the shipped defaults. */
interface TuningVariant {
  name: string;
  change: string;
  tuning: NonNullable<CascadeWorkerOptions['tuning']>;
  /** `startup`: the worker bundles when it starts (workflowsPath); otherwise one of the bundles made once. */
  bundle: 'startup' | 'shipped' | 'no-preload' | 'libraries-only';
  /** Start workflows with eager workflow start (worker and client share one NativeConnection in this process). */
  eagerStart?: boolean;
  /** Concurrency and most requests of the throughput run when 100 in flight would not finish in minutes. */
  throughputConcurrency?: number;
  throughputRequests?: number;
  /** Only the worker's start-up differs from the shipped worker: measure that alone. */
  startupOnly?: boolean;
  /** The worker keeps metrics as `npm run worker` does (SDK exporter, cascade counters, one log line per cascade). */
  telemetry?: boolean;
  /** The client sends no config, as a service's CascadeClient without one: the cascade fetches the worker's. */
  workerConfig?: boolean;
}

/** Variants start only while the bench is younger than this, so that it ends within ten minutes even on a busy machine. */
const TUNING_START_DEADLINE_MS = 470_000;

/** The "libraries only" variant's preloads: the shipped ones without the cascade's own decision code. */
/** The bare twin (bench/bench-workflows.ts), bundled on its own as a plain Temporal workflow. */
const BARE_WORKFLOWS_PATH = path.join(__dirname, 'bench-workflows.ts');

const LIBRARIES_ONLY = PRELOADED_WORKFLOW_MODULES.filter((module) => !module.includes('shared-modules'));

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
    name: "worker's config",
    change:
      "a CascadeClient without config (a service's): each cascade starts with the local activity that fetches the worker's config, instead of the API's sendConfig",
    tuning: {},
    bundle: 'shipped',
    workerConfig: true,
  },
  {
    name: 'no preload',
    change: 'the same bundle without preloadModules: every workflow initialises zod and ajv again',
    tuning: {},
    bundle: 'no-preload',
  },
  {
    name: 'preload libraries only',
    change:
      'preloadModules without workflows/shared-modules.ts (as shipped before): every workflow evaluates the core/ modules it imports again',
    tuning: {},
    bundle: 'libraries-only',
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
  {
    name: '1 workflow thread',
    change:
      'workflowThreadPoolSize 1 (the SDK default with the reused V8 context; shipped 2): every workflow task waits behind the one running',
    tuning: { workflowThreadPoolSize: 1 },
    bundle: 'shipped',
  },
  {
    name: '4 workflow threads',
    change: 'workflowThreadPoolSize 4 (shipped 2): two threads a core on a 2-core machine',
    tuning: { workflowThreadPoolSize: 4 },
    bundle: 'shipped',
  },
  // Uncached, every workflow task replays the history, and the worker runs one task at a time (see
  // NO_CACHE_WORKFLOW_SLOTS in worker/worker-tuning.ts). Before that, its 40 slots let a second
  // task evict a cascade waiting on its local activity; the dropped task was retried after the
  // 10 s task timeout, and that (not the replay) made throughput collapse. Measured at 10 with few requests.
  {
    name: 'no workflow cache',
    change:
      'maxCachedWorkflows 0 (shipped 1000): every workflow task replays the history, one task at a time; throughput at c=10',
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
    .option('--tuning', 'also run the worker tuning comparison (a few minutes more)')
    .option('--cpu-prof <dir>', "write a V8 CPU profile of the main matrix's worker process into this folder")
    .option(
      '--variants <names>',
      'run only these tuning variants, in this order, repeats allowed (comma-separated, e.g. "shipped,metrics on,shipped,metrics on")',
    )
    .parse()
    .opts<{ quick?: boolean; out: string; tuning?: boolean; cpuProf?: string; variants?: string }>();
  const variants = options.variants
    ? options.variants.split(',').map((name) => {
        const variant = VARIANTS.find((v) => v.name === name.trim());
        if (!variant)
          throw new Error(`--variants: no variant "${name}" (variants: ${VARIANTS.map((v) => v.name).join(', ')})`);
        return variant;
      })
    : VARIANTS;
  const workload = options.quick ? QUICK : FULL;
  const runTuning = options.tuning === true || options.variants !== undefined;
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
      'libraries-only': '',
    };
    const bundleStarted = performance.now();
    let shippedBundleMs = 0;
    const makers: Array<[keyof typeof bundles, () => Promise<{ code: string }>]> = [
      ['shipped', () => bundleWorkflows()],
      ['no-preload', () => bundleWorkflows([])],
      ['libraries-only', () => bundleWorkflows(LIBRARIES_ONLY)],
    ];
    for (const [kind, make] of makers) {
      if (kind !== 'shipped' && !runTuning) continue;
      bundles[kind] = path.join(workDir, `workflow-bundle-${kind}.js`);
      await writeFile(bundles[kind], (await make()).code);
      if (kind === 'shipped') {
        shippedBundleMs = performance.now() - bundleStarted;
        log(`bundled in ${Math.round(shippedBundleMs)} ms`);
      }
    }
    const bareBundle = path.join(workDir, 'workflow-bundle-bare.js');
    await writeFile(
      bareBundle,
      (await bundleWorkflowCode({ workflowsPath: BARE_WORKFLOWS_PATH, logger: new DefaultLogger('WARN') })).code,
    );

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

    // ---- Temporal: the real workflow and its bare twin, the same worker process, tuning and bundle.
    // Each cell runs in four parts, bare, cascade, cascade, bare, so that a load that drifts during
    // the cell (the machine is shared) weighs on both alike: the ratios are what the bench is for.
    const queue = `bench-${runId}`;
    const bareQueue = `bench-${runId}-bare`;
    const worker = await startWorkerProcess({
      address: temporal.address,
      namespace: 'default',
      config: configFor(queue),
      bundlePath: bundles.shipped,
      bare: { bundlePath: bareBundle, taskQueue: bareQueue },
      tuning: {},
      ...(options.cpuProf ? { cpuProfDir: path.resolve(options.cpuProf) } : {}),
    });
    const idle = await worker.memory(true);
    // The embedded dev server (a descendant of this process); none when the bench runs against an address.
    const serverPid = temporal.embedded ? descendantMatching(process.pid, 'start-dev') : undefined;
    // As the API starts them: under the config it validated them against (sendConfig).
    const cascades = new CascadeClient({ client, taskQueue: queue, config: configFor(queue), sendConfig: true });
    const runBare = async (id: string, steps: number) => {
      const handle = await client.workflow.start<typeof bareSteps>(BARE_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: bareQueue,
        args: [steps],
      });
      if ((await handle.result()) !== steps) throw new Error(`bare ${id} did not run its ${steps} steps`);
    };
    const callsConfig = configFor(bareQueue);
    const runCalls = async (id: string, steps: number, i: number) => {
      const handle = await client.workflow.start<typeof bareModelCalls>(BARE_CALLS_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: bareQueue,
        args: [steps, benchCall(callsConfig, i)],
      });
      if ((await handle.result()) !== steps) throw new Error(`calls twin ${id} did not make its ${steps} calls`);
    };
    await drive(workload.warmup, 10, async (i) => {
      await cascades.run(benchRequest('3-step', `${runId}-twarm`, i));
      await runBare(`bench-${runId}-bwarm-${i}`, 3);
      await runCalls(`bench-${runId}-mwarm-${i}`, 3, i);
    });
    for (const shape of SHAPES) {
      const steps = CALLS_PER_CASCADE[shape];
      for (const concurrency of CONCURRENCIES) {
        const half = Math.ceil(workload.matrix[concurrency] / 4);
        // With 100 in flight a cascade takes seconds: a part must hold several waves of 100, or its
        // ramp-up and drain, not the steady state, decide the throughput (and the ratios swing).
        const budget = concurrency === 100 ? workload.c100PartBudgetMs : workload.cellBudgetMs / 4;
        type TwinMode = 'temporal' | 'bare' | 'calls';
        const parts: Record<TwinMode, Array<{ latencies: number[]; wallMs: number }>> = {
          temporal: [],
          bare: [],
          calls: [],
        };
        const ids: Record<TwinMode, string[]> = { temporal: [], bare: [], calls: [] };
        const cpuMicros = { temporal: 0, bare: 0, calls: 0 };
        const simulatorMicros = { temporal: 0, bare: 0, calls: 0 };
        const serverMicros = { temporal: 0, bare: 0, calls: 0 };
        const clientMicros = { temporal: 0, bare: 0, calls: 0 };
        // At 1 and 100, the calls twin too: how much of the gap to the bare twin is the model calls
        // themselves (at 1 a model call through the SDK is several ms of a ~40 ms round trip).
        const order: readonly TwinMode[] =
          concurrency === 10
            ? ['bare', 'temporal', 'temporal', 'bare']
            : ['bare', 'calls', 'temporal', 'temporal', 'calls', 'bare'];
        const otherCpu = () => {
          const own = process.cpuUsage();
          return {
            simulator: treeCpuMicros(simulator.child.pid),
            server: treeCpuMicros(serverPid),
            client: own.user + own.system,
          };
        };
        let before = (await worker.memory(true)).cpuMicros;
        let othersBefore = otherCpu();
        for (const [part, mode] of order.entries()) {
          const measured = await drive(
            half,
            concurrency,
            async (i) => {
              if (mode === 'bare') {
                const id = `bench-${runId}-b${concurrency}-${shape}-${part}-${i}`;
                ids.bare.push(id);
                await runBare(id, steps);
              } else if (mode === 'calls') {
                const id = `bench-${runId}-m${concurrency}-${shape}-${part}-${i}`;
                ids.calls.push(id);
                await runCalls(id, steps, i);
              } else {
                const request = benchRequest(shape, `${runId}-t${concurrency}-${part}`, i);
                ids.temporal.push(request.id!);
                checkResult(shape, await cascades.run(request));
              }
            },
            budget,
          );
          parts[mode].push(measured);
          const now = (await worker.memory()).cpuMicros;
          const othersNow = otherCpu();
          cpuMicros[mode] += now - before;
          simulatorMicros[mode] += (othersNow.simulator ?? 0) - (othersBefore.simulator ?? 0);
          serverMicros[mode] += (othersNow.server ?? 0) - (othersBefore.server ?? 0);
          clientMicros[mode] += othersNow.client - othersBefore.client;
          before = now;
          othersBefore = othersNow;
        }
        const memory = await worker.memory(true);
        for (const mode of ['bare', 'calls', 'temporal'] as const) {
          if (parts[mode].length === 0) continue;
          const measured = merge(parts[mode]);
          const cell: CellResult = {
            ...summarise(mode, shape, concurrency, measured),
            workerPeakRssMiB: round(memory.peakRss / MiB, 1),
            workerPeakHeapMiB: round(memory.peakHeapUsed / MiB, 1),
            workerCpuMsPerWorkflow: round(cpuMicros[mode] / 1000 / Math.max(1, measured.latencies.length), 2),
            ...(othersBefore.simulator !== undefined
              ? {
                  simulatorCpuMsPerWorkflow: round(
                    simulatorMicros[mode] / 1000 / Math.max(1, measured.latencies.length),
                    2,
                  ),
                }
              : {}),
            clientCpuMsPerWorkflow: round(clientMicros[mode] / 1000 / Math.max(1, measured.latencies.length), 2),
            ...(othersBefore.server !== undefined
              ? { serverCpuMsPerWorkflow: round(serverMicros[mode] / 1000 / Math.max(1, measured.latencies.length), 2) }
              : {}),
            history: await historyStats(client, ids[mode].slice(0, workload.historiesPerCell)),
          };
          cells.push(cell);
          log(
            `${mode} ${shape} c=${concurrency}: ${cell.requests} requests, p50 ${cell.p50} ms, ${cell.cascadesPerSecond}/s, worker CPU ${cell.workerCpuMsPerWorkflow} ms each (simulator ${cell.simulatorCpuMsPerWorkflow ?? '-'}, server ${cell.serverCpuMsPerWorkflow ?? '-'}, client ${cell.clientCpuMsPerWorkflow}), history ${cell.history!.bytes} B`,
          );
        }
      }
    }
    const after = await worker.memory();
    await worker.stop();

    // ---- tuning: each variant on the same workload, one after the other
    const tuning: TuningResult[] = [];
    if (runTuning) {
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
          const eagerCascades = new CascadeClient({
            client: eagerClient,
            taskQueue: variantQueue,
            config,
            sendConfig: true,
            eagerStart: true,
          });
          run = async (request) => checkResult('3-step', await eagerCascades.run(request));
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
          const variantClient = new CascadeClient({
            client,
            taskQueue: variantQueue,
            ...(variant.workerConfig ? {} : { config, sendConfig: true }),
          });
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
    // The cascade against its bare twin, measured in the same run: what our workflow adds to Temporal's floor.
    // History bytes before issue 17's changes: this bench's own output on the workflow code main ran
    // then (commit 0790bee), kept in bench/results/before-issue-17.json. Sizes do not depend on load.
    const before = JSON.parse(
      await readFile(path.join(PROJECT_ROOT, 'bench', 'results', 'before-issue-17.json'), 'utf8').catch(() => '{}'),
    ) as { cells?: CellResult[] };
    const againstBare = SHAPES.map((shape) => {
      const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null);
      const at = (mode: 'temporal' | 'bare', concurrency: number) => cellOf(cells, mode, shape, concurrency);
      const [c1, b1, c100, b100] = [at('temporal', 1), at('bare', 1), at('temporal', 100), at('bare', 100)];
      const [m1, m100] = [cellOf(cells, 'calls', shape, 1), cellOf(cells, 'calls', shape, 100)];
      return {
        shape,
        /** Cascades/s over bare workflows/s at concurrency 100 (acceptance: >= 0.9). */
        throughputRatioC100: ratio(c100.cascadesPerSecond, b100.cascadesPerSecond),
        /** The calls twin's workflows/s over the bare twin's: what the model calls alone cost. */
        callsTwinThroughputRatioC100: ratio(m100.cascadesPerSecond, b100.cascadesPerSecond),
        /** Cascades/s over the calls twin's: what the cascade adds to its own model calls. */
        throughputRatioC100AgainstCalls: ratio(c100.cascadesPerSecond, m100.cascadesPerSecond),
        workerCpuMsPerCallsTwin: m100.workerCpuMsPerWorkflow,
        serverCpuMsPerCallsTwin: m100.serverCpuMsPerWorkflow,
        simulatorCpuMsPerCallsTwin: m100.simulatorCpuMsPerWorkflow,
        /** p50 and p99 latency at concurrency 1 over the bare twin's (acceptance for p50: <= 1.1). */
        p50RatioC1: ratio(c1.p50, b1.p50),
        p99RatioC1: ratio(c1.p99, b1.p99),
        /** The calls twin's p50 at concurrency 1 over the bare twin's: what the model calls alone add. */
        callsTwinP50RatioC1: ratio(m1.p50, b1.p50),
        /** p50 at concurrency 1 over the calls twin's: what the cascade adds to its own model calls. */
        p50RatioC1AgainstCalls: ratio(c1.p50, m1.p50),
        workerCpuMsPerCascade: c100.workerCpuMsPerWorkflow,
        workerCpuMsPerBare: b100.workerCpuMsPerWorkflow,
        /** The simulated providers' CPU per cascade (the bare twin calls none) and the dev server's, at c=100. */
        simulatorCpuMsPerCascade: c100.simulatorCpuMsPerWorkflow,
        serverCpuMsPerCascade: c100.serverCpuMsPerWorkflow,
        serverCpuMsPerBare: b100.serverCpuMsPerWorkflow,
        clientCpuMsPerCascade: c100.clientCpuMsPerWorkflow,
        clientCpuMsPerBare: b100.clientCpuMsPerWorkflow,
        historyEventsPerCascade: c1.history?.events,
        historyEventsPerBare: b1.history?.events,
        historyBytesPerCascadeBefore: before.cells?.find(
          (c) => c.mode === 'temporal' && c.shape === shape && c.concurrency === 1,
        )?.history?.bytes,
        historyBytesPerCascade: c1.history?.bytes,
        historyBytesPerBare: b1.history?.bytes,
        firstWorkflowTaskMsCascadeC1: c1.history?.firstWorkflowTaskMs,
        firstWorkflowTaskMsBareC1: b1.history?.firstWorkflowTaskMs,
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
        'simulated providers (zero latency) in their own process; Temporal: embedded dev server (in-memory, eager activity dispatch on); worker in its own process with the shipped createCascadeWorker tuning and bundleWorkflows() bundle; CascadeClient submit + result from the bench process, with the config sent as the API sends it (sendConfig); bare twin: client.workflow.start + result of bareSteps (bench/bench-workflows.ts: 1 or 3 no-op activities, bundled alone without preloads or interceptors) on a second worker in the same process with the same tuning, at concurrency 10 each cell run as bare, cascade, cascade, bare; at 1 and 100 also the calls twin (bareModelCalls: 1 or 3 calls of the cascade callModel activity to the simulated frontier model, same bundle and worker as the bare twin), as bare, calls, cascade, cascade, calls, bare; in-process: core/cascade-run.ts decisions with direct provider calls',
      workload,
      /** The embedded server's dynamic config (lib/server-dynamic-config.ts); none against an address. */
      ...(temporal.embedded ? { serverDynamicConfig: SERVER_DYNAMIC_CONFIG } : {}),
      /** Making the shipped bundle once (bundleWorkflows()); a worker given the bundle starts in a second or two. */
      bundleMs: round(shippedBundleMs, 0),
      cells,
      againstBare,
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
  againstBare: Array<{
    shape: Shape;
    throughputRatioC100: number | null;
    callsTwinThroughputRatioC100: number | null;
    throughputRatioC100AgainstCalls: number | null;
    workerCpuMsPerCallsTwin?: number | undefined;
    serverCpuMsPerCallsTwin?: number | undefined;
    simulatorCpuMsPerCallsTwin?: number | undefined;
    p50RatioC1: number | null;
    p99RatioC1: number | null;
    callsTwinP50RatioC1: number | null;
    p50RatioC1AgainstCalls: number | null;
    historyBytesPerCascadeBefore?: number | undefined;
    historyBytesPerCascade?: number | undefined;
  }>;
  worker: { idleRssMiB: number; idleHeapMiB: number; peakRssMiB: number; peakHeapMiB: number; afterRssMiB: number };
  tuning: TuningResult[];
}): string {
  const lines: string[] = [];
  lines.push(
    `Durability bench (${result.machine.cpus} CPUs, 1-min load average ${result.machine.loadAverage1mAtStart} at the start and ${result.machine.loadAverage1mAtEnd} at the end, ${result.durationS} s):`,
  );
  lines.push('');
  lines.push(
    '| cascade | concurrency | in-process p50 / p99 ms | Temporal p50 / p99 ms | bare twin p50 / p99 ms | in-process /s | Temporal /s | bare /s | worker CPU ms per cascade / bare | dev server CPU ms per cascade / bare (simulator per cascade) | history events, bytes per cascade / bare | first workflow task ms cascade / bare |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const shape of SHAPES) {
    for (const concurrency of CONCURRENCIES) {
      const a = cellOf(result.cells, 'in-process', shape, concurrency);
      const b = cellOf(result.cells, 'temporal', shape, concurrency);
      const c = cellOf(result.cells, 'bare', shape, concurrency);
      lines.push(
        `| ${shape} | ${concurrency} | ${a.p50} / ${a.p99} (n=${a.requests}) | ${b.p50} / ${b.p99} (n=${b.requests}) | ${c.p50} / ${c.p99} (n=${c.requests}) | ${a.cascadesPerSecond} | ${b.cascadesPerSecond} | ${c.cascadesPerSecond} | ${b.workerCpuMsPerWorkflow} / ${c.workerCpuMsPerWorkflow} | ${b.serverCpuMsPerWorkflow ?? '-'} / ${c.serverCpuMsPerWorkflow ?? '-'} (${b.simulatorCpuMsPerWorkflow ?? '-'}) | ${b.history?.events}, ${b.history?.bytes} / ${c.history?.events}, ${c.history?.bytes} | ${b.history?.firstWorkflowTaskMs} / ${c.history?.firstWorkflowTaskMs} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    '| cascade | throughput at c=100, cascade / bare | calls twin / bare | cascade / calls twin | calls twin CPU ms: worker, dev server, simulator | p50 at c=1, cascade / bare | p50 at c=1, calls twin / bare | p50 at c=1, cascade / calls twin | p99 at c=1, cascade / bare | history bytes per cascade, before issue 17 / now |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of result.againstBare)
    lines.push(
      `| ${r.shape} | ${r.throughputRatioC100} | ${r.callsTwinThroughputRatioC100} | ${r.throughputRatioC100AgainstCalls} | ${r.workerCpuMsPerCallsTwin}, ${r.serverCpuMsPerCallsTwin ?? '-'}, ${r.simulatorCpuMsPerCallsTwin ?? '-'} | ${r.p50RatioC1} | ${r.callsTwinP50RatioC1} | ${r.p50RatioC1AgainstCalls} | ${r.p99RatioC1} | ${r.historyBytesPerCascadeBefore ?? '-'} / ${r.historyBytesPerCascade} |`,
    );
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

runMain(main);
