/**
 * `npm start` (scripts/start.ts) with the configs a newcomer has at hand: one provider key alone
 * (Anthropic, then OpenAI), and a keyless local model server (configs/local.yaml). Each start runs
 * on the run's Temporal server (TEMPORAL_ADDRESS), with the provider's base URL pointed at the
 * simulator through the config's `${...}` interpolation, and serves a cascade over its HTTP API.
 * Every cascade's `CascadeConfigHash` is the hash `npm start` printed, and the Temporal CLI finds it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { type CascadeResult } from '../core/result';
import { freePort } from '../lib/dev-server';
import { ensureTemporalCli } from '../lib/temporal-cli';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import { TEST_ENV } from './helpers/test-env';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

let temporal: TestTemporal;
let simulator: SimulatorHandle;
const running: ChildProcess[] = [];

before(async () => {
  temporal = await connectTestTemporal();
  simulator = await startSimulator();
});
after(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  await simulator?.stop();
  await temporal?.close();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  apiUrl: string;
}

/** `npm start` with `env` alone (no provider key from this process's environment leaks in). */
async function startService(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: temporal.address,
      PORT: String(port),
      LOG_FORMAT: 'json',
      ...(process.env[TEST_ENV.workflowBundle]
        ? { LLM_CASCADE_WORKFLOW_BUNDLE: process.env[TEST_ENV.workflowBundle] }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 180_000;
  while (!/llm-cascade is running/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output: () => output, exited, apiUrl: `http://127.0.0.1:${port}` };
}

async function stopService(service: Started): Promise<void> {
  service.child.kill('SIGINT');
  assert.equal(await service.exited, 0, service.output().slice(-2000));
}

async function runCascade(service: Started, id: string): Promise<CascadeResult> {
  const response = await fetch(`${service.apiUrl}/v1/cascades?wait=true&timeoutMs=120000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, prompt: 'Is this review positive or negative? "Great battery."' }),
  });
  const body = (await response.json()) as { status: string; result?: CascadeResult };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.status, 'completed');
  return body.result!;
}

/** The hash `npm start` printed, and that `temporal workflow list --query` finds the cascade by it. */
async function assertFoundByConfigHash(service: Started, id: string): Promise<void> {
  const hash = /^ {2}Config hash\s+([0-9a-f]{12})\b/m.exec(service.output())?.[1];
  assert.ok(hash, `npm start prints the config hash:\n${service.output()}`);
  const cli = process.env[TEST_ENV.temporalCli] ?? (await ensureTemporalCli()).path;
  const query = `CascadeConfigHash = "${hash}" AND WorkflowId = "${id}"`;
  const { stdout } = await execFileAsync(cli, [
    'workflow',
    'list',
    '--address',
    temporal.address,
    '--query',
    query,
    '--output',
    'json',
  ]);
  const listed = JSON.parse(stdout) as Array<{ execution: { workflowId: string } }>;
  assert.deepEqual(
    listed.map((w) => w.execution.workflowId),
    [id],
    `temporal workflow list --query '${query}'`,
  );
  const description = await temporal.client.workflow.getHandle(id).describe();
  assert.equal(description.memo?.configHash, hash);
}

describe('npm start on one provider key', { timeout: 600_000 }, () => {
  for (const [provider, keyEnv, baseUrlEnv, config, model] of [
    ['anthropic', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'configs/anthropic.yaml', 'claude-haiku-4-5'],
    ['openai', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'configs/openai.yaml', 'gpt-4.1-nano'],
  ] as const) {
    it(`with only ${keyEnv} set, runs ${config} on ${provider}'s models and says so`, async () => {
      const endpoint = provider === 'anthropic' ? simulator.anthropic : simulator.openai;
      const service = await startService({ [keyEnv]: 'sk-test-only-key', [baseUrlEnv]: endpoint.baseURL });
      try {
        assert.match(service.output(), new RegExp(`^ {2}Config\\s+${config} \\(only ${keyEnv} is set`, 'm'));
        assert.doesNotMatch(service.output(), /DEMO MODE/);
        simulator.callLog.clear();
        const id = `one-key-${provider}-${Date.now()}`;
        const result = await runCascade(service, id);
        assert.equal(result.outcome, 'accepted');
        assert.equal(result.steps[0]!.model, model);
        assert.equal(result.notice, undefined, 'real providers: no simulated-answers notice');
        const calls = simulator.callLog.list();
        assert.ok(calls.length > 0);
        assert.ok(
          calls.every((call) => call.provider === provider),
          `only ${provider} was called: ${calls.map((c) => c.provider).join(', ')}`,
        );
        await assertFoundByConfigHash(service, id);
      } finally {
        await stopService(service);
      }
    });
  }
});

describe('npm start on a keyless local model server', { timeout: 600_000 }, () => {
  it('runs configs/local.yaml on the server it names, never the demo, sending max_tokens', async () => {
    const service = await startService({
      LLM_CASCADE_CONFIG: 'configs/local.yaml',
      LOCAL_LLM_BASE_URL: simulator.openai.baseURL,
    });
    try {
      assert.match(service.output(), /^ {2}Config\s+configs\/local\.yaml \(from LLM_CASCADE_CONFIG\)$/m);
      assert.doesNotMatch(service.output(), /DEMO MODE/);
      simulator.callLog.clear();
      const id = `local-${Date.now()}`;
      const result = await runCascade(service, id);
      assert.equal(result.outcome, 'accepted');
      assert.equal(result.steps[0]!.model, 'small');
      assert.equal(result.costUsd, 0);
      const [call] = simulator.callLog.list();
      assert.equal(call?.model, 'llama3.2:3b');
      assert.equal(call?.endpoint, '/v1/chat/completions');
      const body = call?.requestBody as Record<string, unknown>;
      assert.equal(body.max_tokens, 1024);
      assert.equal(body.max_completion_tokens, undefined);
      await assertFoundByConfigHash(service, id);
    } finally {
      await stopService(service);
    }
  });
});
