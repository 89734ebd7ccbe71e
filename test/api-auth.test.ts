/**
 * Bearer API keys, the loopback-only rule without keys, and what never leaves the server: keys in
 * logs, stack traces and internal messages in responses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Connection } from '@temporalio/client';
import OpenAI from 'openai';
import pino from 'pino';
import { apiKeysFromEnv, createApiKeyCheck, isLoopbackHost, resolveApiKeys } from '../api/bearer-auth';
import { buildApi } from '../api/build-api';
import { startApiServer } from '../api/start-api-server';
import { ConfigError, type CascadeConfig } from '../core/config';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config';
import { startTestApi } from './helpers/simulated-cascade';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from './helpers/temporal';

const KEY_A = 'test-key-alpha-0123456789';
const KEY_B = 'test-key-bravo-9876543210';
const WRONG = 'test-key-wrong-5555555555';

/** A pino logger that keeps every line, to check what was logged. */
function capturingLogger(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), text: () => lines.join('') };
}

// The HTTP tests share one connection and a task queue no worker polls.
let temporal: TestTemporal;
let connection: Connection;
let config: CascadeConfig;

before(async () => {
  temporal = await connectTestTemporal();
  connection = await Connection.connect({ address: temporal.address });
  config = { ...(await loadConfig(DEFAULT_CONFIG_PATH)), taskQueue: uniqueTaskQueue('auth') };
});
after(async () => {
  await connection?.close();
  await temporal?.close();
});

describe('bearer keys and loopback rule (pure parts)', () => {
  it('reads keys from LLM_CASCADE_API_KEYS, comma-separated, blanks ignored', () => {
    assert.deepEqual(apiKeysFromEnv({}), []);
    assert.deepEqual(apiKeysFromEnv({ LLM_CASCADE_API_KEYS: ` ${KEY_A} ,, ${KEY_B},` }), [KEY_A, KEY_B]);
    assert.throws(
      () => apiKeysFromEnv({ LLM_CASCADE_API_KEYS: `${KEY_A},has space` }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /key 2 contains whitespace/.test(error.message) &&
        !error.message.includes('has space'),
    );
  });

  it('accepts exactly the configured keys, and says why it refuses', () => {
    const check = createApiKeyCheck(resolveApiKeys({ envKeys: [KEY_A, KEY_B] }));
    assert.equal(
      (check(`Bearer ${KEY_A}`) as { caller: { label: string } }).caller.label,
      'LLM_CASCADE_API_KEYS key 1',
    );
    assert.equal(
      (check(`bearer ${KEY_B}`) as { caller: { label: string } }).caller.label,
      'LLM_CASCADE_API_KEYS key 2',
    );
    assert.deepEqual(check(`Bearer ${WRONG}`), { ok: false, reason: 'invalid API key' });
    assert.deepEqual(check(`Bearer ${KEY_A}x`), { ok: false, reason: 'invalid API key' });
    assert.deepEqual(check(`Bearer ${KEY_A.slice(0, -1)}`), { ok: false, reason: 'invalid API key' });
    assert.match((check(undefined) as { reason: string }).reason, /missing Authorization header/);
    assert.match((check(`Basic ${KEY_A}`) as { reason: string }).reason, /malformed Authorization header/);
    assert.match((check('Bearer') as { reason: string }).reason, /malformed/);
  });

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com', '128.0.0.1'])
      assert.equal(isLoopbackHost(host), false, host);
  });
});

describe('HTTP API with API keys', { timeout: 300_000 }, () => {
  it('requires a valid bearer key on every endpoint but /healthz and /readyz, in each endpoint’s error shape, and never logs keys', async () => {
    const { logger, text } = capturingLogger();
    const api = await startTestApi(temporal, config, { apiKeys: [KEY_A, KEY_B], logger });
    const url = api.url;
    try {
      const get = (path: string, key?: string) =>
        fetch(url + path, key ? { headers: { authorization: `Bearer ${key}` } } : {});

      assert.equal((await get('/healthz')).status, 200);
      // Probes carry no key: a readiness answer (no worker on this queue), with or without one.
      assert.equal((await get('/readyz')).status, 503);
      assert.equal((await get('/readyz', WRONG)).status, 503);
      for (const path of [
        '/openapi.json',
        '/v1/cascades',
        '/v1/cascades/some-id',
        '/v1/cascades/some-id/steps',
        '/no-such-route',
      ]) {
        const response = await get(path);
        assert.equal(response.status, 401, path);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer');
        const { error } = (await response.json()) as { error: { type: string; code: string; message: string } };
        assert.equal(error.type, 'unauthorized');
        assert.equal(error.code, 'invalid_api_key');
        assert.match(error.message, /missing Authorization header/);
      }
      const wrong = await get('/openapi.json', WRONG);
      assert.equal(wrong.status, 401);
      assert.match(await wrong.text(), /invalid API key/);

      // Past the door: a readiness answer, and a validation error.
      assert.equal((await get('/readyz', KEY_A)).status, 503);
      assert.equal((await get('/v1/cascades/-bad-id', KEY_B)).status, 400);
      assert.equal((await get('/openapi.json', KEY_A)).status, 200);

      const chatWithout = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(chatWithout.status, 401);
      assert.deepEqual(await chatWithout.json(), {
        error: {
          message: 'missing Authorization header: send Authorization: Bearer <api key>',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
      await assert.rejects(
        new OpenAI({ baseURL: `${url}/v1`, apiKey: WRONG, maxRetries: 0 }).chat.completions.create({
          model: 'cascade',
          messages: [{ role: 'user', content: 'hi' }],
        }),
        OpenAI.AuthenticationError,
      );
      await assert.rejects(
        new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY_B, maxRetries: 0 }).chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (error: unknown) => error instanceof OpenAI.BadRequestError && /unknown model "gpt-4o"/.test(error.message),
      );

      const logs = text();
      assert.match(logs, /"url":"\/readyz"/, 'requests are logged');
      for (const key of [KEY_A, KEY_B, WRONG]) assert.ok(!logs.includes(key), 'no key in the log');
    } finally {
      await api.close();
    }
  });

  it('answers an unexpected failure with a generic 500 and the request id, logging the details', async () => {
    const { logger, text } = capturingLogger();
    const app = buildApi({ connection, namespace: 'default', config, logger });
    const secret = 'database password hunter2 at /srv/internal/path.ts';
    app.get('/v1/cascades-boom', async () => {
      throw new Error(secret);
    });
    app.post('/v1/chat/completions/boom', async () => {
      throw new TypeError(secret);
    });
    try {
      const cascadeShape = await app.inject({ method: 'GET', url: '/v1/cascades-boom' });
      assert.equal(cascadeShape.statusCode, 500);
      const requestId = cascadeShape.headers['x-request-id'];
      assert.deepEqual(cascadeShape.json(), {
        error: {
          type: 'internal_error',
          code: 'internal_error',
          message: 'internal error: the server log has the details under this request id',
          param: null,
          problems: ['internal error: the server log has the details under this request id'],
          requestId,
        },
      });
      const openaiShape = await app.inject({ method: 'POST', url: '/v1/chat/completions/boom' });
      assert.equal(openaiShape.statusCode, 500);
      assert.equal(openaiShape.json<{ error: { type: string } }>().error.type, 'server_error');
      assert.match(
        openaiShape.json<{ error: { message: string } }>().error.message,
        new RegExp(`request id ${openaiShape.headers['x-request-id']}`),
      );
      for (const response of [cascadeShape, openaiShape]) {
        assert.ok(!response.body.includes('hunter2') && !/\n\s+at /.test(response.body), 'nothing internal leaks');
      }
      assert.ok(
        text().includes('hunter2') && text().includes(String(requestId)),
        'the log has the details under the request id',
      );
    } finally {
      await app.close();
    }
  });
});

describe('startApiServer', { timeout: 300_000 }, () => {
  const options = (overrides: Partial<Parameters<typeof startApiServer>[0]>) => ({
    connection: connection,
    namespace: 'default',
    config,
    port: 0,
    logger: pino({ level: 'silent' }),
    env: {},
    ...overrides,
  });

  it('refuses a non-loopback host without API keys, naming HOST and the way out', async () => {
    await assert.rejects(startApiServer(options({ host: '0.0.0.0' })), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /HOST: "0\.0\.0\.0" is not a loopback address, and no API keys are set/);
      assert.match(error.message, /LLM_CASCADE_API_KEYS/);
      return true;
    });
  });

  it('without keys listens on 127.0.0.1 and says it is unauthenticated', async () => {
    const server = await startApiServer(options({}));
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(
        server.authNotice ?? '',
        /no API keys set \(LLM_CASCADE_API_KEYS\): the API is unauthenticated and listens on loopback \(127\.0\.0\.1\) only/,
      );
      assert.equal((await fetch(`${server.url}/openapi.json`)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('with keys from the environment, may listen on every interface and requires them', async () => {
    const server = await startApiServer(
      options({ host: '0.0.0.0', env: { LLM_CASCADE_API_KEYS: `${KEY_A},${KEY_B}` } }),
    );
    try {
      assert.equal(server.authNotice, undefined);
      const port = new URL(server.url).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/openapi.json`)).status, 401);
      assert.equal(
        (await fetch(`http://127.0.0.1:${port}/openapi.json`, { headers: { authorization: `Bearer ${KEY_B}` } }))
          .status,
        200,
      );
    } finally {
      await server.close();
    }
  });

  it('takes the body limit from LLM_CASCADE_API_BODY_LIMIT, and refuses a bad one', async () => {
    const server = await startApiServer(options({ env: { LLM_CASCADE_API_BODY_LIMIT: '2048' } }));
    try {
      const response = await fetch(`${server.url}/v1/cascades`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'x'.repeat(3000) }),
      });
      assert.equal(response.status, 413);
      assert.match(await response.text(), /larger than the limit of 2048 bytes/);
    } finally {
      await server.close();
    }
    await assert.rejects(
      startApiServer(options({ env: { LLM_CASCADE_API_BODY_LIMIT: 'lots' } })),
      /LLM_CASCADE_API_BODY_LIMIT: must be a whole number of bytes/,
    );
  });
});
