/**
 * OpenTelemetry tracing end to end, in one process running the API and a worker with an in-memory
 * span exporter: an escalated request sent with a `traceparent` and an `x-request-id` makes one
 * trace, continuing the caller's, from the HTTP span through the workflow client's span, the
 * workflow's span (exported from the sandbox), each activity's start and run spans, to each
 * provider call's GenAI span. An API without tracing starts workflows with no trace header, so
 * the workflow side does nothing for them.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { type Worker } from '@temporalio/worker';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApi } from '../api/build-api';
import { parseConfig, type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
import { pointConfigAtSimulator, simulatorEnv } from '../simulator/demo-mode';
import { createProviderRegistry } from '../providers/provider-registry';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { startTracing, type Tracing } from '../telemetry/tracing';
import { createCascadeWorker } from '../worker/create-worker';
import { threeTierConfig } from './helpers/engine';
import { eventually } from './helpers/simulated-cascade';
import { connectTestTemporal, uniqueTaskQueue, workflowBundleCode, type TestTemporal } from './helpers/temporal';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let temporal: TestTemporal;
let simulator: SimulatorHandle;
let config: CascadeConfig;
let worker: Worker;
let workerRun: Promise<void>;
let connection: Connection;
const apps: FastifyInstance[] = [];

async function listen(app: FastifyInstance): Promise<string> {
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

before(async () => {
  tracing = startTracing({ spanProcessor: new SimpleSpanProcessor(exporter), serviceName: 'llm-cascade-test' });
  temporal = await connectTestTemporal();
  // Small breaks JSON, mid contradicts the facts, frontier gets it right: two escalations, three calls.
  simulator = await startSimulator({
    script: {
      models: {
        'sim-small': { defaultAnswer: { type: 'invalid_json', style: 'truncated' } },
        'sim-mid': { defaultAnswer: { type: 'schema_json', facts: 'contradict' } },
        'sim-frontier': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
      },
    },
  });
  config = pointConfigAtSimulator(parseConfig(threeTierConfig({ taskQueue: uniqueTaskQueue('tracing') })), simulator);
  worker = await createCascadeWorker({
    connection: temporal.nativeConnection,
    config,
    providers: createProviderRegistry(config, simulatorEnv()),
    workflows: { workflowBundle: { code: await workflowBundleCode() } },
    telemetry: { tracing },
  });
  workerRun = worker.run();
  connection = await Connection.connect({ address: temporal.address });
});

after(async () => {
  for (const app of apps) await app.close();
  await connection?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun?.catch(() => {});
  await simulator?.stop();
  await temporal?.close();
  await tracing?.shutdown();
});

const REQUEST = {
  prompt: 'Extract the invoice fields as JSON.\ninvoice_number: INV-7\ntotal: 120.5',
  taskType: 'extraction',
  schema: {
    type: 'object',
    properties: { invoice_number: { type: 'string' }, total: { type: 'number' } },
    required: ['invoice_number', 'total'],
  },
  groundTruth: { invoice_number: 'INV-7', total: 120.5 },
};

function submit(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/v1/cascades?wait=true&timeoutMs=120000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...REQUEST, id: `tracing-${randomUUID().slice(0, 8)}` }),
  });
}

/** The cascade's result: from the response, or (when a loaded machine outlasts the API's wait) from Temporal. */
async function resultOf(response: Response): Promise<CascadeResult> {
  assert.ok(response.status === 200 || response.status === 202, `status ${response.status}`);
  const body = (await response.json()) as { id: string; result?: CascadeResult };
  return body.result ?? ((await temporal.client.workflow.getHandle(body.id).result()) as CascadeResult);
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('OpenTelemetry tracing', { timeout: 300_000 }, () => {
  it('makes one trace from the HTTP request through the workflow and each activity to each provider call', async () => {
    const url = await listen(
      buildApi({ connection, namespace: 'default', config, logger: pino({ level: 'silent' }), tracing }),
    );
    // Twice: the second request checks that the workflow side keeps working from one workflow to the next.
    for (let round = 0; round < 2; round++) {
      const traceId = hex(16);
      const callerSpanId = hex(8);
      const requestId = `req-${hex(4)}`;
      const response = await submit(url, {
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        'x-request-id': requestId,
      });
      assert.equal(response.headers.get('x-request-id'), requestId, 'the caller’s request id is kept');
      const result = await resultOf(response);
      assert.equal(result.escalations, 2);

      const spans = await eventually(() => {
        const inTrace = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
        return inTrace.some((span) => span.name === 'RunWorkflow:cascade') &&
          inTrace.some((span) => span.name === 'POST /v1/cascades')
          ? inTrace
          : undefined;
      }, 'the trace to be exported');
      const named = (name: string) => spans.filter((span) => span.name === name);
      const one = (name: string) => {
        const found = named(name);
        assert.equal(found.length, 1, `${name}: ${spans.map((s) => s.name).join(', ')}`);
        return found[0]!;
      };
      const childOf = (child: ReadableSpan, parent: ReadableSpan, what: string) =>
        assert.equal(child.parentSpanId, parent.spanContext().spanId, what);

      const http = one('POST /v1/cascades');
      assert.equal(http.kind, SpanKind.SERVER);
      assert.equal(http.parentSpanId, callerSpanId, 'the HTTP span continues the caller’s trace');
      assert.equal(http.attributes['http.route'], '/v1/cascades');
      assert.ok([200, 202].includes(http.attributes['http.response.status_code'] as number));
      assert.deepEqual(http.attributes['http.request.header.x-request-id'], [requestId]);
      assert.equal(http.attributes['llm_cascade.cascade_id'], result.id);

      const start = one('StartWorkflow:cascade');
      childOf(start, http, 'the workflow start is part of the request');
      const run = one('RunWorkflow:cascade');
      childOf(run, start, 'the workflow runs under its start');
      assert.equal(run.attributes['llm_cascade.cascade_id'], result.id);
      assert.equal(run.attributes.memo, undefined, 'no memo (it holds the cascade’s reasons) on a span');

      const scheduled = named('StartActivity:callModel');
      const executed = named('RunActivity:callModel');
      const calls = spans.filter((span) => span.name.startsWith('chat '));
      assert.equal(scheduled.length, 3);
      assert.equal(executed.length, 3);
      assert.equal(calls.length, 3);
      for (const span of scheduled) childOf(span, run, 'each activity is scheduled by the workflow');
      for (const span of executed) {
        assert.ok(
          scheduled.some((s) => s.spanContext().spanId === span.parentSpanId),
          'each activity runs under its scheduling',
        );
        assert.equal(span.attributes['llm_cascade.cascade_id'], result.id);
      }
      // The provider calls, in the order the cascade made them, with the GenAI attributes.
      const ordered = [...calls].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
      ordered.forEach((span, i) => {
        const step = result.steps[i]!;
        assert.ok(
          executed.some((s) => s.spanContext().spanId === span.parentSpanId),
          'each provider call is inside its activity',
        );
        assert.equal(span.kind, SpanKind.CLIENT);
        const model = config.models[step.model]!;
        assert.equal(span.name, `chat ${model.model}`);
        assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
        assert.equal(span.attributes['gen_ai.provider.name'], config.providers[model.provider]!.type);
        assert.equal(span.attributes['gen_ai.system'], config.providers[model.provider]!.type);
        assert.equal(span.attributes['gen_ai.request.model'], model.model);
        assert.equal(span.attributes['gen_ai.response.model'], model.model);
        assert.equal(span.attributes['gen_ai.usage.input_tokens'], step.usage.inputTokens);
        assert.equal(span.attributes['gen_ai.usage.output_tokens'], step.usage.outputTokens);
        assert.equal(span.attributes['llm_cascade.cascade_id'], result.id);
        assert.equal(span.attributes['llm_cascade.model'], step.model);
      });
      // No prompt or answer text on any span.
      const attributes = JSON.stringify(spans.map((span) => span.attributes));
      assert.ok(!attributes.includes('INV-7') && !attributes.includes('invoice'), attributes);
    }
  });

  it('without tracing on the API, workflows start with no trace header and make no spans', async () => {
    const url = await listen(buildApi({ connection, namespace: 'default', config, logger: pino({ level: 'silent' }) }));
    exporter.reset();
    const result = await resultOf(await submit(url, {}));
    const history = await temporal.client.workflow.getHandle(result.id).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.ok(started);
    assert.ok(!('_tracer-data' in (started.header?.fields ?? {})), 'no trace header on the workflow');
    // The worker still traces its activities (it has tracing on) but nothing comes from the workflow.
    assert.equal(exporter.getFinishedSpans().filter((span) => span.name.startsWith('RunWorkflow')).length, 0);
  });
});
