/**
 * A large request through a provider outage (issue 13, Medium 7): every model call used to carry the
 * prompt in its input, so each round of an outage copied it into the history again (a 1 MB prompt
 * made 25 MB in five minutes of 503s, and the wait's default would near Temporal's 50 MB limit, at
 * which the server terminates the cascade with no result). Lean cascades pass a large request to
 * their calls by reference (the worker reads it from the cascade's input), and end `failed` with a
 * reason before their history passes `resilience.maxHistoryBytes`. Both are measured here on the
 * real server's history.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { createProviderRegistry } from '../providers/provider-registry';
import { simulatorEnv } from '../simulator/demo-mode';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { HISTORY_LIMIT_ERROR, REQUEST_BY_REFERENCE_CHARS } from '../workflows/cascade-workflow';
import { recordingHistories, saveHistory } from './helpers/histories';
import { simulatedConfig } from './helpers/simulated-cascade';
import { connectTestTemporal, createTestWorker, type TestTemporal } from './helpers/temporal';

let temporal: TestTemporal;
let simulator: SimulatorHandle;

before(async () => {
  temporal = await connectTestTemporal();
  simulator = await startSimulator();
});
after(async () => {
  await simulator?.stop();
  await temporal?.close();
});

/** A worker on a config of its own: the simulated example, with these resilience settings. */
async function withWorker<T>(
  label: string,
  resilience: Partial<CascadeConfig['resilience']>,
  run: (client: CascadeClient, config: CascadeConfig) => Promise<T>,
): Promise<T> {
  const base = await simulatedConfig(simulator, label);
  const config: CascadeConfig = { ...base, resilience: { ...base.resilience, ...resilience } };
  const worker: Worker = await createTestWorker(temporal, config, createProviderRegistry(config, simulatorEnv()));
  const running = worker.run();
  try {
    return await run(new CascadeClient({ client: temporal.client, taskQueue: config.taskQueue, config }), config);
  } finally {
    worker.shutdown();
    await running;
  }
}

/** The history as the server stores it: encoded size, and how many model calls were scheduled. */
async function historyOf(id: string) {
  const history = await temporal.client.workflow.getHandle(id).fetchHistory();
  const events = history.events ?? [];
  return {
    history,
    bytes: proto.api.history.v1.History.encode(history).finish().length,
    scheduledCalls: events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel')
      .length,
  };
}

/** A prompt of about `chars` characters that the simulated models answer like any other. */
function largePrompt(chars: number, marker: string): string {
  const line = `${marker} Summarise this log line and the ones around it; nothing in it needs a tool. `;
  return `Summarise the following log.\n${line.repeat(Math.ceil(chars / line.length))}`.slice(0, chars);
}

describe('large prompts', { timeout: 300_000 }, () => {
  it('keeps a 1 MB prompt in the history once through an outage of several rounds, and the model gets all of it', async (t) => {
    const marker = `big-${randomUUID()}`;
    const prompt = largePrompt(1_000_000, marker);
    const id = `large-prompt-${randomUUID()}`;
    // The next six calls, whatever their provider, answer 503: the cascade calls each model of its
    // tier, waits, and goes round again, until a call gets through.
    const fault = simulator.faults.add({ times: 6, effect: { type: 'http_error', status: 503 } });
    const result = await withWorker('large-prompt', { outageWaitMs: 60_000, maxAttemptsPerModel: 1 }, (client) =>
      client.run({ id, prompt }),
    );
    simulator.faults.remove(fault.id);
    assert.equal(result.outcome, 'accepted', result.outcomeReason);

    const { bytes, scheduledCalls } = await historyOf(id);
    t.diagnostic(`history ${bytes} bytes, ${scheduledCalls} calls scheduled, prompt ${prompt.length} characters`);
    assert.ok(scheduledCalls >= 4, `the outage took several rounds (${scheduledCalls} calls scheduled)`);
    // Copied into every call's input, the prompt alone would weigh scheduledCalls + 1 times its size.
    assert.ok(
      bytes < prompt.length * 1.2,
      `history ${bytes} bytes for a ${prompt.length}-character prompt and ${scheduledCalls} scheduled calls`,
    );
    const answered = simulator.callLog
      .list({})
      .filter((call) => call.status === 200 && JSON.stringify(call.requestBody).includes(marker));
    assert.ok(answered.length >= 1, 'the answering model was sent the prompt');
    assert.ok(JSON.stringify(answered[0]!.requestBody).length >= prompt.length, 'the whole prompt');
  });

  it('ends failed with a reason, before the history passes its limit, when an outage outlasts it', async (t) => {
    const prompt = largePrompt(REQUEST_BY_REFERENCE_CHARS + 8 * 1024, `limit-${randomUUID()}`);
    const id = `large-prompt-limit-${randomUUID()}`;
    // Room for the input and a few rounds of failed calls and timers, not for the whole outage wait.
    const maxHistoryBytes = prompt.length + 40 * 1024;
    const fault = simulator.faults.add({ durationMs: 120_000, effect: { type: 'http_error', status: 503 } });
    try {
      const result = await withWorker(
        'large-prompt-limit',
        { outageWaitMs: 100_000, maxAttemptsPerModel: 1, initialRetryMs: 100, maxRetryMs: 200, maxHistoryBytes },
        (client) => client.run({ id, prompt }),
      );
      assert.equal(result.outcome, 'failed');
      assert.equal(result.error?.type, HISTORY_LIMIT_ERROR, result.outcomeReason);
      assert.match(result.outcomeReason, /maxHistoryBytes/);
      const { history, bytes, scheduledCalls } = await historyOf(id);
      t.diagnostic(`history ${bytes} bytes of ${maxHistoryBytes} allowed, ${scheduledCalls} calls scheduled`);
      assert.ok(scheduledCalls >= 3, `it called through several rounds first (${scheduledCalls})`);
      assert.ok(bytes <= maxHistoryBytes, `history ${bytes} bytes, limit ${maxHistoryBytes}`);
      if (recordingHistories()) await saveHistory('lean-cascade-history-limit', history);
    } finally {
      simulator.faults.remove(fault.id);
    }
  });
});
