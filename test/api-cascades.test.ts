/**
 * The `/v1/cascades` endpoints end to end: submit, wait, describe, steps, cancel, list, and the
 * OpenAPI document, on a real Temporal server with the simulated providers.
 */
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type CancelCascadeResponse,
  type CascadeDescriptionResponse,
  type CascadeStepsResponse,
  type ListCascadesResponse,
  type SubmitCascadeResponse,
} from '../api/cascade-schemas';

import { temporal as proto } from '@temporalio/proto';
import { configHash } from '../core/config-hash';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { type CascadeWorkflowInput } from '../workflows/definitions';
import { eventually, useApiStack } from './helpers/simulated-cascade';

const SLOW = 'SLOW-REQUEST';
const SCRIPT = {
  models: {
    'claude-haiku-4-5': {
      rules: [
        {
          name: 'slow',
          when: { promptContains: SLOW },
          answer: { type: 'text' as const, text: 'late' },
          latency: { type: 'fixed' as const, ms: 300_000 },
        },
      ],
      defaultAnswer: { type: 'text' as const, text: 'Simulated answer from {{model}}.' },
    },
  },
};

describe('HTTP API: /v1/cascades', { timeout: 300_000 }, () => {
  const suite = useApiStack('cascades', { script: SCRIPT, api: { limits: { maxWaitMs: 20_000 } } });

  const post = async <T>(path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> => {
    const response = await fetch(suite.api.url + path, {
      method: 'POST',
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  };
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(suite.api.url + path);
    return { status: response.status, body: (await response.json()) as T };
  };

  it('accepts with 202 and a status URL, then describes the cascade and its steps once done', async () => {
    const submitted = await post<SubmitCascadeResponse>('/v1/cascades', {
      prompt: 'What is the capital of Norway?',
      metadata: { team: 'api-test' },
    });
    assert.equal(submitted.status, 202);
    assert.equal(submitted.body.status, 'running');
    assert.equal(submitted.body.created, true);
    assert.equal(submitted.body.statusUrl, `/v1/cascades/${submitted.body.id}`);
    assert.equal(submitted.headers.get('location'), submitted.body.statusUrl);

    const done = await eventually(async () => {
      const { status, body } = await get<CascadeDescriptionResponse>(submitted.body.statusUrl);
      assert.equal(status, 200);
      return body.status === 'completed' ? body : undefined;
    }, 'the cascade to complete');
    assert.equal(done.result?.outcome, 'accepted');
    assert.equal(done.result?.output.text, 'Simulated answer from claude-haiku-4-5.');
    assert.equal(done.route, 'question_answering');
    assert.ok(!Number.isNaN(Date.parse(done.startTime)) && done.closeTime !== undefined);

    const steps = await get<CascadeStepsResponse>(`${submitted.body.statusUrl}/steps`);
    assert.equal(steps.status, 200);
    assert.equal(steps.body.status, 'completed');
    assert.deepEqual(steps.body.steps, done.result?.steps);
    assert.equal(steps.body.steps[0]?.model, 'claude-haiku-4-5');
  });

  it('with wait=true answers 200 with the result, and 202 when the wait runs out first', async () => {
    const waited = await post<SubmitCascadeResponse>('/v1/cascades?wait=true', { prompt: 'Name the largest ocean.' });
    assert.equal(waited.status, 200);
    assert.equal(waited.body.status, 'completed');
    assert.equal(waited.body.result?.outcome, 'accepted');

    const started = Date.now();
    // The task type pins the route to the small tier, whose model the script slows down.
    const slow = await post<SubmitCascadeResponse>('/v1/cascades?wait=true&timeoutMs=500', {
      prompt: `Name a mountain. ${SLOW}`,
      taskType: 'question_answering',
    });
    assert.equal(slow.status, 202);
    assert.equal(slow.body.status, 'running');
    assert.equal(slow.body.result, undefined);
    assert.ok(Date.now() - started < 60_000, 'the wait stopped at its timeout, long before the model answered');
    await post('/v1/cascades/' + slow.body.id + '/cancel');
  });

  it('runs a request with a task type under the config it was accepted under, one to classify under the worker', async () => {
    const { EventType } = proto.api.enums.v1;
    const history = async (id: string) => (await suite.temporal.client.workflow.getHandle(id).fetchHistory()).events!;
    const given = await post<SubmitCascadeResponse>('/v1/cascades?wait=true', {
      prompt: 'Is this review positive or negative? Great battery.',
      taskType: 'classification',
    });
    assert.equal(given.body.result?.outcome, 'accepted');
    const givenEvents = await history(given.body.id);
    assert.ok(
      givenEvents.every((e) => e.eventType !== EventType.EVENT_TYPE_MARKER_RECORDED),
      'no local activity: the API sent its config',
    );
    const started = givenEvents[0]!.workflowExecutionStartedEventAttributes!;
    const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString()) as CascadeWorkflowInput;
    assert.equal(input.configHash, configHash(suite.stack.config));
    assert.deepEqual(Object.keys(input.config!.routes), ['classification']);
    const route = started.searchAttributes!.indexedFields![CascadeSearchAttributes.route.name]!;
    assert.equal(JSON.parse(Buffer.from(route.data!).toString()), 'classification', 'set in the start request');

    const classified = await post<SubmitCascadeResponse>('/v1/cascades?wait=true', {
      prompt: 'Name the longest river.',
    });
    assert.equal(classified.body.result?.outcome, 'accepted');
    const classifiedEvents = await history(classified.body.id);
    assert.equal(
      classifiedEvents.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED).length,
      1,
      "prepareCascade: classified on the worker, under the worker's config",
    );
  });

  it('cancels a running cascade, reports an ended one as such, and a re-submitted cancelled one as cancelled', async () => {
    const id = `api-cancel-${randomUUID()}`;
    // The task type pins the route to the small tier, whose model the script slows down: left to the
    // classifier, a route starting on another tier could answer before the cancel reaches the workflow.
    const request = { id, prompt: `What is the capital of Chile? ${SLOW}`, taskType: 'question_answering' };
    assert.equal((await post<SubmitCascadeResponse>('/v1/cascades', request)).status, 202);

    const cancel = await post<CancelCascadeResponse>(`/v1/cascades/${id}/cancel`);
    assert.equal(cancel.status, 202);
    assert.deepEqual(cancel.body, { id, cancelRequested: true, status: 'running' });
    await eventually(
      async () =>
        (await get<CascadeDescriptionResponse>(`/v1/cascades/${id}`)).body.status === 'cancelled' ? true : undefined,
      'the cascade to be cancelled',
    );

    const again = await post<CancelCascadeResponse>(`/v1/cascades/${id}/cancel`);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { id, cancelRequested: false, status: 'cancelled' });

    const resubmitted = await post<SubmitCascadeResponse>('/v1/cascades?wait=true', request);
    assert.equal(resubmitted.status, 200);
    assert.equal(resubmitted.body.status, 'cancelled');
    assert.equal(resubmitted.body.created, false);
    assert.match(resubmitted.body.error?.message ?? '', /ended cancelled/);
  });

  it('serves ids holding "/", ":" and "@" through percent-encoded URLs', async () => {
    const id = `team-a/job:${randomUUID().slice(0, 8)}@eu`;
    const submitted = await post<SubmitCascadeResponse>('/v1/cascades?wait=true', {
      id,
      prompt: 'Name a colour of the rainbow.',
    });
    assert.equal(submitted.status, 200);
    assert.equal(submitted.body.statusUrl, `/v1/cascades/${encodeURIComponent(id)}`);
    const described = await get<CascadeDescriptionResponse>(submitted.body.statusUrl);
    assert.equal(described.status, 200);
    assert.equal(described.body.id, id);
    assert.equal((await get<CascadeStepsResponse>(`${submitted.body.statusUrl}/steps`)).status, 200);
  });

  it('lists cascades by outcome, task type and escalation', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { body } = await post<SubmitCascadeResponse>('/v1/cascades?wait=true', {
        prompt: `Which country has the city of Lyon? (${i})`,
      });
      ids.push(body.id);
    }
    const listed = await eventually(async () => {
      const { status, body } = await get<ListCascadesResponse>(
        '/v1/cascades?outcome=accepted&taskType=question_answering&escalated=false&status=completed&limit=1000',
      );
      assert.equal(status, 200);
      return ids.every((id) => body.cascades.some((c) => c.id === id)) ? body.cascades : undefined;
    }, 'the cascades to be listed');
    const row = listed.find((c) => c.id === ids[0])!;
    assert.equal(row.status, 'completed');
    assert.equal(row.outcome, 'accepted');
    assert.equal(row.finalModel, 'claude-haiku-4-5');
    assert.equal(row.escalations, 0);
    assert.equal(typeof row.costUsd, 'number');

    const exhausted = await get<ListCascadesResponse>('/v1/cascades?outcome=exhausted&taskType=question_answering');
    assert.ok(!exhausted.body.cascades.some((c) => ids.includes(c.id)));
    assert.equal((await get<ListCascadesResponse>('/v1/cascades?limit=1')).body.cascades.length, 1);
  });

  it('answers 404 in JSON for an unknown cascade', async () => {
    const { status, body } = await get<{ error: { type: string; code: string; message: string } }>(
      '/v1/cascades/never-seen-here',
    );
    assert.equal(status, 404);
    assert.equal(body.error.code, 'cascade_not_found');
    assert.equal(body.error.message, 'no cascade with id "never-seen-here"');
  });

  it('publishes an OpenAPI 3.1 document generated from the zod schemas', async () => {
    const { status, body } = await get<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    }>('/openapi.json');
    assert.equal(status, 200);
    assert.equal(body.openapi, '3.1.0');
    assert.deepEqual(Object.keys(body.paths).sort(), [
      '/healthz',
      '/openapi.json',
      '/readyz',
      '/v1/cascades',
      '/v1/cascades/{id}',
      '/v1/cascades/{id}/cancel',
      '/v1/cascades/{id}/steps',
      '/v1/chat/completions',
      '/v1/messages',
      '/v1/models',
      '/v1/responses',
    ]);
    const schemas = body.components.schemas;
    assert.ok(schemas.CascadeRequest?.properties?.prompt && schemas.CascadeRequest.properties.maxCostUsd);
    assert.ok(
      schemas.ChatCompletionRequest?.properties?.messages && schemas.ChatCompletionResponse?.properties?.cascade,
    );
    assert.ok(schemas.MessagesRequest?.properties?.tools && schemas.MessagesResponse?.properties?.stop_reason);
    assert.ok(schemas.ResponsesRequest?.properties?.input && schemas.ResponsesResponse?.properties?.output);
    const refs = [...JSON.stringify(body).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length > 10);
    for (const ref of refs) assert.ok(schemas[ref], `$ref ${ref} resolves`);
  });
});
