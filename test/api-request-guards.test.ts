/**
 * What the API refuses before it reaches Temporal: a request to the keyless (loopback-only) API
 * addressed to another host name (DNS rebinding), and query parameters holding control characters
 * or overlong values, each answered at once with a 4xx naming the field. On a real Temporal server.
 */
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { buildApi } from '../api/build-api';
import { type ListCascadesResponse } from '../api/cascade-schemas';
import { type CascadeConfig } from '../core/config';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config';
import { freePort } from '../lib/dev-server';
import { startTestApi, type TestApi } from './helpers/simulated-cascade';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from './helpers/temporal';

type ErrorBody = { error: { message: string; code: string; type: string; param: string | null } };

/** A GET with a Host header of our choosing (fetch does not let a caller set it). */
function getWithHost(url: string, path: string, host: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = httpRequest(
      { hostname: target.hostname, port: target.port, path: target.pathname + target.search, headers: { host } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let temporal: TestTemporal;
let config: CascadeConfig;

before(async () => {
  temporal = await connectTestTemporal();
  config = { ...(await loadConfig(DEFAULT_CONFIG_PATH)), taskQueue: uniqueTaskQueue('guards') };
});
after(async () => {
  await temporal?.close();
});

describe('keyless API: Host header (DNS rebinding)', { timeout: 120_000 }, () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi(temporal, config);
  });
  after(async () => {
    await api?.close();
  });

  it('refuses a request addressed to a name that is not loopback, with 421 naming the header', async () => {
    const port = new URL(api.url).port;
    for (const host of [
      `attacker.example:${port}`,
      'attacker.example',
      `192.168.1.20:${port}`,
      `localhost.evil.example`,
    ]) {
      const response = await getWithHost(api.url, '/v1/cascades?limit=1', host);
      assert.equal(response.status, 421, host);
      const { error } = response.body as ErrorBody;
      assert.equal(error.code, 'host_not_allowed');
      assert.equal(error.param, 'headers.host');
    }
    // Probes too: a rebinding page learns nothing, not even readiness.
    assert.equal((await getWithHost(api.url, '/readyz', 'attacker.example')).status, 421);
  });

  it('serves loopback names and addresses', async () => {
    const port = new URL(api.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      const response = await getWithHost(api.url, '/v1/cascades?limit=1', host);
      assert.equal(response.status, 200, host);
      assert.ok(Array.isArray((response.body as ListCascadesResponse).cascades));
    }
  });
});

describe('query parameters', { timeout: 120_000 }, () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi(temporal, config);
  });
  after(async () => {
    await api?.close();
  });

  const get = async (path: string) => {
    const response = await fetch(api.url + path);
    return { status: response.status, body: (await response.json()) as ErrorBody };
  };

  it('answers 400 naming the field for a control character, before Temporal is asked', async () => {
    // This one used to hang for 11 s and answer "Temporal not reachable".
    for (const [path, param] of [
      ['/v1/cascades?batchId=x%00y', 'query.batchId'],
      ['/v1/cascades?batchId=x%0Ay', 'query.batchId'],
      ['/v1/cascades?route=a%7Fb', 'query.route'],
      ['/v1/cascades?taskType=%1B%5B31m', 'query.taskType'],
    ] as const) {
      const response = await get(path);
      assert.equal(response.status, 400, path);
      assert.equal(response.body.error.param, param, path);
      assert.match(response.body.error.message, /control characters/);
    }
  });

  it('answers 400 for an overlong value, a bad batch id, and a parameter an endpoint does not take', async () => {
    const long = await get(`/v1/cascades?batchId=${'a'.repeat(5000)}`);
    assert.equal(long.status, 400);
    assert.equal(long.body.error.param, 'query.batchId');
    assert.match(long.body.error.message, /at most 200 characters/);
    const quoted = await get(`/v1/cascades?batchId=${encodeURIComponent("x' OR WorkflowType != '")}`);
    assert.equal(quoted.status, 400);
    assert.equal(quoted.body.error.param, 'query.batchId');
    const unknown = await get('/v1/cascades/some-id?verbose=1');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /unknown field "verbose"/);
  });

  it('refuses them before Temporal is asked: a 400, not a 503, from an API whose Temporal is down', async () => {
    // Nothing listens on a just-freed port: any call to Temporal would end in a 503 after the deadline.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const app = buildApi({
      connection,
      namespace: 'default',
      config,
      logger: pino({ level: 'silent' }),
      limits: { temporalTimeoutMs: 60_000 },
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/v1/cascades?batchId=x%00y' });
      assert.equal(response.statusCode, 400);
      assert.equal(response.json<ErrorBody>().error.param, 'query.batchId');
    } finally {
      await app.close();
      await connection.close();
    }
  });

  it('still lists with a valid batch id, quoted in the visibility query', async () => {
    const response = await fetch(`${api.url}/v1/cascades?batchId=nightly-2024.01_x:y@z&limit=5`);
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as ListCascadesResponse).cascades, []);
  });
});
