/**
 * One hostile request must not stall the others (issue 13): a plain request's latency, idle and
 * then with one ReDoS request and four pathological ones always in flight, on one worker (workflow
 * tasks share its workflow threads) with the simulated providers answering at once. The hostile
 * requests are re-submitted as each ends, and every tier answers them in the costliest way, so each
 * runs its check at all three tiers. The worker and the simulated providers run in processes of
 * their own, as `docker-compose.yml` runs the worker, and this process stands in for the API (it
 * validates, and so compiles, every request's schema); `--layout one-process` runs all in this
 * process, as `npm start` does. Writes `bench/results/hostile-schemas.json`: latencies, their
 * ratio, and the workflow task failures found in every history (there must be none).
 *
 *   npx tsx bench/hostile-schema-bench.ts [--plain 40] [--workflow-threads N] [--layout one-process] [--by-kind]
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { temporal } from '@temporalio/proto';
import { Command } from 'commander';
import { CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { type CascadeRequest } from '../core/request';
import { installQuietTemporalRuntime, openTemporalTarget } from '../eval/temporal-target';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { DEFAULT_CONFIG_PATH, loadConfig, PROJECT_ROOT } from '../config/load-config';
import { createProviderRegistry } from '../providers/provider-registry';
import { startSimulator, type SimulatorScriptInput } from '../simulator';
import { bundleWorkflows, createCascadeWorker } from '../worker/create-worker';
import { startSimulatorProcess, startWorkerProcess } from './bench-processes';

const { EventType } = temporal.api.enums.v1;

/** Every model answers a hostile request in the way that costs its check the most. */
const HOSTILE_ANSWERS = [
  {
    name: 'redos',
    when: { promptContains: '[redos]' },
    answer: { type: 'json', value: { name: `${'a'.repeat(30)}!` } },
  },
  { name: 'bomb', when: { promptContains: '[bomb]' }, answer: { type: 'json', value: 5 } },
  {
    name: 'unique',
    when: { promptContains: '[unique]' },
    answer: { type: 'json', value: Array.from({ length: 100_000 }, (_, i) => i) },
  },
  {
    name: 'keys',
    when: { promptContains: '[keys]' },
    answer: { type: 'json', value: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key_${i}`, 'x'])) },
  },
  { name: 'caps', when: { promptContains: '[caps]' }, answer: { type: 'json', value: { wrong: true } } },
  // The control: as many model calls and escalations, with a trivial check.
  { name: 'benign', when: { promptContains: '[benign]' }, answer: { type: 'json', value: 5 } },
] as const;

type Kind = (typeof HOSTILE_ANSWERS)[number]['name'];
const HOSTILE: readonly Kind[] = ['redos', 'bomb', 'unique', 'keys', 'caps'];

const SCRIPT: SimulatorScriptInput = {
  otherModels: {
    rules: HOSTILE_ANSWERS,
    defaultAnswer: { type: 'text', text: 'Lima.' },
    latency: { type: 'fixed', ms: 0 },
  },
};

/** The hostile requests: the review's ReDoS, then four built to reach the limits. */
function hostileRequest(kind: Kind, n: number): CascadeRequest {
  const base = { id: `hostile-${kind}-${n}-${randomUUID()}`, prompt: `Answer. [${kind}]`, taskType: 'extraction' };
  switch (kind) {
    case 'redos':
      return {
        ...base,
        schema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } }, required: ['name'] },
      };
    case 'bomb': {
      const $defs: Record<string, unknown> = { d40: { type: 'string' } };
      for (let i = 0; i < 40; i++)
        $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
      return { ...base, schema: { $defs, $ref: '#/$defs/d0' } };
    }
    case 'unique':
      return { ...base, schema: { type: 'array', uniqueItems: true } };
    case 'keys':
      return {
        ...base,
        schema: {
          type: 'object',
          patternProperties: Object.fromEntries(
            Array.from({ length: 100 }, (_, i) => [`^key_${i}\\d*$`, { type: 'integer' }]),
          ),
        },
      };
    case 'benign':
      return { ...base, schema: { type: 'string' } };
    case 'caps': {
      // A fresh schema at the property cap every time, so every cascade compiles it afresh.
      const properties = Object.fromEntries(
        Array.from({ length: 500 }, (_, i) => [`field_${i}_${n}`, { type: 'string', minLength: 1 }]),
      );
      return { ...base, schema: { type: 'object', properties, required: Object.keys(properties) } };
    }
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const options = new Command('hostile-schema-bench')
    .option('--plain <n>', 'plain requests per phase', '40')
    .option('--by-kind', 'also time plain requests with five of each hostile kind in flight, one kind at a time')
    .option(
      '--layout <layout>',
      'production: worker, API and providers in processes of their own; one-process: as npm start',
      'production',
    )
    .option('--workflow-threads <n>', "the worker's workflow threads (its default when omitted)")
    .option('--out <file>', 'JSON output', path.join(PROJECT_ROOT, 'bench', 'results', 'hostile-schemas.json'))
    .parse()
    .opts<{ plain: string; out: string; byKind?: boolean; workflowThreads?: string; layout: string }>();
  const plainCount = Number(options.plain);
  let temporalWarnings = 0;
  installQuietTemporalRuntime(() => temporalWarnings++);
  const log = (line: string) => console.error(`[bench] ${line}`);

  const target = await openTemporalTarget({ log });
  const taskQueue = `hostile-${randomUUID()}`;
  const loadedConfig = { ...(await loadConfig(DEFAULT_CONFIG_PATH)), taskQueue };
  const tuning: { workflowThreadPoolSize?: number } = options.workflowThreads
    ? { workflowThreadPoolSize: Number(options.workflowThreads) }
    : {};
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-hostile-'));
  let config: CascadeConfig;
  let stopAll: () => Promise<void>;
  if (options.layout === 'production') {
    // As deployed (docker-compose.yml): the worker in a process of its own, the API (this process:
    // it validates and compiles every request's schema) in another, the providers elsewhere.
    const scriptFile = path.join(workDir, 'script.json');
    await writeFile(scriptFile, JSON.stringify(SCRIPT));
    const simulator = await startSimulatorProcess(scriptFile);
    config = pointConfigAtSimulator(loadedConfig, {
      anthropic: { url: simulator.anthropic, baseURL: simulator.anthropic, port: 0 },
      openai: { url: simulator.openai, baseURL: simulator.openaiBaseURL, port: 0 },
    });
    const bundlePath = path.join(workDir, 'workflow-bundle.js');
    await writeFile(bundlePath, (await bundleWorkflows()).code);
    const worker = await startWorkerProcess({
      address: target.address,
      namespace: target.namespace,
      config,
      bundlePath,
      tuning,
    });
    stopAll = async () => {
      await worker.stop();
      simulator.child.kill();
    };
  } else if (options.layout === 'one-process') {
    // Everything in this process, as `npm start` runs it: the API's schema compiles share the worker's main thread.
    const simulator = await startSimulator({ script: SCRIPT });
    config = pointConfigAtSimulator(loadedConfig, simulator);
    const worker = await createCascadeWorker({
      connection: target.nativeConnection,
      namespace: target.namespace,
      config,
      providers: createProviderRegistry(config, simulatorEnv()),
      workflows: { workflowBundle: await bundleWorkflows() },
      tuning,
    });
    const running = worker.run();
    stopAll = async () => {
      worker.shutdown();
      await running;
      await simulator.stop();
    };
  } else {
    throw new Error(`--layout must be production or one-process, got "${options.layout}"`);
  }
  const cascades = new CascadeClient({ client: target.client, taskQueue: config.taskQueue, config });
  const ids: string[] = [];

  const plainLatencies = async (label: string): Promise<number[]> => {
    const latencies: number[] = [];
    for (let i = 0; i < plainCount; i++) {
      const id = `plain-${label}-${i}-${randomUUID()}`;
      ids.push(id);
      const started = performance.now();
      const result = await cascades.run({ id, prompt: 'What is the capital of Peru?', taskType: 'question_answering' });
      latencies.push(performance.now() - started);
      if (result.outcome !== 'accepted') throw new Error(`plain request ${id}: ${result.outcomeReason}`);
    }
    return latencies;
  };

  const summary = (values: number[]) => ({
    p50Ms: Math.round(percentile(values, 50)),
    p95Ms: Math.round(percentile(values, 95)),
    maxMs: Math.round(Math.max(...values)),
  });

  try {
    log('warming up');
    await plainLatencies('warmup');
    log(`idle: ${plainCount} plain requests`);
    const idle = await plainLatencies('idle');

    const outcomes: Record<string, Record<string, number>> = {};
    /** Plain requests timed while `kinds` are always in flight, one stream of each. */
    const underLoad = async (label: string, kinds: readonly Kind[]): Promise<number[]> => {
      let stop = false;
      const stream = async (kind: Kind) => {
        for (let n = 0; !stop; n++) {
          const request = hostileRequest(kind, n);
          ids.push(request.id!);
          const result = await cascades.run(request);
          const counts = (outcomes[kind] ??= {});
          counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
        }
      };
      const streams = kinds.map((kind) => stream(kind));
      // Let every stream have its first cascade in flight before timing.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const latencies = await plainLatencies(label);
      stop = true;
      await Promise.all(streams);
      return latencies;
    };
    log('control: five escalating requests with a trivial check always in flight');
    const control = await underLoad('control', ['benign', 'benign', 'benign', 'benign', 'benign']);
    log('storm: one ReDoS and four pathological requests always in flight');
    const storm = await underLoad('storm', HOSTILE);
    const byKind: Record<string, ReturnType<typeof summary>> = {};
    if (options.byKind) {
      for (const kind of HOSTILE) {
        log(`five ${kind} requests always in flight`);
        byKind[kind] = summary(await underLoad(kind, [kind, kind, kind, kind, kind]));
      }
    }

    log(`reading ${ids.length} histories`);
    let workflowTaskFailures = 0;
    for (const id of ids) {
      const history = await target.client.workflow.getHandle(id).fetchHistory();
      workflowTaskFailures += (history.events ?? []).filter(
        (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      ).length;
    }

    const report = {
      date: new Date().toISOString(),
      plainRequestsPerPhase: plainCount,
      layout: options.layout,
      workflowThreads: options.workflowThreads ? Number(options.workflowThreads) : 'default',
      loadAverage: os.loadavg()[0],
      idle: summary(idle),
      control: summary(control),
      storm: summary(storm),
      stormVsIdleP50: Number((percentile(storm, 50) / percentile(idle, 50)).toFixed(2)),
      stormVsIdleP95: Number((percentile(storm, 95) / percentile(idle, 95)).toFixed(2)),
      stormVsControlP50: Number((percentile(storm, 50) / percentile(control, 50)).toFixed(2)),
      stormVsControlP95: Number((percentile(storm, 95) / percentile(control, 95)).toFixed(2)),
      ...(options.byKind ? { byKind } : {}),
      hostileOutcomes: outcomes,
      workflowsRead: ids.length,
      workflowTaskFailures,
      temporalWarnings,
    };
    console.log(JSON.stringify(report, null, 2));
    await mkdir(path.dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    log(`written to ${path.relative(process.cwd(), options.out)}`);
  } finally {
    await stopAll();
    await target.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

void main();
