/**
 * Tenants, end to end on a real Temporal server with the simulated providers: two tenants' keys
 * cannot list, read, cancel or squat each other's cascades (another tenant's is a 404, exactly like
 * one that does not exist), an admin key sees and cancels every tenant's, a tenant's budget is a
 * ceiling the request cannot raise, and a key over its rate limit gets 429 with `retry-after`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type CancelCascadeResponse,
  type CascadeDescriptionResponse,
  type ListCascadesResponse,
  type SubmitCascadeResponse,
} from '../api/cascade-schemas';
import { parseApiAccessConfig } from '../core/api-access-config';
import { CascadeSearchAttributes } from '../core/search-attributes';
import { recordHistories, recordingHistories } from './helpers/histories';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import {
  eventually,
  startSimulatedCascade,
  startTestApi,
  type SimulatedCascade,
  type TestApi,
} from './helpers/simulated-cascade';

const KEY_A = `tenant-a-${randomUUID()}`;
const KEY_B = `tenant-b-${randomUUID()}`;
const KEY_ADMIN = `admin-${randomUUID()}`;
/** A tenant with a budget ceiling far below any model call. */
const KEY_CAPPED = `capped-${randomUUID()}`;
const KEY_LIMITED = `limited-${randomUUID()}`;
/** A key of LLM_CASCADE_API_KEYS: the default tenant's, as every key was before tenants. */
const KEY_DEFAULT = `default-${randomUUID()}`;

const SLOW = 'SLOW-TENANT-REQUEST';
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

/** What a 404 for an id says, with the id taken out: the same whether the cascade exists elsewhere or nowhere. */
function notFoundShape(body: { error: { message: string; code: string; type: string; param: string | null } }) {
  const { message, code, type, param } = body.error;
  return { message: message.replace(/"[^"]*"/, '"<id>"'), code, type, param };
}

describe('HTTP API: tenants', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let stack: SimulatedCascade;
  let api: TestApi;

  before(async () => {
    temporal = await connectTestTemporal();
    stack = await startSimulatedCascade(temporal, 'tenants', { script: SCRIPT });
    const access = parseApiAccessConfig({
      tenants: { acme: {}, globex: {}, initech: { budgetUsd: 0.000_000_1 }, ops: {} },
      keys: [
        { keyEnv: 'TEST_TENANT_KEY_A', tenant: 'acme' },
        // A key may be given by its SHA-256 instead of a variable: the file then holds no secret.
        { sha256: createHash('sha256').update(KEY_B).digest('hex'), tenant: 'globex' },
        { keyEnv: 'TEST_TENANT_KEY_ADMIN', tenant: 'ops', role: 'admin' },
        { keyEnv: 'TEST_TENANT_KEY_CAPPED', tenant: 'initech' },
        { keyEnv: 'TEST_TENANT_KEY_LIMITED', tenant: 'acme', rateLimit: { perMinute: 6, burst: 2 } },
      ],
    });
    api = await startTestApi(temporal, stack.config, {
      apiKeys: [KEY_DEFAULT],
      access,
      env: {
        TEST_TENANT_KEY_A: KEY_A,
        TEST_TENANT_KEY_ADMIN: KEY_ADMIN,
        TEST_TENANT_KEY_CAPPED: KEY_CAPPED,
        TEST_TENANT_KEY_LIMITED: KEY_LIMITED,
      },
      limits: { maxWaitMs: 60_000 },
    });
  });
  after(async () => {
    await api?.close();
    await stack?.stop();
    await temporal?.close();
  });

  const call = async <T>(
    key: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> => {
    const response = await fetch(api.url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  };
  type ErrorBody = { error: { message: string; code: string; type: string; param: string | null } };

  it('keeps two tenants apart: the same id is two cascades, and neither can read, list or cancel the other’s', async () => {
    const id = `shared-${randomUUID().slice(0, 8)}`;
    const a = await call<SubmitCascadeResponse>(
      KEY_A,
      'POST',
      '/v1/cascades?wait=true',
      { prompt: 'What is the capital of Norway?' },
      { 'idempotency-key': id },
    );
    assert.equal(a.status, 200);
    assert.equal(a.body.id, id, 'the caller sees its own id, not the namespaced workflow id');
    assert.equal(a.body.result?.id, id);

    // B takes the same id for different work: no 409, no squatting, its own cascade.
    const b = await call<SubmitCascadeResponse>(
      KEY_B,
      'POST',
      '/v1/cascades',
      // Pinned to the small tier, whose model the script slows down, whatever the classifier says.
      { prompt: `What is the capital of Chile? ${SLOW}`, taskType: 'question_answering' },
      { 'idempotency-key': id },
    );
    assert.equal(b.status, 202);
    assert.equal(b.body.created, true);
    assert.equal(b.body.id, id);

    // Idempotency stays within the tenant: A's key again attaches to A's cascade, and a different
    // request under it is A's own conflict, named by A's id.
    const again = await call<SubmitCascadeResponse>(
      KEY_A,
      'POST',
      '/v1/cascades',
      { prompt: 'What is the capital of Norway?' },
      { 'idempotency-key': id },
    );
    assert.equal(again.body.created, false);
    assert.equal(again.body.id, id);
    const conflict = await call<ErrorBody>(
      KEY_A,
      'POST',
      '/v1/cascades',
      { prompt: 'Another' },
      { 'idempotency-key': id },
    );
    assert.equal(conflict.status, 409);
    assert.match(conflict.body.error.message, new RegExp(`^id "${id}" was already used`));

    // In Temporal they are two workflows, each recording its tenant.
    const [aRun, bRun] = await Promise.all([
      temporal.client.workflow.getHandle(`acme~${id}`).describe(),
      temporal.client.workflow.getHandle(`globex~${id}`).describe(),
    ]);
    assert.equal(aRun.typedSearchAttributes.get(CascadeSearchAttributes.tenant), 'acme');
    assert.equal(bRun.typedSearchAttributes.get(CascadeSearchAttributes.tenant), 'globex');

    // Each reads its own under the bare id.
    const aRead = await call<CascadeDescriptionResponse>(KEY_A, 'GET', `/v1/cascades/${id}`);
    assert.equal(aRead.status, 200);
    assert.equal(aRead.body.status, 'completed');
    assert.equal(aRead.body.tenant, 'acme');
    assert.equal(aRead.body.result?.output.text, 'Simulated answer from claude-haiku-4-5.');
    const bRead = await call<CascadeDescriptionResponse>(KEY_B, 'GET', `/v1/cascades/${id}`);
    assert.equal(bRead.status, 200);
    assert.equal(bRead.body.status, 'running');
    assert.equal(bRead.body.tenant, 'globex');

    // B naming A's cascade outright: 404 on every route, shaped exactly like a cascade that does not exist.
    const missing = await call<ErrorBody>(KEY_B, 'GET', `/v1/cascades/no-such-${randomUUID()}`);
    assert.equal(missing.status, 404);
    for (const [method, path] of [
      ['GET', `/v1/cascades/acme~${id}`],
      ['GET', `/v1/cascades/acme~${id}/steps`],
      ['POST', `/v1/cascades/acme~${id}/cancel`],
    ] as const) {
      const response = await call<ErrorBody>(KEY_B, method, path);
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.deepEqual(notFoundShape(response.body), notFoundShape(missing.body));
      assert.ok(!JSON.stringify(response.body).includes('Norway'), 'nothing of A’s cascade leaks');
    }

    // Lists are scoped: B sees its own only, and may not ask for another tenant's.
    const bList = await call<ListCascadesResponse>(KEY_B, 'GET', '/v1/cascades?limit=1000');
    assert.equal(bList.status, 200);
    assert.ok(bList.body.cascades.length >= 1);
    assert.ok(bList.body.cascades.every((row) => row.tenant === 'globex'));
    // A list can fail transiently while the shared dev server is busy with other test files
    // (visibility is eventually consistent): poll until A's cascade shows, naming the last answer.
    let lastList = '';
    const aList = await eventually(async () => {
      const list = await call<ListCascadesResponse>(KEY_A, 'GET', '/v1/cascades?limit=1000');
      lastList = `${list.status} ${JSON.stringify(list.body).slice(0, 300)}`;
      return list.status === 200 && list.body.cascades.some((row) => row.id === id) ? list : undefined;
    }, 'A’s cascade in A’s list').catch((error: Error) => assert.fail(`${error.message}; last answer: ${lastList}`));
    assert.ok(aList.body.cascades.every((row) => row.tenant === 'acme'));
    // The default tenant (keys of LLM_CASCADE_API_KEYS) is a tenant like the others.
    const ownDefault = await call<SubmitCascadeResponse>(KEY_DEFAULT, 'POST', '/v1/cascades', { prompt: 'Hi there' });
    assert.equal(ownDefault.status, 202);
    const defaultList = await eventually(async () => {
      const list = await call<ListCascadesResponse>(KEY_DEFAULT, 'GET', '/v1/cascades?limit=1000');
      lastList = `${list.status} ${JSON.stringify(list.body).slice(0, 300)}`;
      return list.status === 200 && list.body.cascades.some((row) => row.id === ownDefault.body.id) ? list : undefined;
    }, 'the default tenant’s cascade in its list').catch((error: Error) =>
      assert.fail(`${error.message}; last answer: ${lastList}`),
    );
    assert.ok(defaultList.body.cascades.every((row) => row.tenant === 'default'));
    assert.equal((await call<ErrorBody>(KEY_DEFAULT, 'GET', `/v1/cascades/${id}`)).status, 404);
    assert.equal((await call<ErrorBody>(KEY_DEFAULT, 'GET', `/v1/cascades/acme~${id}`)).status, 404);

    const forbidden = await call<ErrorBody>(KEY_B, 'GET', '/v1/cascades?tenant=acme');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.error.param, 'query.tenant');

    // A cannot cancel B's running cascade; B's is still running afterwards.
    assert.equal((await call<ErrorBody>(KEY_A, 'POST', `/v1/cascades/globex~${id}/cancel`)).status, 404);
    assert.equal((await call<CascadeDescriptionResponse>(KEY_B, 'GET', `/v1/cascades/${id}`)).body.status, 'running');

    // The admin sees both tenants' and addresses another tenant's by <tenant>~<id>.
    const adminList = await eventually(async () => {
      const list = await call<ListCascadesResponse>(KEY_ADMIN, 'GET', '/v1/cascades?limit=1000');
      const ids = list.body.cascades.map((row) => row.id);
      return ids.includes(`acme~${id}`) && ids.includes(`globex~${id}`) ? list : undefined;
    }, 'both tenants’ cascades in the admin’s list');
    assert.ok(adminList.body.cascades.some((row) => row.tenant === 'globex'));
    const adminFiltered = await call<ListCascadesResponse>(KEY_ADMIN, 'GET', '/v1/cascades?tenant=acme&limit=1000');
    assert.ok(adminFiltered.body.cascades.length > 0);
    assert.ok(adminFiltered.body.cascades.every((row) => row.tenant === 'acme'));
    const adminRead = await call<CascadeDescriptionResponse>(KEY_ADMIN, 'GET', `/v1/cascades/acme~${id}`);
    assert.equal(adminRead.status, 200);
    assert.equal(adminRead.body.id, `acme~${id}`);
    assert.equal(adminRead.body.result?.id, `acme~${id}`);
    const adminCancel = await call<CancelCascadeResponse>(KEY_ADMIN, 'POST', `/v1/cascades/globex~${id}/cancel`);
    assert.equal(adminCancel.status, 202);
    assert.equal(adminCancel.body.cancelRequested, true);
    await eventually(async () => {
      const read = await call<CascadeDescriptionResponse>(KEY_B, 'GET', `/v1/cascades/${id}`);
      return read.body.status === 'cancelled' ? true : undefined;
    }, 'B’s cascade cancelled by the admin');
  });

  it('scopes /v1/chat/completions to the tenant: its id namespace, and its cascade unreadable to others', async () => {
    const id = `chat-${randomUUID().slice(0, 8)}`;
    const chat = await call<{ id: string; choices: { message: { content: string } }[] }>(
      KEY_A,
      'POST',
      '/v1/chat/completions',
      { model: 'cascade', messages: [{ role: 'user', content: 'What is the capital of Norway?' }] },
      { 'idempotency-key': id },
    );
    assert.equal(chat.status, 200);
    assert.equal(chat.headers.get('x-cascade-id'), id);
    assert.equal((await call<ErrorBody>(KEY_B, 'GET', `/v1/cascades/${id}`)).status, 404);
    assert.equal((await call<ErrorBody>(KEY_B, 'GET', `/v1/cascades/acme~${id}`)).status, 404);
    assert.equal((await call<CascadeDescriptionResponse>(KEY_A, 'GET', `/v1/cascades/${id}`)).status, 200);
  });

  it('holds every cascade of a tenant to its budget, whatever the request asks for', async () => {
    const request = { prompt: 'What is the capital of Sweden?', maxCostUsd: 5 };
    const capped = await call<SubmitCascadeResponse>(KEY_CAPPED, 'POST', '/v1/cascades?wait=true', request);
    assert.equal(capped.status, 200);
    assert.equal(capped.body.result?.outcome, 'over_budget');
    assert.match(capped.body.result?.outcomeReason ?? '', /budget/);
    assert.equal(capped.body.result?.steps.length, 0, 'no model was called');
    // The same request from a tenant without a ceiling runs.
    const free = await call<SubmitCascadeResponse>(KEY_A, 'POST', '/v1/cascades?wait=true', request);
    assert.equal(free.body.result?.outcome, 'accepted');
    // Both carry the budget-ceiling patch marker (the request has a budget of its own): kept for replay.
    if (recordingHistories()) {
      await recordHistories(temporal.client, [
        { label: 'tenant-budget-over', workflowId: `initech~${capped.body.id}` },
        { label: 'tenant-budget-accepted', workflowId: `acme~${free.body.id}` },
      ]);
    }
    // Through the OpenAI-compatible endpoint too.
    const chat = await call<ErrorBody>(KEY_CAPPED, 'POST', '/v1/chat/completions', {
      model: 'cascade',
      messages: [{ role: 'user', content: 'What is the capital of Denmark?' }],
      cascade: { maxCostUsd: 5 },
    });
    assert.equal(chat.status, 400);
    assert.equal(chat.body.error.code, 'budget_exceeded');
  });

  it('answers 429 with retry-after once a key is over its rate limit, leaving other keys alone', async () => {
    const statuses: number[] = [];
    let limited: { status: number; body: ErrorBody; headers: Headers } | undefined;
    for (let i = 0; i < 3; i++) {
      const response = await call<ErrorBody>(KEY_LIMITED, 'GET', '/v1/cascades?limit=1');
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    // Burst 2, then one request per 10 s: the third within the same seconds is refused.
    assert.deepEqual(statuses, [200, 200, 429]);
    const retryAfter = Number(limited!.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `retry-after ${retryAfter}`);
    assert.equal(limited!.body.error.code, 'rate_limit_exceeded');
    assert.equal(limited!.body.error.type, 'rate_limited');
    // Another key of the same tenant has its own bucket (none here).
    assert.equal((await call<ListCascadesResponse>(KEY_A, 'GET', '/v1/cascades?limit=1')).status, 200);
  });
});
