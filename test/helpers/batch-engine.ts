/**
 * What the batch, reprocess and report tests share: a simulator, a worker on a task queue of the
 * test's own, a batch client, a scratch folder, and readings of the simulator's call log per prompt.
 */
import { type BatchSourcePolicy } from '../../batch/batch-source-policy';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Client } from '@temporalio/client';
import { parseConfig, type CascadeConfig, type CascadeConfigInput } from '../../core/config';
import { BatchClient } from '../../client/batch-client';
import { pointConfigAtSimulator, simulatorEnv } from '../../simulator/demo-mode';
import { createProviderRegistry, type ProviderRegistry } from '../../providers/provider-registry';
import { startSimulator, type CallRecord, type SimulatorHandle } from '../../simulator';
import { type SimulatorScriptInput } from '../../simulator/simulator-script';
import { threeTierConfig } from './engine';
import { type History } from './histories';
import { createTestWorker, uniqueTaskQueue, type TestTemporal } from './temporal';

/** A simulator, a worker polling the config's task queue, a batch client and a scratch folder. */
export interface BatchEngine {
  simulator: SimulatorHandle;
  config: CascadeConfig;
  providers: ProviderRegistry;
  batches: BatchClient;
  workDir: string;
  close(): Promise<void>;
}

/** Opens an engine; `close` (in a `finally`) stops the worker and the simulator and removes the scratch folder. */
export async function openBatchEngine(
  temporal: TestTemporal,
  options: {
    label: string;
    script?: SimulatorScriptInput;
    config?: CascadeConfigInput;
    batchSources?: BatchSourcePolicy;
  },
): Promise<BatchEngine> {
  const simulator = await startSimulator({ script: options.script ?? {} });
  const workDir = await mkdtemp(path.join(os.tmpdir(), `llm-cascade-${options.label}-`));
  const config = pointConfigAtSimulator(
    parseConfig({ ...(options.config ?? threeTierConfig()), taskQueue: uniqueTaskQueue(options.label) }),
    simulator,
  );
  const providers = createProviderRegistry(config, simulatorEnv());
  // The worker reads batch files from the scratch folder only (and URLs only when a test allows them).
  const worker = await createTestWorker(temporal, config, providers, {
    batchSources: options.batchSources ?? { directories: [workDir], urlPrefixes: [] },
  });
  const running = worker.run();
  return {
    simulator,
    config,
    providers,
    batches: new BatchClient(temporal.client, config.taskQueue),
    workDir,
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await simulator.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** Each run of a batch's continue-as-new chain, oldest first, with its history. */
export async function* batchRunHistories(
  client: Client,
  batchId: string,
): AsyncGenerator<{ runId: string; history: History }> {
  let runId = (await client.workflow.getHandle(batchId).describe()).raw.workflowExecutionInfo?.firstRunId ?? undefined;
  while (runId) {
    const history = await client.workflow.getHandle(batchId, runId).fetchHistory();
    yield { runId, history };
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
}

/** Writes JSONL: objects as JSON, strings as they are (for deliberately broken lines). */
export async function writeJsonl(file: string, lines: readonly unknown[]): Promise<string> {
  await writeFile(
    file,
    lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n',
  );
  return file;
}

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The last user message of a logged call, whichever provider's wire format it came in. */
export function promptOf(call: CallRecord): string {
  const body = call.requestBody as {
    messages?: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>;
  };
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
