/**
 * `npm run bench:http`: the interactive latency of the HTTP API as `npm start` runs it (API and
 * worker in one process), against the bare floor measured in the same run. One-step cascades,
 * one request at a time: `POST /v1/cascades?wait=true` through the real API (Fastify, auth,
 * validation, the CascadeClient submit and long-poll), the simulated provider answering at once in
 * its own process, the worker in this process as `npm start` has it. The floor: a bare one-activity
 * workflow (bench/bench-workflows.ts, a second worker with the same options in this process)
 * started and awaited by a Temporal client, no HTTP.
 *
 * Modes, run in alternating rounds so the machine's load weighs on each alike:
 * - `bare`: the floor, a client on a gRPC `Connection`, as the API used before eager start;
 * - `bare-eager`: the same, started eagerly over the worker's `NativeConnection`;
 * - `http`: the API on its own client `Connection` (a separate API role, or npm start before);
 * - `http-native`: the API on the worker's `NativeConnection`, eager start off (what the connection alone changes);
 * - `http-eager`: the API as npm start now runs it, on the worker's `NativeConnection` with eager start.
 * Reported as p50/p95/p99 per mode and as ratios. Writes `bench/results/http-latency.json`.
 *
 * Options: `--quick` (a smoke run of seconds), `--out <file>`.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, type ConnectionLike } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { Command } from 'commander';
import pino from 'pino';
import { buildApi } from '../api/build-api';
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { PROJECT_ROOT } from '../config/load-config';
import { type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
import { latencyStats } from '../eval/eval-metrics';
import { installQuietTemporalRuntime, openTemporalTarget } from '../eval/temporal-target';
import { createProviderRegistry } from '../providers/provider-registry';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { bundleWorkflows, createCascadeWorker } from '../worker/create-worker';
import { startSimulatorProcess } from './bench-processes';
import { BARE_WORKFLOW_TYPE, benchConfig, BENCH_SCRIPT, type BareActivities } from './bench-setup';
import type { bareSteps } from './bench-workflows';
import { runMain } from '../lib/run-main';

const MODES = ['bare', 'bare-eager', 'http', 'http-native', 'http-eager'] as const;
type Mode = (typeof MODES)[number];

const FULL = { rounds: 5, perRound: 20, warmup: 10 };
const QUICK = { rounds: 2, perRound: 6, warmup: 3 };

interface ModeResult {
  mode: Mode;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Of this mode's starts, how many the server started eagerly (eager modes only). */
  eagerlyStarted?: number;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const TIMELINE_SAMPLE = 10;

/**
 * Where a mode's time goes on the server: each history event's time after the workflow's start, ms,
 * the median over the last few workflows of the mode (whose histories have the same shape).
 */
async function timeline(client: Client, workflowIds: readonly string[]): Promise<Array<[string, number]>> {
  const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
  const offsets: number[][] = [];
  let names: string[] = [];
  for (const id of workflowIds) {
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const start = millis(events[0]?.eventTime);
    offsets.push(events.map((event) => millis(event.eventTime) - start));
    names = events.map((event) =>
      (proto.api.enums.v1.EventType[event.eventType ?? 0] ?? '?').replace(/^EVENT_TYPE_/, ''),
    );
  }
  return names.map((name, i) => [name, round(median(offsets.map((list) => list[i] ?? 0)), 1)]);
}
const BARE_WORKFLOWS_PATH = path.join(__dirname, 'bench-workflows.ts');

async function main(): Promise<void> {
  const options = new Command()
    .option('--quick', 'a smoke run: a few requests per mode')
    .option('--out <file>', 'where to write the JSON', path.join(PROJECT_ROOT, 'bench', 'results', 'http-latency.json'))
    .parse()
    .opts<{ quick?: boolean; out: string }>();
  const workload = options.quick ? QUICK : FULL;
  const benchStarted = performance.now();
  let temporalWarnings = 0;
  installQuietTemporalRuntime(() => temporalWarnings++);
  const log = (line: string) =>
    console.error(`[bench:http ${((performance.now() - benchStarted) / 1000).toFixed(0)}s] ${line}`);
  const loadAtStart = os.loadavg()[0]!;

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-http-bench-'));
  const temporal = await openTemporalTarget({ log });
  const scriptFile = path.join(workDir, 'script.json');
  await writeFile(scriptFile, JSON.stringify(BENCH_SCRIPT));
  const simulator = await startSimulatorProcess(scriptFile);
  const runId = Date.now().toString(36);
  const queue = `http-bench-${runId}`;
  const bareQueue = `http-bench-${runId}-bare`;
  const config: CascadeConfig = pointConfigAtSimulator(benchConfig(queue), {
    anthropic: { url: simulator.anthropic, baseURL: simulator.anthropic, port: 0 },
    openai: { url: simulator.openai, baseURL: simulator.openaiBaseURL, port: 0 },
  });
  const closers: Array<() => Promise<void>> = [];

  try {
    log(`Temporal ${temporal.address}, simulator ${simulator.openai}; bundling`);
    const [shipped, bare] = await Promise.all([
      bundleWorkflows(),
      bundleWorkflowCode({ workflowsPath: BARE_WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    ]);
    // Both workers on the one NativeConnection, in this process, as npm start runs its worker.
    const native = temporal.nativeConnection;
    const worker = await createCascadeWorker({
      connection: native,
      config,
      providers: createProviderRegistry(config, simulatorEnv()),
      workflows: { workflowBundle: { code: shipped.code } },
    });
    const bareWorker = await createCascadeWorker({
      connection: native,
      config: { ...config, taskQueue: bareQueue },
      providers: createProviderRegistry(config, simulatorEnv()),
      workflows: { workflowBundle: { code: bare.code } },
      extraActivities: { benchNoop: async (input: string) => input } satisfies BareActivities,
    });
    const stopWorkers = new AbortController();
    const running = Promise.all([
      worker.runUntil(new Promise<void>((resolve) => stopWorkers.signal.addEventListener('abort', () => resolve()))),
      bareWorker.runUntil(
        new Promise<void>((resolve) => stopWorkers.signal.addEventListener('abort', () => resolve())),
      ),
    ]);
    closers.push(async () => {
      stopWorkers.abort();
      await running;
    });

    // Eager starts the API made: it logs each new cascade's at debug level.
    let apiEager = 0;
    const countEager = {
      write(line: string) {
        if ((JSON.parse(line) as { eagerlyStarted?: boolean }).eagerlyStarted === true) apiEager++;
      },
    };
    const startApi = async (connection: ConnectionLike, eagerStart: boolean) => {
      const app = buildApi({
        connection,
        namespace: temporal.namespace,
        config,
        logger: eagerStart ? pino({ level: 'debug' }, countEager) : pino({ level: 'silent' }),
        ...(eagerStart ? { eagerStart: true } : {}),
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      closers.unshift(() => app.close());
      return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    };
    const urls = {
      http: await startApi(temporal.client.connection, false),
      'http-native': await startApi(native, false),
      'http-eager': await startApi(native, true),
    };
    const nativeClient = new Client({
      connection: native,
      namespace: temporal.namespace,
      dataConverter: cascadeDataConverter(),
    });

    let bareEager = 0;
    let seq = 0;
    const lastIds = Object.fromEntries(MODES.map((mode) => [mode, [] as string[]])) as Record<Mode, string[]>;
    const one = async (mode: Mode): Promise<void> => {
      const id = `hb-${runId}-${mode}-${seq++}`;
      lastIds[mode] = [...lastIds[mode], id].slice(-TIMELINE_SAMPLE);
      if (mode === 'bare' || mode === 'bare-eager') {
        const eager = mode === 'bare-eager';
        const handle = await (eager ? nativeClient : temporal.client).workflow.start<typeof bareSteps>(
          BARE_WORKFLOW_TYPE,
          { workflowId: id, taskQueue: bareQueue, args: [1], ...(eager ? { requestEagerStart: true } : {}) },
        );
        if (handle.eagerlyStarted) bareEager++;
        if ((await handle.result()) !== 1) throw new Error(`bare workflow ${id} did not make its one step`);
        return;
      }
      const response = await fetch(`${urls[mode]}/v1/cascades?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, prompt: `Request ${id}: reply OK.`, taskType: 'one_step' }),
      });
      const body = (await response.json()) as { result?: CascadeResult };
      if (response.status !== 200 || body.result?.outcome !== 'accepted' || body.result.steps.length !== 1)
        throw new Error(`${mode} ${id}: HTTP ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    };

    log(`warming up (${workload.warmup} per mode)`);
    for (const mode of MODES) for (let i = 0; i < workload.warmup; i++) await one(mode);
    apiEager = 0;
    bareEager = 0;

    const latencies = Object.fromEntries(MODES.map((mode) => [mode, [] as number[]])) as Record<Mode, number[]>;
    for (let r = 0; r < workload.rounds; r++) {
      // Alternate the order each round, so no mode always follows the same one.
      const order = r % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) {
        for (let i = 0; i < workload.perRound; i++) {
          const t0 = performance.now();
          await one(mode);
          latencies[mode].push(performance.now() - t0);
        }
      }
      log(
        `round ${r + 1}/${workload.rounds}: ${MODES.map((m) => `${m} p50 ${round(latencyStats(latencies[m]).p50, 0)}`).join(', ')}`,
      );
    }

    const results: ModeResult[] = MODES.map((mode) => {
      const stats = latencyStats(latencies[mode]);
      return {
        mode,
        requests: latencies[mode].length,
        p50: round(stats.p50),
        p95: round(stats.p95),
        p99: round(stats.p99),
        mean: round(stats.mean),
        ...(mode === 'http-eager' ? { eagerlyStarted: apiEager } : {}),
        ...(mode === 'bare-eager' ? { eagerlyStarted: bareEager } : {}),
      };
    });
    const timelines = Object.fromEntries(
      await Promise.all(MODES.map(async (mode) => [mode, await timeline(temporal.client, lastIds[mode])] as const)),
    ) as Record<Mode, Array<[string, number]>>;
    const by = Object.fromEntries(results.map((result) => [result.mode, result])) as Record<Mode, ModeResult>;
    const ratio = (a: Mode, b: Mode) => ({ p50: round(by[a].p50 / by[b].p50), p99: round(by[a].p99 / by[b].p99) });
    const ratios = {
      /** The API as a separate role (or npm start before eager start) against the floor. */
      httpToBare: ratio('http', 'bare'),
      /** npm start now, against the floor without eager start (what Temporal alone costs by default). */
      httpEagerToBare: ratio('http-eager', 'bare'),
      /** npm start now, against the floor with eager start too. */
      httpEagerToBareEager: ratio('http-eager', 'bare-eager'),
      /** What eager start buys the HTTP round trip (same connection, on vs off). */
      httpEagerToHttpNative: ratio('http-eager', 'http-native'),
      /** npm start now against npm start before. */
      httpEagerToHttp: ratio('http-eager', 'http'),
      /** What eager start buys the bare floor. */
      bareEagerToBare: ratio('bare-eager', 'bare'),
    };
    const result = {
      generatedAt: new Date().toISOString(),
      durationS: round((performance.now() - benchStarted) / 1000, 0),
      machine: {
        cpus: os.cpus().length,
        loadAverage1mAtStart: round(loadAtStart, 2),
        loadAverage1mAtEnd: round(os.loadavg()[0]!, 2),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
      },
      setup:
        'one-step cascades at concurrency 1; POST /v1/cascades?wait=true through buildApi on loopback (fetch, keep-alive), API and workers in this process as npm start runs them (shipped bundle and tuning); simulated providers (zero latency) in their own process; embedded in-memory dev server; bare floor: client.workflow.start + result of bareSteps(1) (bench/bench-workflows.ts) on a second worker with the same options on the same NativeConnection; modes in alternating rounds after a warm-up',
      workload: { ...workload, quick: options.quick === true },
      temporalWarnings,
      modes: results,
      ratios,
      /** Per mode, each history event's median time after the start (ms), over its last workflows (TIMELINE_SAMPLE). */
      timelines,
    };
    await mkdir(path.dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);
    const lines = [
      `HTTP latency bench (${result.machine.cpus} CPUs, 1-min load ${result.machine.loadAverage1mAtStart} -> ${result.machine.loadAverage1mAtEnd}, ${result.durationS} s), one-step, concurrency 1:`,
      '',
      '| mode | requests | p50 ms | p95 ms | p99 ms | eager |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...results.map(
        (r) =>
          `| ${r.mode} | ${r.requests} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.eagerlyStarted !== undefined ? `${r.eagerlyStarted}/${r.requests}` : ''} |`,
      ),
      '',
      ...Object.entries(ratios).map(([name, value]) => `${name}: p50 ${value.p50}x, p99 ${value.p99}x`),
      '',
      'History timelines (median ms after the start):',
      ...MODES.map((mode) => `  ${mode}: ${timelines[mode].map(([name, ms]) => `${name} ${ms}`).join(', ')}`),
      '',
      `written to ${path.relative(process.cwd(), options.out)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const close of closers) await close().catch((error: unknown) => log(`closing: ${String(error)}`));
    simulator.child.kill();
    await temporal.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

runMain(main);
