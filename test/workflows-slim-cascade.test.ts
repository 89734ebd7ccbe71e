/**
 * The `slim-cascade` shape: a cascade under the worker's config records one local activity,
 * `prepareCascade`, with its classification and only the part of the config it decides with (its
 * route, the models it can call); the config hash it records is still the whole config's. Started
 * by this version's client it is `compact` (no patch marker, the escalation count written once, at
 * the end); started without a shape, as older clients did, it writes the slim-cascade marker and
 * updates the count at each escalation. Histories of both are kept in test/histories/ (with
 * LLM_CASCADE_RECORD_HISTORIES=1) for the replay suite, beside the older shapes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { classifyForCascade } from '../classifier/request-classifier';
import { type CascadeConfig } from '../core/config';
import { configHash } from '../core/config-hash';
import { type CascadeRequest } from '../core/request';
import { type SimulatorScriptInput } from '../simulator/simulator-script';
import { CascadeClient } from '../client/cascade-client';
import { replayTelemetryOptions } from '../telemetry/worker-telemetry';
import { SLIM_CASCADE_PATCH } from '../workflows/cascade-workflow';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { CASCADE_WORKFLOW_TYPE, type CascadeWorkflowInput, type PreparedCascade } from '../workflows/definitions';
import type { cascade } from '../workflows/cascade-workflow';
import { threeTierConfig, withEngine, type TestEngine } from './helpers/engine';
import { recordingHistories, saveHistory, type History } from './helpers/histories';
import { connectTestTemporal, workflowBundleCode, type TestTemporal } from './helpers/temporal';

/** Small breaks JSON, mid contradicts the facts, frontier gets it right: two escalations. */
const SCRIPT: SimulatorScriptInput = {
  models: {
    'sim-small': { defaultAnswer: { type: 'invalid_json', style: 'truncated' } },
    'sim-mid': { defaultAnswer: { type: 'schema_json', facts: 'contradict' } },
    'sim-frontier': { defaultAnswer: { type: 'schema_json', facts: 'use' } },
  },
};

const EXTRACTION: CascadeRequest = {
  prompt: 'Extract the invoice fields as JSON.\ninvoice_number: INV-7\ntotal: 120.5\ncustomer: Acme GmbH',
  taskType: 'extraction',
  schema: {
    type: 'object',
    properties: { invoice_number: { type: 'string' }, total: { type: 'number' }, customer: { type: 'string' } },
    required: ['invoice_number', 'total', 'customer'],
  },
  groundTruth: { invoice_number: 'INV-7', total: 120.5 },
};

const { EventType } = proto.api.enums.v1;

let temporal: TestTemporal;
before(async () => {
  temporal = await connectTestTemporal();
});
after(async () => {
  await temporal?.close();
});

/** What a history's markers say: local activities (type and decoded result) and patch ids. */
function markers(history: History): { localActivities: Array<{ type: string; result: unknown }>; patches: string[] } {
  const json = (payload: proto.api.common.v1.IPayload | undefined): unknown => {
    assert.equal(Buffer.from(payload?.metadata?.encoding ?? []).toString(), 'json/plain', 'a plain JSON payload');
    return JSON.parse(Buffer.from(payload!.data!).toString());
  };
  const localActivities: Array<{ type: string; result: unknown }> = [];
  const patches: string[] = [];
  for (const event of history.events ?? []) {
    if (event.eventType !== EventType.EVENT_TYPE_MARKER_RECORDED) continue;
    const { markerName, details } = event.markerRecordedEventAttributes!;
    if (markerName === 'core_local_activity') {
      const data = json(details!.data!.payloads![0]) as { activity_type?: string; activityType?: string };
      localActivities.push({
        type: data.activity_type ?? data.activityType ?? '?',
        result: json(details!.result!.payloads![0]),
      });
    } else if (markerName === 'core_patch') {
      patches.push((json(details!['patch-data']!.payloads![0]) as { id: string }).id);
    }
  }
  return { localActivities, patches };
}

/** The escalation counts a history's search-attribute updates wrote, in order. */
function escalationUpdates(history: History): number[] {
  const key = CascadeSearchAttributes.escalations.name;
  const counts: number[] = [];
  for (const event of history.events ?? []) {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    const payload = fields?.[key];
    if (payload) counts.push(JSON.parse(Buffer.from(payload.data!).toString()) as number);
  }
  return counts;
}

/**
 * Runs `request` as this version's client starts it (`compact`), or with no shape in its input, as
 * a client from before `compact` did (`slim`), and checks the markers each writes.
 */
async function runAndCheck(engine: TestEngine, request: CascadeRequest, label: string, shape: 'compact' | 'slim') {
  const id = `${label}-${Date.now()}`;
  const result =
    shape === 'compact'
      ? await engine.client.run({ ...request, id })
      : await temporal.client.workflow.execute<typeof cascade>(CASCADE_WORKFLOW_TYPE, {
          workflowId: id,
          taskQueue: engine.config.taskQueue,
          args: [{ request: { ...request, id } }],
        });
  const handle = temporal.client.workflow.getHandle(id);
  const history = await handle.fetchHistory();
  const { localActivities, patches } = markers(history);
  if (shape === 'compact') assert.deepEqual(patches, [], 'no patch marker: the input says the shape');
  else assert.deepEqual(patches, [SLIM_CASCADE_PATCH], 'one patch marker: slim-cascade implies the older ones');
  assert.deepEqual(
    escalationUpdates(history),
    shape === 'compact'
      ? [result.escalations]
      : [0, ...Array.from({ length: result.escalations }, (_, i) => i + 1), result.escalations],
    shape === 'compact'
      ? 'the count written once, at the end'
      : 'the count at the start, at each escalation and at the end',
  );
  assert.deepEqual(
    localActivities.map((a) => a.type),
    ['prepareCascade'],
    'one local activity: config and classification together',
  );
  const prepared = localActivities[0]!.result as PreparedCascade;
  // As recorded: JSON, where a given task type's margin (Infinity, never read: a given route is final) is null.
  const expected: unknown = JSON.parse(JSON.stringify(await classifyForCascade({ ...request, id }, engine.config)));
  assert.deepEqual(prepared.classification, expected, 'classified on the worker as classifyRequest did');
  assert.equal(prepared.configHash, configHash(engine.config), "the whole worker config's hash");
  const description = await handle.describe();
  assert.equal(description.memo?.configHash, configHash(engine.config));
  assert.equal(result.classification.route, prepared.classification.classification.route);
  if (recordingHistories()) await saveHistory(label, history);
  return { result, recorded: prepared.config, history, workflowId: id };
}

describe('slim-cascade shape', { timeout: 300_000 }, () => {
  for (const shape of ['compact', 'slim'] as const) {
    it(`records one local activity with the route, the models it can call and the classification, and replays (${shape})`, async () => {
      await withEngine(temporal, { config: threeTierConfig(), script: SCRIPT, label: shape }, async (engine) => {
        const given = await runAndCheck(engine, EXTRACTION, `${shape}-cascade-escalation`, shape);
        assert.equal(given.result.outcome, 'accepted');
        assert.equal(given.result.escalations, 2);
        assert.deepEqual(Object.keys(given.recorded.routes), ['extraction'], 'only the route it runs on');
        // `partner` is in no tier and no check of the route: nothing in this cascade can call it.
        assert.deepEqual(Object.keys(given.recorded.models).sort(), ['frontier', 'mid', 'small', 'small-backup']);
        const sameElsewhere: Partial<CascadeConfig> = { ...engine.config, routes: {}, models: {} };
        assert.deepEqual({ ...given.recorded, routes: {}, models: {} }, sameElsewhere, 'the rest of the config as is');

        // No task type: the learned classifier runs on the worker, inside the same local activity.
        const classified = await runAndCheck(
          engine,
          { prompt: 'Write a short poem about the sea.' },
          `${shape}-cascade-classified`,
          shape,
        );
        assert.notEqual(classified.result.classification.source, 'given');

        let replayed = 0;
        for await (const outcome of Worker.runReplayHistories(
          { workflowBundle: { code: await workflowBundleCode() }, ...replayTelemetryOptions() },
          [given, classified].map(({ workflowId, history }) => ({ workflowId, history })),
        )) {
          assert.equal(outcome.error, undefined, `${outcome.workflowId}: ${outcome.error?.message}`);
          replayed += 1;
        }
        assert.equal(replayed, 2);
        const attributes = (await temporal.client.workflow.getHandle(given.workflowId).describe())
          .typedSearchAttributes;
        assert.equal(attributes.get(CascadeSearchAttributes.escalations), 2, 'the final count, whatever the shape');
      });
    });
  }

  it('runs a request with a task type under the config the API sends, with no local activity, and replays', async () => {
    await withEngine(temporal, { config: threeTierConfig(), script: SCRIPT, label: 'sent' }, async (engine) => {
      const api = new CascadeClient({
        client: temporal.client,
        taskQueue: engine.config.taskQueue,
        config: engine.config,
        sendConfig: true,
      });
      const id = `compact-cascade-sent-config-${Date.now()}`;
      const result = await api.run({ ...EXTRACTION, id });
      assert.equal(result.outcome, 'accepted');
      assert.equal(result.escalations, 2, 'the same cascade as under the worker config');
      const handle = temporal.client.workflow.getHandle(id);
      const history = await handle.fetchHistory();
      assert.deepEqual(markers(history), { localActivities: [], patches: [] }, 'no local activity, no patch marker');
      const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
      const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString()) as CascadeWorkflowInput;
      // What prepareCascade would have recorded from the same config: the route's part and the whole hash.
      assert.deepEqual(Object.keys(input.config!.routes), ['extraction']);
      assert.deepEqual(Object.keys(input.config!.models).sort(), ['frontier', 'mid', 'small', 'small-backup']);
      assert.equal(input.configHash, configHash(engine.config));
      // Set at the start by the API instead of updated by the workflow: one update, at the end.
      const startAttributes = started.searchAttributes?.indexedFields ?? {};
      const attribute = (key: { name: string }) =>
        JSON.parse(Buffer.from(startAttributes[key.name]!.data!).toString()) as unknown;
      assert.equal(attribute(CascadeSearchAttributes.taskType), 'extraction');
      assert.equal(attribute(CascadeSearchAttributes.route), 'extraction');
      assert.equal(attribute(CascadeSearchAttributes.configHash), configHash(engine.config));
      const updates = history.events!.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
      assert.equal(updates.length, 1, 'the final search-attribute update alone');
      assert.equal((await handle.describe()).memo?.configHash, configHash(engine.config));
      assert.equal(result.classification.source, 'given');

      // A request to classify needs the worker's learned model: it runs under the worker's config.
      const classifiedId = `sent-config-classified-${Date.now()}`;
      await api.run({ prompt: 'Write a short poem about the sea.', id: classifiedId });
      const classified = await temporal.client.workflow.getHandle(classifiedId).fetchHistory();
      assert.deepEqual(
        markers(classified).localActivities.map((a) => a.type),
        ['prepareCascade'],
      );

      assert.throws(
        () => new CascadeClient({ client: temporal.client, taskQueue: 'q', sendConfig: true }),
        /sendConfig needs the config/,
      );
      if (recordingHistories()) await saveHistory('compact-cascade-sent-config', history);
      for await (const outcome of Worker.runReplayHistories(
        { workflowBundle: { code: await workflowBundleCode() }, ...replayTelemetryOptions() },
        [{ workflowId: id, history }],
      ))
        assert.equal(outcome.error, undefined, `${outcome.workflowId}: ${outcome.error?.message}`);
    });
  });
});
