/**
 * What the batch, reprocess and report tests share: a simulator, a worker on a task queue of the
 * test's own that can be stopped and started again, clients for cascades and batches, a scratch
 * folder, and readings of the simulator's call log per prompt.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Worker } from '@temporalio/worker';
import { CascadeClient } from '../../client/cascade-client';
import { parseConfig, type CascadeConfig, type CascadeConfigInput } from '../../core/config';
import { BatchClient } from '../../lib/batch-client';
import { pointConfigAtSimulator, simulatorEnv } from '../../lib/demo-mode';
import { createProviderRegistry, type ProviderRegistry } from '../../providers/provider-registry';
import { startSimulator, type CallRecord, type SimulatorHandle } from '../../simulator';
import { type SimulatorScriptInput } from '../../simulator/simulator-script';
import { threeTierConfig } from './engine';
import { createTestWorker, uniqueTaskQueue, type TestTemporal } from './temporal';

export interface BatchEngine {
  simulator: SimulatorHandle;
  config: CascadeConfig;
  providers: ProviderRegistry;
  cascades: CascadeClient;
  batches: BatchClient;
  workDir: string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** Opens an engine; `close` (in a `finally`) stops the worker and the simulator and removes the scratch folder. */
export async function openBatchEngine(
  temporal: TestTemporal,
  options: { label: string; script?: SimulatorScriptInput; config?: CascadeConfigInput },
): Promise<BatchEngine> {
  const simulator = await startSimulator({ script: options.script ?? {} });
  const workDir = await mkdtemp(path.join(os.tmpdir(), `llm-cascade-${options.label}-`));
  const config = pointConfigAtSimulator(parseConfig({ ...(options.config ?? threeTierConfig()), taskQueue: uniqueTaskQueue(options.label) }), simulator);
  const providers = createProviderRegistry(config, simulatorEnv());
  let running: { worker: Worker; done: Promise<void> } | undefined;
  const engine: BatchEngine = {
    simulator,
    config,
    providers,
    cascades: new CascadeClient({ client: temporal.client, taskQueue: config.taskQueue, config }),
    batches: new BatchClient(temporal.client, config.taskQueue),
    workDir,
    async startWorker() {
      if (running) return;
      const worker = await createTestWorker(temporal, config, providers);
      running = { worker, done: worker.run() };
    },
    async stopWorker() {
      if (!running) return;
      const { worker, done } = running;
      running = undefined;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
    async close() {
      await engine.stopWorker();
      await simulator.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
  await engine.startWorker();
  return engine;
}

/** Writes JSONL: objects as JSON, strings as they are (for deliberately broken lines). */
export async function writeJsonl(file: string, lines: readonly unknown[]): Promise<string> {
  await writeFile(file, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return file;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The last user message of a logged call, whichever provider's wire format it came in. */
export function promptOf(call: CallRecord): string {
  const body = call.requestBody as { messages?: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }> };
  const users = (body.messages ?? []).filter((m) => m.role === 'user');
  const content = users[users.length - 1]?.content ?? '';
  return typeof content === 'string' ? content : content.map((block) => block.text ?? '').join('');
}

/** How many calls the providers fully answered, per prompt. */
export function answeredCallsByPrompt(simulator: SimulatorHandle): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of simulator.callLog.list({ state: 'completed' })) {
    if (call.status !== 200) continue;
    const prompt = promptOf(call);
    counts.set(prompt, (counts.get(prompt) ?? 0) + 1);
  }
  return counts;
}

/** Polls until `probe` returns a value; fails naming `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
