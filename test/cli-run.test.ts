/**
 * The `cascade` CLI end to end as a child process: run, submit, status, list and cancel against the
 * test's Temporal server, with a worker and the simulated providers in this process.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type CascadeDescription } from '../client/cascade-client';
import { type CascadeResult } from '../core/result';
import { type SimulatorScriptInput } from '../simulator';
import { runCascadeCli } from './helpers/cascade-cli';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import {
  eventually,
  SIMULATED_NOTICE,
  startSimulatedCascade,
  type SimulatedCascade,
} from './helpers/simulated-cascade';

const REFUSE = 'PLEASE-REFUSE';
const SLOW = 'SLOW-REQUEST';
type ModelBehaviourInput = NonNullable<SimulatorScriptInput['models']>[string];
const refusingOrSlow: ModelBehaviourInput = {
  rules: [
    { name: 'refuse', when: { promptContains: REFUSE }, answer: { type: 'refusal' } },
    {
      name: 'slow',
      when: { promptContains: SLOW },
      answer: { type: 'text', text: 'late' },
      latency: { type: 'fixed', ms: 300_000 },
    },
  ],
  defaultAnswer: { type: 'text', text: 'Simulated answer from {{model}}.' },
};
/** Every tier's model refuses prompts holding REFUSE, so those cascades end exhausted. */
const SCRIPT: SimulatorScriptInput = {
  models: Object.fromEntries(
    ['claude-haiku-4-5', 'gpt-4.1-mini', 'claude-opus-4-6'].map((model) => [model, refusingOrSlow]),
  ),
};

describe('cascade CLI against a real cascade', { timeout: 600_000 }, () => {
  let temporal: TestTemporal;
  let stack: SimulatedCascade;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    temporal = await connectTestTemporal();
    stack = await startSimulatedCascade(temporal, 'cli-run', { script: SCRIPT });
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-run-'));
    // The CLI reads the same config as the worker: above all, its task queue.
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify(stack.config));
    env = { TEMPORAL_ADDRESS: temporal.address, LLM_CASCADE_CONFIG: configFile };
  });
  after(async () => {
    await stack?.stop();
    await temporal?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('run prints the answer, a table of steps, the outcome, cost against the baseline, and that it is simulated', async () => {
    const run = await runCascadeCli(['run', 'What is the capital of France?'], { env });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], 'Simulated answer from claude-haiku-4-5.');
    assert.match(run.stdout, /^#\s+tier\s+model\s+checks\s+tokens in\/out\s+cost$/m);
    assert.match(
      run.stdout,
      /^1\s+small\s+claude-haiku-4-5\s+✓not_empty ✓not_refusal -json_schema -ground_truth\s+\d+\/\d+\s+\$0\.\d{6}$/m,
    );
    assert.match(run.stdout, /^outcome\s+accepted: accepted at tier small: every check passed$/m);
    assert.match(run.stdout, /^cost\s+\$0\.\d{6} vs \$0\.\d{6} on claude-opus-4-6 alone: saved \$0\.\d{6} \(\d+%\)$/m);
    assert.match(run.stdout, /^route\s+question_answering \(task type question_answering, complexity low, learned\)$/m);
    assert.match(run.stdout, new RegExp(`^simulated\\s+${SIMULATED_NOTICE.replace(/[()]/g, '\\$&')}$`, 'm'));
    assert.match(run.stderr, /^cascade req-[\w-]+ submitted; waiting for the result\.\.\.$/m);
  });

  it('run --json prints the result; status shows it, also as JSON', async () => {
    const id = `cli-json-${randomUUID()}`;
    const run = await runCascadeCli(
      ['run', '--json', '--id', id, '--metadata', 'team=cli', 'Name the longest river in Africa.'],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as CascadeResult;
    assert.equal(result.id, id);
    assert.equal(result.outcome, 'accepted');
    assert.equal(run.stderr, '', 'JSON mode writes nothing else');

    const status = await runCascadeCli(['status', '--json', id], { env });
    assert.equal(status.code, 0, status.stderr);
    const description = JSON.parse(status.stdout) as CascadeDescription;
    assert.equal(description.status, 'COMPLETED');
    assert.deepEqual(description.result, result);

    const human = await runCascadeCli(['status', id], { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^status\s+completed$/m);
    assert.match(human.stdout, /^outcome\s+accepted: /m);
    assert.match(human.stdout, /^answer:\nSimulated answer from claude-haiku-4-5\.$/m);
  });

  it('run exits 4 when the cascade ends without an accepted answer, and prints why', async () => {
    const run = await runCascadeCli(
      ['run', '--task-type', 'question_answering', `What is the capital of Mars? ${REFUSE}`],
      { env },
    );
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stdout, /^outcome\s+exhausted: no tier left to climb/m);
    assert.match(run.stdout, /^3\s+frontier\s+claude-opus-4-6\s+✓not_empty ✗not_refusal/m);
    assert.match(run.stdout, /^ {2}step 1 not_refusal: /m);
  });

  it('submit prints the id at once; list finds it; cancel cancels a running cascade once', async () => {
    const submit = await runCascadeCli(['submit', `What is the capital of Kenya? ${SLOW}`], { env });
    assert.equal(submit.code, 0, submit.stderr);
    const id = submit.stdout.trim();
    assert.match(id, /^req-[\w-]+$/);
    assert.match(submit.stderr, new RegExp(`see it with: cascade status ${id}`));

    await eventually(async () => {
      const { count } = await temporal.client.workflow.count(
        `WorkflowId = '${id}' AND CascadeTaskType = 'question_answering'`,
      );
      return count === 1 ? true : undefined;
    }, 'the cascade to be visible with its task type');
    const list = await runCascadeCli(
      [
        'list',
        '--json',
        '--task-type',
        'question_answering',
        '--status',
        'running',
        '--since',
        '1h',
        '--limit',
        '1000',
      ],
      { env },
    );
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; status: string });
    assert.ok(
      rows.some((row) => row.id === id && row.status === 'RUNNING'),
      list.stdout,
    );

    const cancel = await runCascadeCli(['cancel', id], { env });
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(cancel.stdout, `cancellation of ${id} requested\n`);
    await eventually(
      async () =>
        (await temporal.client.workflow.getHandle(id).describe()).status.name === 'CANCELLED' ? true : undefined,
      'the cancellation',
    );
    const again = await runCascadeCli(['cancel', '--json', id], { env });
    assert.deepEqual(JSON.parse(again.stdout), { id, cancelRequested: false });

    const table = await runCascadeCli(['list', '--task-type', 'question_answering', '--limit', '1000'], { env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^id\s+status\s+task type\s+outcome\s+final model\s+tier\s+esc\s+cost\s+saved\s+started$/m,
    );
    assert.match(table.stdout, new RegExp(`^${id}\\s+cancelled\\s+question_answering\\s+cancelled`, 'm'));
  });
});
