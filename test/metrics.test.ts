/**
 * `/metrics` in one process running the API and a worker, as `npm start` does: parsed with a
 * Prometheus text-format parser, the cascade's counters equal the sums over the workflows this
 * test ran (cost, savings, escalations by check, outcomes, tokens), the Temporal SDK's own series
 * are in the same document, and no label carries a request id or prompt text. The worker runs with
 * no workflow cache, so every workflow task replays its history from the start: a count made during
 * replay would show here as a multiple.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AddressInfo } from 'node:net';
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { Writable } from 'node:stream';
import pino from 'pino';
import { type FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { type Worker } from '@temporalio/worker';
import { buildApi } from '../api/build-api';
import { parseConfig, type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
import { pointConfigAtSimulator, simulatorEnv } from '../lib/demo-mode';
import { createProviderRegistry } from '../providers/provider-registry';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { CascadeMetrics } from '../telemetry/cascade-metrics';
import { sdkMetricsSource, type SdkMetricsSource } from '../telemetry/sdk-metrics';
import { createCascadeWorker } from '../worker/create-worker';
import { threeTierConfig } from './helpers/engine';
import { connectTestTemporal, uniqueTaskQueue, workflowBundleCode, type TestTemporal } from './helpers/temporal';

const SCHEMA = {
  type: 'object',
  properties: { invoice_number: { type: 'string' }, total: { type: 'number' } },
  required: ['invoice_number', 'total'],
};
const FACTS = 'invoice_number: INV-9\ntotal: 42.5';
const TRUTH = { invoice_number: 'INV-9', total: 42.5 };

/** Each case names the path the simulator scripts for it; the escalations it must add up to are below. */
const CASES = {
  'CASE-SMALL-OK': { count: 3, escalations: [] },
  'CASE-TWO-STEPS': { count: 2, escalations: ['small:json_schema', 'mid:ground_truth'] },
  'CASE-SCHEMA': { count: 2, escalations: ['small:json_schema'] },
  'CASE-EMPTY': { count: 1, escalations: ['small:not_empty'] },
  'CASE-AUTH': { count: 1, escalations: [] },
} as const;
type CaseName = keyof typeof CASES;

let temporal: TestTemporal;
let sdk: SdkMetricsSource;
let simulator: SimulatorHandle;
let config: CascadeConfig;
let metrics: CascadeMetrics;
let worker: Worker;
let workerRun: Promise<void>;
let apiConnection: Connection;
let app: FastifyInstance;
let url: string;
/** The worker's log lines (JSON). */
const logLines: Array<Record<string, unknown>> = [];

before(async () => {
  sdk = await sdkMetricsSource();
  temporal = await connectTestTemporal({ sdkMetricsBindAddress: sdk.bindAddress });
  simulator = await startSimulator({
    script: {
      models: {
        'sim-small': {
          rules: [
            { when: { promptContains: 'CASE-SMALL-OK' }, answer: { type: 'schema_json', facts: 'use' } },
            { when: { promptContains: 'CASE-TWO-STEPS' }, answer: { type: 'invalid_json' } },
            { when: { promptContains: 'CASE-SCHEMA' }, answer: { type: 'schema_violation' } },
            { when: { promptContains: 'CASE-EMPTY' }, answer: { type: 'empty' } },
            { when: { promptContains: 'CASE-AUTH' }, answer: { type: 'error', status: 401 } },
          ],
          defaultAnswer: { type: 'schema_json', facts: 'use' },
        },
        'sim-mid': {
          rules: [{ when: { promptContains: 'CASE-TWO-STEPS' }, answer: { type: 'schema_json', facts: 'contradict' } }],
          defaultAnswer: { type: 'schema_json', facts: 'use' },
        },
        'sim-frontier': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
      },
    },
  });
  config = pointConfigAtSimulator(parseConfig(threeTierConfig({ taskQueue: uniqueTaskQueue('metrics') })), simulator);
  metrics = new CascadeMetrics();
  worker = await createCascadeWorker({
    connection: temporal.nativeConnection,
    config,
    providers: createProviderRegistry(config, simulatorEnv()),
    workflows: { workflowBundle: { code: await workflowBundleCode() } },
    telemetry: {
      metrics,
      logger: pino(
        { level: 'info' },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
            done();
          },
        }),
      ),
    },
    // No cache: every workflow task replays the history so far, the harshest test of counting once.
    tuning: { maxCachedWorkflows: 0 },
  });
  workerRun = worker.run();
  apiConnection = await Connection.connect({ address: temporal.address });
  app = buildApi({
    connection: apiConnection,
    namespace: 'default',
    config,
    logger: pino({ level: 'silent' }),
    metrics: { metrics, sdk },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

after(async () => {
  await app?.close();
  await apiConnection?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun?.catch(() => {});
  await simulator?.stop();
  await temporal?.close();
});

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  assert.ok(found, `no metric ${name} in /metrics`);
  return found;
}

/** The sum of the samples named `name` whose labels include `where` (over every run of them the parser made). */
function total(families: MetricFamily[], name: string, where: Record<string, string> = {}): number {
  family(families, name);
  return families
    .filter((f) => f.name === name)
    .flatMap((f) => f.metrics)
    .filter((sample) => Object.entries(where).every(([key, value]) => sample.labels?.[key] === value))
    .reduce((sum, sample) => sum + Number(sample.value), 0);
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: /metrics says ${actual}, the workflows sum to ${expected}`);
}

describe('Prometheus metrics', { timeout: 300_000 }, () => {
  it('count every cascade once, and the counters equal the sums over the workflows', async () => {
    const requests = (Object.entries(CASES) as Array<[CaseName, (typeof CASES)[CaseName]]>).flatMap(([name, spec]) =>
      Array.from({ length: spec.count }, () => ({
        id: `metrics-${name.toLowerCase()}-${randomUUID().slice(0, 8)}`,
        name,
        body: {
          prompt: `Extract the invoice fields as JSON. ${name}\n${FACTS}`,
          taskType: 'extraction',
          schema: SCHEMA,
          groundTruth: TRUTH,
        },
      })),
    );
    const results = await Promise.all(
      requests.map(async ({ id, body }) => {
        const response = await fetch(`${url}/v1/cascades?wait=true&timeoutMs=120000`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': id },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200, await response.clone().text());
        return ((await response.json()) as { result: CascadeResult }).result;
      }),
    );

    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = parsePrometheusTextFormat(text);
    const names = families.map((f) => f.name);
    assert.equal(new Set(names).size, names.length, 'each metric family appears once');
    // The parser folds a labelled histogram into one unlabelled sample; read histogram series as
    // plain samples (`_count`, `_sum`, `_bucket`) from the same text without their TYPE lines.
    const samples = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram\n/gm, ''));

    // Outcomes and final models: one count per cascade, despite every task replaying.
    assert.equal(total(families, 'llm_cascade_requests_total'), results.length);
    for (const outcome of ['accepted', 'failed'] as const)
      assert.equal(
        total(families, 'llm_cascade_requests_total', { outcome, route: 'extraction', task_type: 'extraction' }),
        results.filter((r) => r.outcome === outcome).length,
        outcome,
      );
    assert.equal(total(families, 'llm_cascade_requests_total', { outcome: 'failed', final_model: 'none' }), 1);
    for (const model of ['small', 'mid', 'frontier'])
      assert.equal(
        total(families, 'llm_cascade_requests_total', { final_model: model }),
        results.filter((r) => r.finalModel === model).length,
        model,
      );
    assert.equal(total(families, 'llm_cascade_classifications_total', { source: 'given' }), results.length);
    assert.equal(family(families, 'llm_cascade_request_duration_seconds').type, 'HISTOGRAM');
    assert.equal(
      total(samples, 'llm_cascade_request_duration_seconds_count', { outcome: 'accepted' }),
      results.filter((r) => r.outcome === 'accepted').length,
    );

    // Money: per model and tier, in total, and the baseline the savings are measured against.
    const spent = results.reduce((sum, r) => sum + r.costUsd, 0);
    close(total(families, 'llm_cascade_model_cost_usd_total'), spent, 'model cost');
    close(total(families, 'llm_cascade_cost_usd_total'), spent, 'cascade cost');
    for (const model of ['small', 'mid', 'frontier'])
      close(
        total(families, 'llm_cascade_model_cost_usd_total', { model, tier: model }),
        results
          .flatMap((r) => r.steps)
          .filter((s) => s.model === model)
          .reduce((sum, s) => sum + s.costUsd, 0),
        `cost of ${model}`,
      );
    close(
      total(families, 'llm_cascade_baseline_cost_usd_total'),
      results.reduce((sum, r) => sum + r.baseline.costUsd, 0),
      'baseline',
    );
    close(
      total(families, 'llm_cascade_baseline_cost_usd_total') - total(families, 'llm_cascade_cost_usd_total'),
      results.reduce((sum, r) => sum + r.savedUsd, 0),
      'saved',
    );

    // Escalations by tier and check: as scripted, and as the results' own tallies say.
    const expected = new Map<string, number>();
    for (const { name } of requests)
      for (const key of CASES[name].escalations) expected.set(key, (expected.get(key) ?? 0) + 1);
    for (const [key, count] of expected) {
      const [tier, check] = key.split(':') as [string, string];
      assert.equal(total(families, 'llm_cascade_escalations_total', { tier, check, route: 'extraction' }), count, key);
    }
    assert.equal(
      total(families, 'llm_cascade_escalations_total'),
      results.reduce((sum, r) => sum + r.escalations, 0),
    );

    // Model calls: every attempt timed, the 401 counted by kind, tokens as the provider counted them.
    const steps = results.flatMap((r) => r.steps);
    const answered = steps.filter((s) => !s.error);
    assert.equal(total(families, 'llm_cascade_model_call_errors_total', { model: 'small', kind: 'auth' }), 1);
    assert.equal(total(samples, 'llm_cascade_model_call_duration_seconds_count', { outcome: 'ok' }), answered.length);
    assert.equal(total(samples, 'llm_cascade_model_call_duration_seconds_count', { outcome: 'error' }), 1);
    assert.equal(
      total(families, 'llm_cascade_model_tokens_total', { direction: 'input' }),
      answered.reduce((sum, s) => sum + s.usage.inputTokens, 0),
    );
    assert.equal(
      total(families, 'llm_cascade_model_tokens_total', { direction: 'output' }),
      answered.reduce((sum, s) => sum + s.usage.outputTokens, 0),
    );

    // The API's own requests, by route pattern.
    assert.equal(
      total(families, 'llm_cascade_http_requests_total', { method: 'POST', path: '/v1/cascades', status: '200' }),
      results.length,
    );
    // The Temporal SDK's series and the process's, in the same document.
    assert.ok(
      names.some((name) => name.startsWith('temporal_')),
      `no temporal_* series in:\n${names.join('\n')}`,
    );
    assert.ok(total(families, 'temporal_workflow_completed_total') >= results.length);
    assert.ok(names.includes('process_cpu_user_seconds_total'));

    // One structured line per finished cascade, with no prompt text in it.
    const finished = logLines.filter((line) => line.msg === 'cascade finished');
    assert.equal(finished.length, results.length, 'one line per cascade, despite every task replaying');
    const hashes = new Set(finished.map((line) => line.configHash));
    assert.equal(hashes.size, 1, 'every cascade ran under the same config');
    assert.match([...hashes][0] as string, /^[0-9a-f]{12}$/);
    for (const result of results) {
      const line = finished.find((entry) => entry.cascadeId === result.id);
      assert.ok(line, `no line for ${result.id}`);
      assert.deepEqual(
        {
          outcome: line.outcome,
          route: line.route,
          taskType: line.taskType,
          finalTier: line.finalTier,
          finalModel: line.finalModel,
          escalations: line.escalations,
          costUsd: line.costUsd,
          savedUsd: line.savedUsd,
        },
        {
          outcome: result.outcome,
          route: result.classification.route,
          taskType: result.classification.taskType,
          finalTier: result.finalTier,
          finalModel: result.finalModel,
          escalations: result.escalations,
          costUsd: result.costUsd,
          savedUsd: result.savedUsd,
        },
      );
      assert.ok(typeof line.durationMs === 'number' && line.durationMs > 0);
    }
    const logged = JSON.stringify(logLines);
    for (const marker of [...Object.keys(CASES), 'INV-9', 'Extract the invoice'])
      assert.ok(!logged.includes(marker), `prompt text "${marker}" in the log`);

    // Bounded labels: no id, no prompt text anywhere in the document.
    for (const { id, name } of requests) {
      assert.ok(!text.includes(id), `request id ${id} in /metrics`);
      assert.ok(!text.includes(name), `prompt text ${name} in /metrics`);
    }
  });
});
