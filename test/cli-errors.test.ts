/**
 * The `cascade` CLI's failures as a script sees them: the documented exit code, and one clear
 * message on stderr, never a stack trace.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { freePort } from '../lib/dev-server';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config';
import { runCascadeCli, type CliRun } from './helpers/cascade-cli';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from './helpers/temporal';

function assertNoStack(run: CliRun): void {
  assert.doesNotMatch(run.stderr, /\n\s+at /, `no stack trace:\n${run.stderr}`);
}

describe('cascade CLI exit codes', { timeout: 600_000 }, () => {
  let temporal: TestTemporal;
  let config: CascadeConfig;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    temporal = await connectTestTemporal();
    // No worker polls this queue: cascades submitted here stay running, which is all these tests need.
    config = { ...(await loadConfig(DEFAULT_CONFIG_PATH)), taskQueue: uniqueTaskQueue('cli-errors') };
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-errors-'));
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify(config));
    env = { TEMPORAL_ADDRESS: temporal.address, LLM_CASCADE_CONFIG: configFile };
  });
  after(async () => {
    await temporal?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 for an invalid request, naming each field, before contacting Temporal', async () => {
    const unreachable = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    const run = await runCascadeCli(['run', '--max-cost', '-1', '--system', 'be brief', ''], { env: unreachable });
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      'error: invalid request:\n  - prompt: must not be empty\n  - maxCostUsd: must be greater than 0\n',
    );
    assert.equal(run.stdout, '');

    const route = await runCascadeCli(['submit', '--task-type', 'poetry', 'Write a poem'], { env: unreachable });
    assert.equal(route.code, 2);
    assert.match(route.stderr, /^ {2}- taskType: unknown route "poetry" \(routes: extraction, /m);

    const json = await runCascadeCli(['run', '--schema', '{"type": ', 'Extract the total'], { env: unreachable });
    assert.equal(json.code, 2);
    assert.match(json.stderr, /^error: --schema: invalid JSON: /);
    for (const r of [run, route, json]) assertNoStack(r);
  });

  it('exits 2 for bad usage, with commander’s message and a hint', async () => {
    const option = await runCascadeCli(['run', '--frobnicate', 'hi'], { env });
    assert.equal(option.code, 2);
    assert.match(option.stderr, /^error: unknown option '--frobnicate'$/m);
    assert.match(option.stderr, /run cascade --help for usage/);

    const list = await runCascadeCli(['list', '--limit', '0', '--outcome', 'great'], { env });
    assert.equal(list.code, 2);
    assert.match(list.stderr, /^error: --outcome: .*; --limit: must be at least 1$/m);

    const help = await runCascadeCli(['--help'], { env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:\n {2}0 {2}ok/);
  });

  it('exits 3 with the same one line from every command when TEMPORAL_ADDRESS is unreachable', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const expected = new RegExp(
      `^error: cannot reach Temporal at ${address.replace(/\./g, '\\.')} \\(.+\\)\\. Is \`npm start\` \\(or your Temporal server\\) running\\? Check --address or TEMPORAL_ADDRESS\\.$`,
    );
    const commands = [
      ['run', 'What is the capital of France?'],
      ['status', 'some-id'],
      ['report', '--since', '1d'],
      ['batch', 'status', 'some-batch'],
    ];
    const runs = await Promise.all(
      commands.map((args) => runCascadeCli(args, { env: { ...env, TEMPORAL_ADDRESS: address } })),
    );
    for (const [i, run] of runs.entries()) {
      const args = commands[i]!;
      assert.equal(run.code, 3, `${args.join(' ')}: ${run.stderr}`);
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, expected, args.join(' '));
      assertNoStack(run);
    }
  });

  it('exits 2 naming the flag for an empty --since, before contacting Temporal', async () => {
    const unreachable = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    const run = await runCascadeCli(['report', '--since', ''], { env: unreachable });
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'error: --since: must not be empty: give a duration like 7d or an ISO date\n');
    assertNoStack(run);
  });

  it('exits 1 for an unknown cascade, and 2 for an id reused for a different request', async () => {
    // --address instead of TEMPORAL_ADDRESS.
    const missing = await runCascadeCli(['status', `never-${randomUUID()}`, '--address', temporal.address], {
      env: { LLM_CASCADE_CONFIG: env.LLM_CASCADE_CONFIG! },
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: no cascade with id "never-[\w-]+"\n$/);

    const id = `cli-taken-${randomUUID()}`;
    await new CascadeClient({ client: temporal.client, taskQueue: config.taskQueue, config }).submit({
      id,
      prompt: 'the first request',
    });
    const reused = await runCascadeCli(['submit', '--id', id, 'a different request'], { env });
    assert.equal(reused.code, 2);
    assert.equal(
      reused.stderr,
      `error: id "${id}" was already used for a different request; use a new id for new work\n`,
    );
    const same = await runCascadeCli(['submit', '--json', '--id', id, 'the first request'], { env });
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(JSON.parse(same.stdout), { id, created: false });
    for (const r of [missing, reused]) assertNoStack(r);
  });

  it('exits 2 naming a missing config file', async () => {
    const run = await runCascadeCli(['classify', '--config', path.join(dir, 'nope.yaml'), 'hello'], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: invalid .*nope\.yaml:\n {2}- cannot read the file: ENOENT\n$/);
  });
});
