/**
 * Provider error messages stay out of what callers and Temporal keep (issue 13, medium 6): a
 * provider answering with a message that carries a key fragment, an org id and an internal address
 * gives the caller (HTTP API, both dialects), the history and the memo only the error's kind and
 * status; the worker's log has the message, with those three redacted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { type SubmitCascadeResponse } from '../api/cascade-schemas';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';
import { startSimulatedCascade, startTestApi, type SimulatedCascade, type TestApi } from './helpers/simulated-cascade';

const KEY_FRAGMENT = 'sk-ant-api03-Zx9Qw8Er7Ty6';
const ORG_ID = 'org-7Hq2Lm9Pz4Kd';
const INTERNAL_IP = '10.20.30.40';
const LEAKY = `invalid x-api-key ${KEY_FRAGMENT} for organization ${ORG_ID}, upstream ${INTERNAL_IP}:8443`;
const SECRETS = [KEY_FRAGMENT, 'Zx9Qw8Er7Ty6', ORG_ID, '7Hq2Lm9Pz4Kd', INTERNAL_IP];

describe('provider error redaction (issue 13)', { timeout: 300_000 }, () => {
  const logs: LogEntry[] = [];
  let temporal: TestTemporal;
  let stack: SimulatedCascade;
  let api: TestApi;

  before(async () => {
    temporal = await connectTestTemporal({ logger: new DefaultLogger('WARN', (entry) => logs.push(entry)) });
    stack = await startSimulatedCascade(temporal, 'provider-errors');
    stack.simulator.faults.add({ effect: { type: 'http_error', status: 401, message: LEAKY } });
    api = await startTestApi(temporal, stack.config);
  });
  after(async () => {
    await api?.close();
    await stack?.stop();
    await temporal?.close();
  });

  const assertNoSecrets = (text: string, where: string) => {
    for (const secret of SECRETS)
      assert.ok(!text.includes(secret), `${where} holds "${secret}": ${text.slice(0, 500)}`);
  };

  it('gives callers the kind and status only, and keeps the message out of the history and memo', async () => {
    const submitted = await fetch(`${api.url}/v1/cascades?wait=true&timeoutMs=60000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Say hello.' }),
    });
    const text = await submitted.text();
    assert.equal(submitted.status, 200, text);
    const body = JSON.parse(text) as SubmitCascadeResponse;
    assert.equal(body.result?.outcome, 'failed');
    assert.equal(body.result?.error?.type, 'auth');
    assert.match(body.result?.error?.message ?? '', /HTTP 401 \(auth\)/);
    assertNoSecrets(text, 'the HTTP response');
    assert.ok(!text.includes('x-api-key'), 'not even the harmless part of the provider message');

    const chat = await fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cascade', messages: [{ role: 'user', content: 'Say hello again.' }] }),
    });
    const chatText = await chat.text();
    assert.equal(chat.status, 502, chatText);
    assertNoSecrets(chatText, 'the chat completion error');

    const handle = temporal.client.workflow.getHandle(body.id);
    const history = Buffer.from(proto.api.history.v1.History.encode(await handle.fetchHistory()).finish());
    assertNoSecrets(history.toString('latin1'), 'the history');
    assert.ok(history.includes('HTTP 401 (auth)'), 'the history records the kind and status');
    assertNoSecrets(JSON.stringify((await handle.describe()).memo), 'the memo');
  });

  it('logs the provider message on the worker, with the key, org id and internal address redacted', () => {
    const failed = logs.filter((entry) => entry.message === 'model call failed');
    assert.ok(failed.length >= 1, `a "model call failed" line (got: ${logs.map((l) => l.message).join(', ')})`);
    for (const entry of failed) {
      const message = String(entry.meta?.message);
      assert.match(message, /invalid x-api-key \[redacted key\] for organization \[redacted org id\]/);
      assert.match(message, /upstream \[redacted internal address\]/);
      assertNoSecrets(JSON.stringify(entry.meta), 'the log line');
    }
    for (const entry of logs) assertNoSecrets(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`, 'a log line');
  });
});
