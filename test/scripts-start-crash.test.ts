/**
 * `npm start` recovers from its own crash: SIGKILLed with a batch in flight, it takes its Temporal
 * dev server (and everything else it started) with it; the next `npm start` on the same data dir
 * starts at once and the batch finishes with exactly one result and one workflow per line. And if
 * npm itself is killed, the service behind it notices and stops cleanly. Run as the user runs it:
 * `npm start`, the `cascade` CLI, demo mode.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { BatchClient, type BatchView } from '../client/batch-client';
import { type BatchResultLine } from '../batch/batch-results';
import { setprivPath } from '../lib/child-lifeline';
import { SERVER_RECORD_FILE, ServerRecord } from '../lib/server-record';
import { writeJsonl } from './helpers/batch-engine';
import { runCascadeCli } from './helpers/cascade-cli';
import { processTree, waitUntilGone } from './helpers/processes';
import { eventually } from './helpers/simulated-cascade';
import { isolatedStartEnv, startService, waitForOutput, type StartedService } from './helpers/start-service';

const LINES = 60;
/** The kernel kills a tied child when its owner dies; this leaves room for a loaded machine. */
const TIED_DEATH_MS = 5_000;

async function readRecord(dataDir: string): Promise<ServerRecord> {
  return ServerRecord.parse(JSON.parse(await readFile(path.join(dataDir, SERVER_RECORD_FILE), 'utf8')));
}

describe('npm start after a crash', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it('dies whole when SIGKILLed mid-batch; the next start finishes the batch, one result and one workflow per line', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-crash-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { env, ports } = await isolatedStartEnv(dataDir);
    const { temporal: temporalPort, ui: uiPort } = ports;
    const address = `127.0.0.1:${temporalPort}`;
    const killAll = (service: StartedService) => async () => {
      for (const pid of await processTree(service.child.pid!)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    };

    // The first start, and everything it runs: npm, sh, tsx, the service, the Temporal server.
    const first = startService(env, 'npm');
    cleanup.push(killAll(first));
    await waitForOutput(first, /llm-cascade is running/);
    const record = await readRecord(dataDir);
    assert.equal(record.port, temporalPort);
    assert.equal(record.uiPort, uiPort);
    assert.equal(record.dbFile, path.join(dataDir, 'temporal.db'));
    assert.equal(record.server.lifeline, setprivPath() ? 'pdeathsig' : 'watcher');
    const firstProcesses = await processTree(first.child.pid!);
    assert.ok(firstProcesses.includes(record.owner.pid), 'the record names the service process');
    assert.ok(firstProcesses.includes(record.server.pid), 'the record names the server process');

    // A batch, started as the user starts one, with lines in flight.
    const batchId = `crash-${Date.now().toString(36)}`;
    const input = await writeJsonl(
      path.join(dataDir, 'reviews.jsonl'),
      Array.from({ length: LINES }, (_, i) => ({
        id: `review-${i + 1}`,
        prompt: `Is this review positive or negative? Review ${i + 1}: great battery, sturdy case.`,
      })),
    );
    const cli = (args: string[]) =>
      runCascadeCli(args, { env: { TEMPORAL_ADDRESS: address }, timeoutMs: 120_000 }).then((run) => {
        assert.equal(run.code, 0, `cascade ${args.join(' ')}: ${run.stderr}`);
        return run;
      });
    await cli(['batch', 'run', input, '--id', batchId, '--concurrency', '2', '--detach']);

    const connection = await Connection.connect({ address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection, dataConverter: cascadeDataConverter() });
    const batches = new BatchClient(client, 'llm-cascade');
    const status = async (): Promise<BatchView | undefined> => batches.status(batchId).catch(() => undefined);
    const atKill = await eventually(
      async () => {
        const view = await status();
        return view && view.totals.done >= 5 ? view : undefined;
      },
      'the batch to be under way',
      120_000,
    );
    assert.ok(atKill.totals.done < LINES && atKill.workflowStatus === 'RUNNING', 'the batch is in flight at the kill');

    process.kill(record.owner.pid, 'SIGKILL');
    // The kernel kills a tied server at once. (An orphan would die too, but only when it next logs a
    // line into its closed pipe, and an idle one can hold the ports for long: see the idle kill below.)
    assert.deepEqual(await waitUntilGone([record.server.pid], TIED_DEATH_MS), [], 'the server died with its owner');
    await first.exited;
    assert.deepEqual(
      await waitUntilGone(firstProcesses),
      [],
      `no process of the first start survives its SIGKILL (${firstProcesses.join(', ')})`,
    );

    // The second start on the same data dir and ports: nothing in the way, nothing to clean up.
    const second = startService(env, 'npm');
    cleanup.push(killAll(second));
    await waitForOutput(second, /llm-cascade is running/);
    assert.doesNotMatch(second.output(), /stopped the Temporal dev server/, 'the tie, not the record, took the server');

    const done = await eventually(
      async () => {
        const view = await status();
        return view && view.workflowStatus !== 'RUNNING' ? view : undefined;
      },
      'the batch to finish',
      300_000,
      1000,
    );
    assert.equal(done.workflowStatus, 'COMPLETED');
    assert.equal(done.totals.done, LINES);
    assert.equal(done.totals.failed, 0);

    const resultsFile = path.join(dataDir, 'results.jsonl');
    await cli(['batch', 'results', batchId, '--out', resultsFile]);
    const results = (await readFile(resultsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as BatchResultLine);
    assert.deepEqual(
      results.map((r) => r.line),
      Array.from({ length: LINES }, (_, i) => i + 1),
      'exactly one result per line, in order',
    );
    assert.deepEqual(
      results.filter((r) => r.status !== 'ok'),
      [],
    );
    const workflows = await client.workflow.count(`${CascadeSearchAttributes.batchId.name} = '${batchId}'`);
    assert.equal(workflows.count, LINES, 'one cascade workflow per line, none started twice');

    // SIGKILLed while idle: a server with nothing to log would outlive an untied owner; this one may not.
    const secondRecord = await readRecord(dataDir);
    const secondProcesses = await processTree(second.child.pid!);
    assert.ok(secondProcesses.includes(secondRecord.server.pid), 'the second start recorded its server');
    process.kill(secondRecord.owner.pid, 'SIGKILL');
    assert.deepEqual(await waitUntilGone([secondRecord.server.pid], TIED_DEATH_MS), [], 'the idle server died too');
    assert.deepEqual(await waitUntilGone(secondProcesses), [], 'no process of the second start survives');

    // npm itself killed: the service behind it notices, stops cleanly and takes the server down.
    const third = startService(env, 'npm');
    cleanup.push(killAll(third));
    await waitForOutput(third, /llm-cascade is running/);
    assert.doesNotMatch(third.output(), /stopped the Temporal dev server/);
    const thirdProcesses = await processTree(third.child.pid!);
    process.kill(third.child.pid!, 'SIGKILL');
    assert.deepEqual(await waitUntilGone(thirdProcesses, 60_000), [], 'no process of the third start survives');
    assert.match(third.output(), /the process that launched npm start \(pid \d+\) is gone: stopping/);
    await assert.rejects(access(path.join(dataDir, SERVER_RECORD_FILE)), 'a clean stop removes its record');
  });
});
