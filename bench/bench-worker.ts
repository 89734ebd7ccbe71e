/**
 * A cascade worker in its own process, for the durability benchmark: started with `fork` by
 * `durability-bench.ts`, so its memory is the worker's alone, as in production (`worker/main.ts`).
 * The parent sends one `start` message (config, tuning, bundle); the child answers `ready` with
 * its start-up time, then answers `memory` requests with current and peak RSS/heap and its CPU
 * time so far, and exits on
 * `stop` after draining.
 */
import { performance } from 'node:perf_hooks';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { simulatorEnv } from '../simulator/demo-mode';
import { createProviderRegistry } from '../providers/provider-registry';
import { createCascadeWorker, WORKFLOWS_PATH, type CascadeWorkerOptions } from '../worker/create-worker';
import pino from 'pino';
import { CascadeMetrics } from '../telemetry/cascade-metrics';
import { sdkMetricsSource, sdkMetricsTelemetry } from '../telemetry/sdk-metrics';
import { type BareActivities } from './bench-setup';

/** The parent's instructions. */
export const WorkerStart = z.object({
  type: z.literal('start'),
  address: z.string(),
  namespace: z.string(),
  /** A parsed config (plain JSON), its providers already pointed at the simulator. */
  config: z.unknown(),
  /** A file with the prebuilt workflow bundle; the worker bundles at start-up when absent. */
  bundlePath: z.string().optional(),
  /** The bare twin (bench/bench-workflows.ts): its bundle and task queue, for a second worker with the same tuning. */
  bare: z.object({ bundlePath: z.string(), taskQueue: z.string() }).optional(),
  tuning: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  /** Metrics as a production worker keeps them: the SDK's exporter, the cascade's counters, one log line per cascade. */
  telemetry: z.boolean().default(false),
});
export type WorkerStart = z.infer<typeof WorkerStart>;

export const ParentMessage = z.discriminatedUnion('type', [
  WorkerStart,
  z.object({ type: z.literal('memory'), reset: z.boolean().default(false) }),
  z.object({ type: z.literal('stop') }),
]);
export type ParentMessage = z.input<typeof ParentMessage>;

/** Bytes; and the worker process's CPU time so far (user + system, `process.cpuUsage()`), µs. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  peakRss: number;
  peakHeapUsed: number;
  cpuMicros: number;
}

export type ChildMessage =
  { type: 'ready'; startupMs: number } | ({ type: 'memory' } & MemorySample) | { type: 'error'; message: string };

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  let peakRss = 0;
  let peakHeapUsed = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
    return usage;
  };
  const sampler = setInterval(sample, 50);

  let stop: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let started: Promise<void> | undefined;
  process.on('message', (raw: unknown) => {
    const parsed = ParentMessage.safeParse(raw);
    if (!parsed.success) return send({ type: 'error', message: `bad message: ${parsed.error.message}` });
    const message = parsed.data;
    if (message.type === 'start') {
      started = (async () => {
        // Installed here, before any connection, so the start message can ask for the SDK's metrics.
        // Slow workflow tasks on a busy machine are what the bench measures, not news: errors only.
        const sdkMetrics = message.telemetry ? await sdkMetricsSource() : undefined;
        Runtime.install({
          shutdownSignals: [],
          logger: new DefaultLogger('ERROR', (entry) =>
            process.stderr.write(`[worker] ${entry.level}: ${entry.message}\n`),
          ),
          telemetryOptions: {
            logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} },
            ...(sdkMetrics ? sdkMetricsTelemetry(sdkMetrics.bindAddress) : {}),
          },
        });
        const telemetry = message.telemetry
          ? { metrics: new CascadeMetrics(), logger: pino({ level: 'info' }, pino.destination('/dev/null')) }
          : undefined;
        const config = parseConfig(message.config, 'bench worker config');
        const connection = await NativeConnection.connect({ address: message.address });
        const t0 = performance.now();
        const worker = await createCascadeWorker({
          connection,
          namespace: message.namespace,
          config,
          providers: createProviderRegistry(config, simulatorEnv()),
          workflows: message.bundlePath
            ? { workflowBundle: { codePath: message.bundlePath } }
            : { workflowsPath: WORKFLOWS_PATH },
          tuning: message.tuning as CascadeWorkerOptions['tuning'],
          ...(telemetry ? { telemetry } : {}),
        });
        // The bare twin: the same worker options (slots, cache, pollers, tuning), its own bundle and queue.
        const bareWorker = message.bare
          ? await createCascadeWorker({
              connection,
              namespace: message.namespace,
              config: { ...config, taskQueue: message.bare.taskQueue },
              providers: createProviderRegistry(config, simulatorEnv()),
              workflows: { workflowBundle: { codePath: message.bare.bundlePath } },
              tuning: message.tuning as CascadeWorkerOptions['tuning'],
              extraActivities: { benchNoop: async (input: string) => input } satisfies BareActivities,
            })
          : undefined;
        send({ type: 'ready', startupMs: performance.now() - t0 });
        await Promise.all([worker.runUntil(stopped), bareWorker?.runUntil(stopped)]);
        await connection.close();
      })().catch((error: unknown) => send({ type: 'error', message: (error as Error).stack ?? String(error) }));
    } else if (message.type === 'memory') {
      const usage = sample();
      const cpu = process.cpuUsage();
      send({
        type: 'memory',
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        peakRss,
        peakHeapUsed,
        cpuMicros: cpu.user + cpu.system,
      });
      if (message.reset) {
        peakRss = usage.rss;
        peakHeapUsed = usage.heapUsed;
      }
    } else {
      stop?.();
      void (started ?? Promise.resolve()).finally(() => {
        clearInterval(sampler);
        process.exit(0);
      });
    }
  });
}

void main();
