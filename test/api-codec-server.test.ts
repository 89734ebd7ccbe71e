/**
 * Payload encryption (issue 13, medium 4) end to end on a real Temporal server: cascades run through
 * the HTTP API by workers with `LLM_CASCADE_CODEC_KEYS`-style keys leave only ciphertext in the
 * stored history (read raw, by a client without the codec), the project's own clients still read
 * their results, a key rotation keeps old histories readable, and the codec server decodes for
 * operators only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { type SubmitCascadeResponse } from '../api/cascade-schemas';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../client/aes-gcm-payload-codec';
import { CascadeClient } from '../client/cascade-client';
import { cascadeDataConverter } from '../client/cascade-data-converter';
import { readCascadeOutcome } from '../client/cascade-history';
import { listExecutions, type ListedExecution } from '../client/list-executions';
import { listCascades } from '../analytics/savings-report';
import { parseCodecKeys } from '../client/codec-keys';
import { replayTelemetryOptions } from '../telemetry/worker-telemetry';
import { loadHistories, type History } from './helpers/histories';
import { connectTestTemporal, workflowBundleCode, type TestTemporal } from './helpers/temporal';
import { startSimulatedCascade, startTestApi, type SimulatedCascade, type TestApi } from './helpers/simulated-cascade';

const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
const OLD_KEYS = parseCodecKeys(`k-old:${OLD_KEY}`);
const ROTATED_KEYS = parseCodecKeys(`k-new:${NEW_KEY},k-old:${OLD_KEY}`);
const OPERATOR_KEY = 'operator-0f1e2d3c4b5a69788796a5b4';
const API_KEY = 'api-key-caller-0123456789abcdef';
const UI_ORIGIN = 'http://localhost:8233';
const MARKER = 'CONFIDENTIAL-7f3a9c: quarterly revenue of the Lisbon office';

type ProtoPayload = proto.api.common.v1.IPayload;

/**
 * Every payload in a history except search attributes (Temporal indexes them, so no codec may touch
 * them) and the SDK core's own marker bookkeeping: a local activity's `data` (sequence number,
 * attempt, activity type, times; its result beside it is encrypted) and a patch's id (`patch-data`).
 */
function payloadsOf(value: unknown, found: ProtoPayload[] = [], path = ''): ProtoPayload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if ('data' in value && 'metadata' in value && (value as ProtoPayload).data instanceof Uint8Array) {
    found.push(value as ProtoPayload);
    return found;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    const coreBookkeeping = /markerRecordedEventAttributes\.details\.(data|patch-data)$/.test(childPath);
    if (key === 'searchAttributes' || coreBookkeeping) continue;
    payloadsOf(child, found, childPath);
  }
  return found;
}

const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

function historyBytes(history: History): Buffer {
  return Buffer.from(proto.api.history.v1.History.encode(history).finish());
}

/** The cascade's input payloads as the codec server protocol carries them (base64 JSON). */
function startInputOnTheWire(history: History) {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  assert.ok(started?.input?.payloads?.length, 'the history starts with the input');
  return started.input.payloads.map((payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  }));
}

describe('payload encryption and the codec server (issue 13)', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let before1: SimulatedCascade;
  let after1: SimulatedCascade;
  let oldApi: TestApi;
  let rotatedApi: TestApi;
  let oldCascadeId: string;
  let oldAnswer: string;

  before(async () => {
    temporal = await connectTestTemporal();
    // Before the rotation: one key. After: a new key first, the old one kept for what it encrypted.
    before1 = await startSimulatedCascade(temporal, 'codec-old', { dataConverter: cascadeDataConverter(OLD_KEYS) });
    after1 = await startSimulatedCascade(temporal, 'codec-new', { dataConverter: cascadeDataConverter(ROTATED_KEYS) });
    oldApi = await startTestApi(temporal, before1.config, { codecKeys: OLD_KEYS });
    rotatedApi = await startTestApi(temporal, after1.config, {
      codecKeys: ROTATED_KEYS,
      operatorKeys: [OPERATOR_KEY],
      apiKeys: [API_KEY],
    });
  });
  after(async () => {
    await rotatedApi?.close();
    await oldApi?.close();
    await after1?.stop();
    await before1?.stop();
    await temporal?.close();
  });

  const submit = async (api: TestApi, prompt: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}/v1/cascades?wait=true&timeoutMs=60000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ prompt }),
    });
    const body = (await response.json()) as SubmitCascadeResponse;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.ok(body.result?.output.text, 'the cascade answered');
    return { id: body.id, answer: body.result.output.text };
  };

  const assertEncrypted = (history: History, keyId: string, secrets: string[]) => {
    const payloads = payloadsOf(history);
    assert.ok(payloads.length >= 4, `input, activity inputs and results, memo: got ${payloads.length}`);
    for (const payload of payloads) {
      assert.equal(utf8(payload.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(utf8(payload.metadata?.[KEY_ID_METADATA]), keyId);
    }
    const bytes = historyBytes(history);
    for (const secret of secrets) assert.ok(!bytes.includes(secret), `"${secret}" is not in the stored history`);
  };

  it('stores only ciphertext in the history; the project client reads the result, a plain client cannot', async () => {
    const { id, answer } = await submit(oldApi, `Summarise this: ${MARKER}`);
    oldCascadeId = id;
    oldAnswer = answer;
    const history = await temporal.client.workflow.getHandle(id).fetchHistory();
    assertEncrypted(history, 'k-old', [MARKER, answer]);

    const plain = new Client({ connection: temporal.client.connection });
    await assert.rejects(plain.workflow.getHandle(id).result(), /binary\/encrypted|encoding/i);
    const projectClient = new CascadeClient({
      client: new Client({ connection: temporal.client.connection, dataConverter: cascadeDataConverter(OLD_KEYS) }),
      taskQueue: before1.config.taskQueue,
    });
    assert.equal((await projectClient.result(id)).output.text, answer);

    // A list needs only search attributes: a memo this client cannot decrypt does not fail it.
    const keyless = new CascadeClient({ client: plain, taskQueue: before1.config.taskQueue });
    const rows = await keyless.list({ limit: 1000 });
    const row = rows.find((r) => r.id === id);
    assert.ok(row, `the encrypted cascade ${id} is listed by a client without its key`);
    assert.equal(row.status, 'COMPLETED');

    // Reports, what-ifs and tunes list through listExecutions: the row comes without its memo, and
    // its result reads as unreadable, instead of one such cascade failing the whole report.
    let listed: ListedExecution | undefined;
    for await (const execution of listExecutions(plain, { query: `WorkflowId = '${id}'` })) listed = execution;
    assert.ok(listed, 'listed without the key');
    assert.equal(listed.memoUnreadable, true);
    assert.equal(listed.memo, undefined);
    assert.equal(listed.status.name, 'COMPLETED');
    const outcome = await readCascadeOutcome(plain, id);
    assert.equal(outcome.state, 'unreadable');
    assert.match((outcome as { error: string }).error, /cannot be decoded/);
    const cascades = await listCascades(plain, `WorkflowId = '${id}'`);
    assert.deepEqual(
      cascades.map((c) => [c.id, c.status]),
      [[id, 'completed']],
    );
  });

  it('rotates: the new key encrypts new cascades, the old key still decrypts old ones, both replay', async () => {
    assert.ok(oldCascadeId, 'runs after the first test');
    const { id } = await submit(rotatedApi, `Summarise this too: ${MARKER}`, { authorization: `Bearer ${API_KEY}` });
    const history = await temporal.client.workflow.getHandle(id).fetchHistory();
    assertEncrypted(history, 'k-new', [MARKER]);

    const described = await fetch(`${rotatedApi.url}/v1/cascades/${oldCascadeId}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const body = (await described.json()) as { result?: { output: { text: string } } };
    assert.equal(described.status, 200, JSON.stringify(body));
    assert.equal(body.result?.output.text, oldAnswer);

    // Replays decode through the codec: encrypted histories with either key, and the recorded plain
    // ones, which pass through it untouched.
    const recorded = (await loadHistories()).slice(0, 3);
    const histories = [
      { workflowId: oldCascadeId, history: await temporal.client.workflow.getHandle(oldCascadeId).fetchHistory() },
      { workflowId: id, history },
      ...recorded,
    ];
    const failures: string[] = [];
    for await (const outcome of Worker.runReplayHistories(
      {
        workflowBundle: { code: await workflowBundleCode() },
        dataConverter: cascadeDataConverter(ROTATED_KEYS),
        ...replayTelemetryOptions(),
      },
      histories,
    )) {
      if (outcome.error) failures.push(`${outcome.workflowId}: ${outcome.error.message}`);
    }
    assert.deepEqual(failures, []);
  });

  it('decodes for operators only, from the UI origin only', async () => {
    assert.ok(oldCascadeId, 'runs after the first test');
    const payloads = startInputOnTheWire(await temporal.client.workflow.getHandle(oldCascadeId).fetchHistory());
    const decode = (headers: Record<string, string>, api = rotatedApi) =>
      fetch(`${api.url}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body: JSON.stringify({ payloads }),
      });

    const anonymous = await decode({});
    assert.equal(anonymous.status, 401);
    assert.match(((await anonymous.json()) as { error: { message: string } }).error.message, /operator key/);
    assert.equal((await decode({ authorization: `Bearer ${API_KEY}` })).status, 403, 'an API key is not enough');
    assert.equal(
      (await decode({ authorization: `Bearer ${OPERATOR_KEY}`, origin: 'https://evil.example' })).status,
      403,
    );
    const closed = await decode({ authorization: `Bearer ${OPERATOR_KEY}` }, oldApi);
    assert.equal(closed.status, 403, 'no operator keys set: the codec server refuses everyone');

    const allowed = await decode({ authorization: `Bearer ${OPERATOR_KEY}`, origin: UI_ORIGIN });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), UI_ORIGIN);
    const decoded = (await allowed.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(decoded.payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
    assert.ok(Buffer.from(decoded.payloads[0]!.data, 'base64').toString().includes(MARKER));

    // The UI's preflight, and its cookie once the operator signed in at /codec/login.
    const preflight = await fetch(`${rotatedApi.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    const refusedSession = await fetch(`${rotatedApi.url}/codec/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assert.equal(refusedSession.status, 403);
    assert.equal(refusedSession.headers.get('set-cookie'), null);
    const session = await fetch(`${rotatedApi.url}/codec/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
    });
    assert.equal(session.status, 200);
    const cookie = session.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(OPERATOR_KEY));
    const byCookie = await decode({ cookie: cookie.split(';')[0]!, origin: UI_ORIGIN });
    assert.equal(byCookie.status, 200);
    assert.equal((await decode({ cookie: 'llm_cascade_codec=1.forged', origin: UI_ORIGIN })).status, 401);

    // Encode answers with the newest key, and decode reads it back.
    const encoded = await fetch(`${rotatedApi.url}/codec/encode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
      body: JSON.stringify({ payloads: decoded.payloads }),
    });
    const sealed = (await encoded.json()) as { payloads: { metadata: Record<string, string> }[] };
    assert.equal(Buffer.from(sealed.payloads[0]!.metadata[KEY_ID_METADATA]!, 'base64').toString(), 'k-new');

    const garbage = await fetch(`${rotatedApi.url}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
      body: JSON.stringify({ payloads: [{ metadata: { encoding: 'not base64!' } }] }),
    });
    assert.equal(garbage.status, 400);
  });
});
