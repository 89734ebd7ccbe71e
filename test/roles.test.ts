/**
 * The service's roles run apart, as an operator deploys them: `cascade setup` prepares a namespace
 * (idempotent; on Temporal Cloud it says what to do instead), a worker and the API refuse to start
 * on a namespace without the search attributes, and `npm run api` plus `npm run worker` serve
 * cascades as separate processes. Stopping either one drains: a worker lets a model call in flight
 * finish (even one longer than the SDK's old 10 s grace), so it is made once, and the API answers
 * a caller already waiting on a cascade.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { msToTs } from '@temporalio/common/lib/time';
import { parseConfig, type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../core/search-attributes';
import { pointConfigAtSimulator, simulatorEnv } from '../lib/demo-mode';
import { searchAttributeProblems } from '../lib/register-search-attributes';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { bundleWorkflows } from '../worker/create-worker';
import { runCascadeCli } from './helpers/cascade-cli';
import { threeTierConfig } from './helpers/engine';
import { eventually } from './helpers/simulated-cascade';
import { jsonLines, startServiceProcess, type ServiceProcess } from './helpers/service-process';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from './helpers/temporal';
import { TEST_ENV } from './helpers/test-env';

let temporal: TestTemporal;
let workDir: string;

before(async () => {
  temporal = await connectTestTemporal();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-roles-'));
});
after(async () => {
  await temporal?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A namespace of its own on the shared server, with none of the project's search attributes. */
async function freshNamespace(label: string): Promise<string> {
  const namespace = `${label}-${randomUUID().slice(0, 8)}`;
  await temporal.client.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  // A new namespace reaches the server's namespace cache after a moment.
  await eventually(
    () =>
      temporal.client.connection.operatorService.listSearchAttributes({ namespace }).then(
        () => true,
        () => undefined,
      ),
    `namespace ${namespace} to be usable`,
  );
  return namespace;
}

describe('cascade setup', { timeout: 300_000 }, () => {
  it('registers every search attribute on a fresh namespace, and finds nothing to do the second time', async () => {
    const namespace = await freshNamespace('setup');
    const args = ['setup', '--address', temporal.address, '--namespace', namespace];
    assert.equal((await searchAttributeProblems(temporal.client.connection, namespace)).length, 9);

    const first = await runCascadeCli([...args, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const names = Object.keys(SEARCH_ATTRIBUTE_DEFINITIONS);
    assert.deepEqual(JSON.parse(first.stdout), { namespace, added: names, present: [] });
    // Read back by name and type through the operator API.
    assert.deepEqual(await searchAttributeProblems(temporal.client.connection, namespace), []);

    const again = await runCascadeCli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      again.stdout.trim(),
      `namespace ${namespace}: all 9 search attributes were already registered; nothing to do`,
    );
  });

  it('says what to run on Temporal Cloud instead of trying the operator API', async () => {
    const run = await runCascadeCli([
      'setup',
      '--address',
      'my-ns.a1b2c.tmprl.cloud:7233',
      '--namespace',
      'my-ns.a1b2c',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /my-ns\.a1b2c\.tmprl\.cloud:7233 is Temporal Cloud/);
    assert.match(run.stderr, /Cloud UI/);
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS))
      assert.ok(
        run.stderr.includes(
          `tcld namespace search-attributes add --namespace my-ns.a1b2c --search-attribute "${name}=${type}"`,
        ),
        name,
      );
  });
});

describe('roles refuse a namespace that is not set up', { timeout: 300_000 }, () => {
  it('a worker and the API exit with a message naming the missing attributes and `cascade setup`', async () => {
    const namespace = await freshNamespace('unprepared');
    const args = ['--address', temporal.address, '--namespace', namespace];
    const env = { ...simulatorEnv(), PORT: '0' };
    for (const role of ['worker', 'api'] as const) {
      const service = startServiceProcess(role, args, env);
      const exit = await service.exited;
      assert.equal(exit.code, 1, `${role}: ${service.output()}`);
      assert.match(service.output(), new RegExp(`namespace "${namespace}" lacks the search attributes`), role);
      assert.match(service.output(), /CascadeOutcome \(Keyword\) is not registered/, role);
      assert.match(service.output(), /cascade setup --address <host:port> --namespace/, role);
    }
    const missing = startServiceProcess('worker', ['--address', temporal.address, '--namespace', 'no-such-ns'], env);
    assert.equal((await missing.exited).code, 1);
    assert.match(missing.output(), /namespace "no-such-ns" does not exist/);
  });
});

/** The API's URL, from its "HTTP API listening" log line (it listens on a free port). */
async function apiUrl(api: ServiceProcess): Promise<string> {
  return (await api.logLine('HTTP API listening')).url as string;
}

describe('npm run api and npm run worker as separate processes', { timeout: 300_000 }, () => {
  let simulator: SimulatorHandle;
  let config: CascadeConfig;
  let configPath: string;
  let bundlePath: string;
  const SLOW = 'SLOW-CALL-MARKER';
  /** Longer than the SDK's former 10 s grace: a worker stopped mid-call must still let it finish. */
  const SLOW_MS = 12_000;

  before(async () => {
    simulator = await startSimulator({
      script: {
        models: {
          'sim-small': {
            rules: [
              {
                when: { promptContains: SLOW },
                answer: { type: 'text', text: 'slow answer' },
                latency: { type: 'fixed', ms: SLOW_MS },
              },
              {
                when: { promptContains: 'DRAIN' },
                answer: { type: 'text', text: 'drained answer' },
                latency: { type: 'fixed', ms: 3000 },
              },
            ],
            defaultAnswer: { type: 'text', text: 'quick answer' },
          },
        },
      },
    });
    const input = threeTierConfig({ taskQueue: uniqueTaskQueue('roles') });
    // 20 s model timeouts: the default shutdown grace becomes 25 s.
    for (const model of Object.values(input.models)) model.timeoutMs = 20_000;
    config = pointConfigAtSimulator(parseConfig(input), simulator);
    configPath = path.join(workDir, 'config.json');
    await writeFile(configPath, JSON.stringify(config));
    bundlePath = process.env[TEST_ENV.workflowBundle] ?? path.join(workDir, 'bundle.js');
    if (!process.env[TEST_ENV.workflowBundle]) await writeFile(bundlePath, (await bundleWorkflows()).code);
  });
  after(async () => {
    await simulator?.stop();
  });

  const roleArgs = () => ['--config', configPath, '--address', temporal.address];
  const startWorker = () =>
    startServiceProcess('worker', [...roleArgs(), '--bundle', bundlePath], {
      ...simulatorEnv(),
      LLM_CASCADE_METRICS_PORT: '0',
    });
  const startApi = () => startServiceProcess('api', roleArgs(), { PORT: '0' });
  const callsWith = (marker: string) =>
    simulator.callLog.list().filter((call) => JSON.stringify(call.requestBody).includes(marker));

  it('serves a cascade, and a worker stopped mid-call lets the call finish so it is made once', async () => {
    const worker = startWorker();
    const api = startApi();
    try {
      const polling = await worker.logLine('worker polling');
      assert.equal(polling.shutdownGraceMs, 25_000);
      const url = await apiUrl(api);

      const quick = await fetch(`${url}/v1/cascades?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'Say hello.', taskType: 'default' }),
      });
      assert.equal(quick.status, 200);
      const quickBody = (await quick.json()) as { result: CascadeResult };
      assert.equal(quickBody.result.outcome, 'accepted');
      assert.equal(quickBody.result.output.text, 'quick answer');

      // Each role serves its own series: the worker the cascade's and the SDK's, the API its requests.
      const workerMetrics = await (await fetch(polling.metrics as string)).text();
      assert.match(workerMetrics, /^llm_cascade_requests_total\{[^}]*outcome="accepted"[^}]*\} 1$/m);
      assert.match(workerMetrics, /^temporal_workflow_completed_total\{/m);
      const apiMetrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(
        apiMetrics,
        /^llm_cascade_http_requests_total\{method="POST",path="\/v1\/cascades",status="200"\} 1$/m,
      );
      assert.doesNotMatch(apiMetrics, /^llm_cascade_requests_total\{/m);

      const id = `roles-slow-${randomUUID().slice(0, 8)}`;
      const submitted = await fetch(`${url}/v1/cascades`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, prompt: `Answer slowly. ${SLOW}`, taskType: 'default' }),
      });
      assert.equal(submitted.status, 202);
      await eventually(() => (callsWith(SLOW).length > 0 ? true : undefined), 'the slow call to arrive');

      // A rolling deploy: the old worker is told to stop while its call is in flight, a new one starts.
      const stopped = worker.stop('SIGTERM');
      const replacement = startWorker();
      try {
        const exit = await stopped;
        assert.equal(exit.code, 0, worker.output().slice(-2000));
        const [call] = callsWith(SLOW);
        assert.equal(call!.state, 'completed', 'the stopping worker let its call finish');
        assert.ok(exit.at >= call!.endedAt!, 'and exited only after it');

        const result = await temporal.client.workflow.getHandle(id).result();
        assert.equal((result as CascadeResult).output.text, 'slow answer');
        assert.equal(callsWith(SLOW).length, 1, 'the call was not made again by the new worker');

        // The log: the call's line names its cascade; the worker that finished it logs one line for it.
        const callLine = jsonLines(worker.output()).find(
          (line) => line.msg === 'model call completed' && line.cascadeId === id,
        );
        assert.ok(callLine, 'the model call line carries the cascade id');
        await eventually(
          () =>
            jsonLines(replacement.output()).find((line) => line.msg === 'cascade finished' && line.cascadeId === id),
          'the cascade finished line',
        );
        const finishedLines = [worker, replacement].flatMap((w) =>
          jsonLines(w.output()).filter((line) => line.msg === 'cascade finished' && line.cascadeId === id),
        );
        assert.equal(finishedLines.length, 1);
        assert.equal(finishedLines[0]!.outcome, 'accepted');
        assert.ok(
          !worker.output().includes(SLOW) && !replacement.output().includes(SLOW),
          'no prompt text in the logs',
        );
      } finally {
        await replacement.stop();
      }
    } finally {
      await worker.stop('SIGKILL');
      await api.stop();
    }
  });

  it('a stopping API answers the callers already waiting, then exits', async () => {
    const worker = startWorker();
    const api = startApi();
    try {
      await worker.logLine('worker polling');
      const url = await apiUrl(api);
      const waiting = fetch(`${url}/v1/cascades?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'Answer after a while. DRAIN', taskType: 'default' }),
      });
      await eventually(() => (callsWith('DRAIN').length > 0 ? true : undefined), 'the drained call to arrive');
      const stopped = api.stop('SIGTERM');
      const response = await waiting;
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { result: CascadeResult }).result.output.text, 'drained answer');
      assert.equal((await stopped).code, 0, api.output().slice(-2000));
      await assert.rejects(fetch(`${url}/healthz`), 'a stopped API accepts nothing');
    } finally {
      await worker.stop();
      await api.stop('SIGKILL');
    }
  });
});
