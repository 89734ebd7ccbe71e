/**
 * A corpus of malformed requests against the real HTTP API on a real Temporal server: every one
 * must be a 4xx whose message names the field and the problem, none may start a workflow, and the
 * server must still serve a valid request afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, type TestApi, useApiStack, workflowCount } from './helpers/simulated-cascade';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface MalformedCase {
  name: string;
  method?: Method;
  /** Default `/v1/cascades`. */
  path?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent exactly as given (invalid JSON, or bytes without a content type). */
  raw?: string | Uint8Array;
  /** Default `application/json` when there is a body; `null` sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
  status: number;
  /** Each must appear in the error message: the field and the problem. */
  expect: (string | RegExp)[];
  /** The field the error's `param` must name. */
  param?: string;
}

const CHAT = '/v1/chat/completions';
const user = (content: unknown) => ({ role: 'user', content });
const chat = (fields: Record<string, unknown>) => ({ model: 'cascade', messages: [user('Hello there')], ...fields });
/** A request body for /v1/cascades that is valid except for `fields`. */
const cascade = (fields: Record<string, unknown>) => ({
  prompt: 'Summarize: the meeting moved to Tuesday.',
  ...fields,
});

const requestBodyCases: MalformedCase[] = [
  {
    name: 'no prompt and no messages',
    body: {},
    status: 400,
    expect: ['prompt', 'either prompt or messages is required'],
    param: 'prompt',
  },
  {
    name: 'prompt and messages both',
    body: { prompt: 'a', messages: [user('b')] },
    status: 400,
    expect: ['messages', 'not both'],
  },
  {
    name: 'prompt is a number',
    body: { prompt: 42 },
    status: 400,
    expect: ['prompt', 'expected string'],
    param: 'prompt',
  },
  { name: 'prompt is null', body: { prompt: null }, status: 400, expect: ['prompt', 'expected string'] },
  { name: 'prompt is an array', body: { prompt: ['a'] }, status: 400, expect: ['prompt', 'expected string'] },
  { name: 'prompt is empty', body: { prompt: '' }, status: 400, expect: ['prompt: must not be empty'] },
  {
    name: 'prompt too long',
    body: { prompt: 'x'.repeat(1_000_001) },
    status: 400,
    expect: ['prompt: must be at most 1,000,000 characters'],
  },
  {
    name: 'messages is a string',
    body: { messages: 'hi' },
    status: 400,
    expect: ['messages', 'expected array'],
    param: 'messages',
  },
  {
    name: 'messages is empty',
    body: { messages: [] },
    status: 400,
    expect: ['messages: must hold at least one message'],
  },
  {
    name: 'message is a string',
    body: { messages: ['hello'] },
    status: 400,
    expect: ['messages[0]', 'expected object'],
  },
  {
    name: 'system role in messages',
    body: { messages: [{ role: 'system', content: 'x' }, user('y')] },
    status: 400,
    expect: ['messages[0].role', '"user"|"assistant"'],
    param: 'messages[0].role',
  },
  {
    name: 'message without content',
    body: { messages: [{ role: 'user' }] },
    status: 400,
    expect: ['messages[0].content', 'expected string'],
  },
  {
    name: 'message content a number',
    body: { messages: [user(5)] },
    status: 400,
    expect: ['messages[0].content', 'expected string'],
  },
  {
    name: 'message content empty',
    body: { messages: [user('')] },
    status: 400,
    expect: ['messages[0].content: must not be empty'],
  },
  {
    name: 'message with unknown field',
    body: { messages: [{ role: 'user', content: 'x', name: 'bob' }] },
    status: 400,
    expect: ['messages[0]', 'unknown field "name"'],
  },
  {
    name: 'last message from the assistant',
    body: { messages: [user('a'), { role: 'assistant', content: 'b' }] },
    status: 400,
    expect: ['messages[1].role', 'the last message must be from the user'],
  },
  {
    name: 'too many messages',
    body: { messages: Array.from({ length: 501 }, () => user('x')) },
    status: 400,
    expect: ['messages: must hold at most 500 messages'],
  },
  {
    name: 'system is a number',
    body: cascade({ system: 5 }),
    status: 400,
    expect: ['system', 'expected string'],
    param: 'system',
  },
  {
    name: 'system too long',
    body: cascade({ system: 's'.repeat(200_001) }),
    status: 400,
    expect: ['system: must be at most 200,000 characters'],
  },
  {
    name: 'taskType not a route name',
    body: cascade({ taskType: 'Extraction Task' }),
    status: 400,
    expect: ['taskType: must be a route name'],
  },
  {
    name: 'taskType an unknown route',
    body: cascade({ taskType: 'poetry' }),
    status: 400,
    expect: ['taskType: unknown route "poetry"', 'extraction'],
    param: 'taskType',
  },
  {
    name: 'taskType a name only the prototype has',
    body: cascade({ taskType: 'constructor' }),
    status: 400,
    expect: ['taskType: unknown route "constructor"'],
    param: 'taskType',
  },
  { name: 'taskType a number', body: cascade({ taskType: 7 }), status: 400, expect: ['taskType', 'expected string'] },
  { name: 'schema a string', body: cascade({ schema: 'object' }), status: 400, expect: ['schema'], param: 'schema' },
  { name: 'schema an array', body: cascade({ schema: [1, 2] }), status: 400, expect: ['schema'] },
  {
    name: 'invalid JSON Schema: unknown type',
    body: cascade({ schema: { type: 'nope' } }),
    status: 400,
    expect: ['schema: invalid JSON Schema', '/type'],
  },
  {
    name: 'invalid JSON Schema: required not an array',
    body: cascade({ schema: { type: 'object', required: 'x' } }),
    status: 400,
    expect: ['schema: invalid JSON Schema', '/required must be array'],
  },
  {
    name: 'invalid JSON Schema: properties not an object',
    body: cascade({ schema: { properties: 5 } }),
    status: 400,
    expect: ['schema: invalid JSON Schema', '/properties must be object'],
  },
  {
    name: 'invalid JSON Schema: negative minLength',
    body: cascade({ schema: { type: 'string', minLength: -1 } }),
    status: 400,
    expect: ['schema: invalid JSON Schema', '/minLength must be >= 0'],
  },
  {
    name: 'invalid JSON Schema: dangling $ref',
    body: cascade({ schema: { $ref: '#/definitions/missing' } }),
    status: 400,
    expect: ['schema: invalid JSON Schema', "can't resolve reference"],
  },
  {
    name: 'invalid JSON Schema: bad pattern',
    body: cascade({ schema: { type: 'string', pattern: '(' } }),
    status: 400,
    expect: ['schema: invalid JSON Schema', 'Invalid regular expression'],
  },
  {
    name: 'groundTruth a string',
    body: cascade({ groundTruth: 'x' }),
    status: 400,
    expect: ['groundTruth', 'expected record'],
  },
  {
    name: 'groundTruth nested object',
    body: cascade({ groundTruth: { total: { amount: 1 } } }),
    status: 400,
    expect: ['groundTruth.total'],
  },
  {
    name: 'groundTruth array value',
    body: cascade({ groundTruth: { total: [1] } }),
    status: 400,
    expect: ['groundTruth.total'],
  },
  {
    name: 'negative budget',
    body: cascade({ maxCostUsd: -1 }),
    status: 400,
    expect: ['maxCostUsd: must be greater than 0'],
    param: 'maxCostUsd',
  },
  {
    name: 'zero budget',
    body: cascade({ maxCostUsd: 0 }),
    status: 400,
    expect: ['maxCostUsd: must be greater than 0'],
  },
  {
    name: 'budget as a string',
    body: cascade({ maxCostUsd: '0.5' }),
    status: 400,
    expect: ['maxCostUsd', 'expected number'],
  },
  {
    name: 'budget too large',
    body: cascade({ maxCostUsd: 5000 }),
    status: 400,
    expect: ['maxCostUsd: must be at most 1000'],
  },
  { name: 'metadata a string', body: cascade({ metadata: 'x' }), status: 400, expect: ['metadata', 'expected record'] },
  {
    name: 'metadata nested object',
    body: cascade({ metadata: { team: { name: 'x' } } }),
    status: 400,
    expect: ['metadata.team'],
  },
  { name: 'metadata null value', body: cascade({ metadata: { team: null } }), status: 400, expect: ['metadata.team'] },
  { name: 'id empty', body: cascade({ id: '' }), status: 400, expect: ['id: must be 1-200 characters'], param: 'id' },
  {
    name: 'id starts with a dash',
    body: cascade({ id: '-abc' }),
    status: 400,
    expect: ['id: must be 1-200 characters'],
  },
  { name: 'id with a space', body: cascade({ id: 'order 17' }), status: 400, expect: ['id: must be 1-200 characters'] },
  {
    name: 'id too long',
    body: cascade({ id: 'a'.repeat(201) }),
    status: 400,
    expect: ['id: must be 1-200 characters'],
  },
  { name: 'id a number', body: cascade({ id: 42 }), status: 400, expect: ['id', 'expected string'] },
  {
    name: 'unknown field',
    body: cascade({ temperature: 0.5 }),
    status: 400,
    expect: ['unknown field "temperature"'],
    param: 'temperature',
  },
  {
    name: 'misspelt field',
    body: { Prompt: 'x' },
    status: 400,
    expect: ['unknown field "Prompt"', 'either prompt or messages is required'],
  },
  { name: 'body is an array', body: [{ prompt: 'x' }], status: 400, expect: ['expected object, received array'] },
  { name: 'body is a string', body: 'Summarize this', status: 400, expect: ['expected object, received string'] },
  { name: 'body is a number', body: 42, status: 400, expect: ['expected object, received number'] },
  { name: 'body is null', body: null, status: 400, expect: ['expected object, received null'] },
  { name: 'body is empty', raw: '', status: 400, expect: ['body: required'], param: 'body' },
  {
    name: 'several problems at once',
    body: { prompt: 5, maxCostUsd: -2, colour: 'red' },
    status: 400,
    expect: ['prompt', 'maxCostUsd: must be greater than 0', 'unknown field "colour"'],
  },
];

const transportCases: MalformedCase[] = [
  {
    name: 'invalid JSON: cut off',
    raw: '{"prompt": "x"',
    status: 400,
    expect: ['body: invalid JSON', /JSON/],
    param: 'body',
  },
  { name: 'invalid JSON: trailing comma', raw: '{"prompt": "x",}', status: 400, expect: ['body: invalid JSON'] },
  { name: 'invalid JSON: single quotes', raw: "{'prompt': 'x'}", status: 400, expect: ['body: invalid JSON'] },
  { name: 'invalid JSON: form encoding', raw: 'prompt=hello', status: 400, expect: ['body: invalid JSON'] },
  {
    name: 'prototype pollution key',
    raw: '{"prompt": "x", "__proto__": {"admin": true}}',
    status: 400,
    expect: ['body: invalid JSON', '__proto__'],
  },
  {
    name: 'content type text/plain',
    raw: '{"prompt": "x"}',
    contentType: 'text/plain',
    status: 415,
    expect: ['Content-Type: application/json'],
  },
  {
    name: 'content type form',
    raw: 'prompt=x',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    expect: ['must be JSON'],
  },
  {
    name: 'content type multipart',
    raw: '--b\r\n\r\nx\r\n--b--',
    contentType: 'multipart/form-data; boundary=b',
    status: 415,
    expect: ['must be JSON'],
  },
  {
    name: 'content type xml',
    raw: '<prompt>x</prompt>',
    contentType: 'application/xml',
    status: 415,
    expect: ['must be JSON'],
  },
  {
    name: 'no content type',
    raw: new TextEncoder().encode('{"prompt": "x"}'),
    contentType: null,
    status: 415,
    expect: ['Content-Type: application/json'],
  },
  {
    name: 'body over the 1 MiB limit',
    body: { prompt: 'x'.repeat(1_100_000) },
    status: 413,
    expect: ['larger than the limit of 1048576 bytes'],
  },
  {
    name: 'malformed percent-encoding in the URL',
    method: 'GET',
    path: '/v1/cascades/%E0%A4%A',
    status: 400,
    expect: ['malformed percent-encoding'],
  },
];

const queryCases: MalformedCase[] = [
  {
    name: 'wait not a boolean',
    path: '/v1/cascades?wait=maybe',
    body: cascade({}),
    status: 400,
    expect: ['query.wait: must be true or false'],
    param: 'query.wait',
  },
  {
    name: 'negative timeoutMs',
    path: '/v1/cascades?wait=true&timeoutMs=-1',
    body: cascade({}),
    status: 400,
    expect: ['query.timeoutMs: must be a whole number'],
  },
  {
    name: 'timeoutMs not a number',
    path: '/v1/cascades?wait=true&timeoutMs=soon',
    body: cascade({}),
    status: 400,
    expect: ['query.timeoutMs: must be a whole number'],
  },
  {
    name: 'fractional timeoutMs',
    path: '/v1/cascades?wait=true&timeoutMs=1.5',
    body: cascade({}),
    status: 400,
    expect: ['query.timeoutMs'],
  },
  {
    name: 'wait given twice',
    path: '/v1/cascades?wait=true&wait=false',
    body: cascade({}),
    status: 400,
    expect: ['query.wait: given more than once'],
  },
  {
    name: 'unknown submit parameter',
    path: '/v1/cascades?async=1',
    body: cascade({}),
    status: 400,
    expect: ['query', 'unknown field "async"'],
  },
  {
    name: 'list limit zero',
    method: 'GET',
    path: '/v1/cascades?limit=0',
    status: 400,
    expect: ['query.limit: must be at least 1'],
    param: 'query.limit',
  },
  {
    name: 'list limit too large',
    method: 'GET',
    path: '/v1/cascades?limit=5000',
    status: 400,
    expect: ['query.limit: must be at most 1000'],
  },
  {
    name: 'list limit a word',
    method: 'GET',
    path: '/v1/cascades?limit=ten',
    status: 400,
    expect: ['query.limit: must be a whole number'],
  },
  {
    name: 'list escalated not a boolean',
    method: 'GET',
    path: '/v1/cascades?escalated=sometimes',
    status: 400,
    expect: ['query.escalated: must be true or false'],
  },
  {
    name: 'list unknown outcome',
    method: 'GET',
    path: '/v1/cascades?outcome=great',
    status: 400,
    expect: ['query.outcome', '"accepted"'],
  },
  {
    name: 'list bad task type',
    method: 'GET',
    path: '/v1/cascades?taskType=Bad%20Type',
    status: 400,
    expect: ['query.taskType: must be a route name'],
  },
  {
    name: 'list unknown status',
    method: 'GET',
    path: '/v1/cascades?status=sleeping',
    status: 400,
    expect: ['query.status', '"running"'],
  },
  {
    name: 'list bad date',
    method: 'GET',
    path: '/v1/cascades?startedAfter=yesterday',
    status: 400,
    expect: ['query.startedAfter: must be an ISO 8601 date'],
  },
  {
    name: 'list negative minEscalations',
    method: 'GET',
    path: '/v1/cascades?minEscalations=-1',
    status: 400,
    expect: ['query.minEscalations: must be a whole number'],
  },
  {
    name: 'list unknown parameter',
    method: 'GET',
    path: '/v1/cascades?sort=asc',
    status: 400,
    expect: ['unknown field "sort"'],
  },
  {
    name: 'list parameter given twice',
    method: 'GET',
    path: '/v1/cascades?limit=1&limit=2',
    status: 400,
    expect: ['query.limit: given more than once'],
  },
];

const idCases: MalformedCase[] = [
  {
    name: 'Idempotency-Key starts with a dash',
    body: cascade({}),
    headers: { 'idempotency-key': '-k' },
    status: 400,
    expect: ['headers.idempotency-key: must be 1-200 characters'],
    param: 'headers.idempotency-key',
  },
  {
    name: 'Idempotency-Key with a space',
    body: cascade({}),
    headers: { 'idempotency-key': 'key one' },
    status: 400,
    expect: ['headers.idempotency-key'],
  },
  {
    name: 'Idempotency-Key too long',
    body: cascade({}),
    headers: { 'idempotency-key': 'k'.repeat(201) },
    status: 400,
    expect: ['headers.idempotency-key'],
  },
  {
    name: 'Idempotency-Key differs from the body id',
    body: cascade({ id: 'body-id-1' }),
    headers: { 'idempotency-key': 'header-key-1' },
    status: 400,
    expect: ['"body-id-1"', '"header-key-1"', 'differs'],
    param: 'id',
  },
  {
    name: 'Idempotency-Key on an invalid body',
    body: cascade({ maxCostUsd: -1 }),
    headers: { 'idempotency-key': 'valid-key-but-bad-body' },
    status: 400,
    expect: ['maxCostUsd: must be greater than 0'],
  },
  {
    name: 'describe a bad id',
    method: 'GET',
    path: '/v1/cascades/-bad',
    status: 400,
    expect: ['id: must be 1-200 characters'],
    param: 'id',
  },
  {
    name: 'describe an id too long',
    method: 'GET',
    path: `/v1/cascades/${'a'.repeat(201)}`,
    status: 400,
    expect: ['id: must be 1-200 characters'],
  },
  {
    name: 'describe an id far too long for a URL',
    method: 'GET',
    path: `/v1/cascades/${'a'.repeat(1500)}`,
    status: 414,
    expect: ['too long'],
  },
  {
    name: 'describe an id with a space',
    method: 'GET',
    path: '/v1/cascades/a%20b',
    status: 400,
    expect: ['id: must be 1-200 characters'],
  },
  {
    name: 'steps of a bad id',
    method: 'GET',
    path: '/v1/cascades/-x/steps',
    status: 400,
    expect: ['id: must be 1-200 characters'],
  },
  { name: 'cancel a bad id', path: '/v1/cascades/-x/cancel', status: 400, expect: ['id: must be 1-200 characters'] },
  {
    name: 'cancel with a body',
    path: '/v1/cascades/some-id/cancel',
    body: { force: true },
    status: 400,
    expect: ['body: cancel takes no body'],
  },
  {
    name: 'describe an unknown id',
    method: 'GET',
    path: '/v1/cascades/never-submitted-0001',
    status: 404,
    expect: ['no cascade with id "never-submitted-0001"'],
    param: 'id',
  },
  {
    name: 'steps of an unknown id',
    method: 'GET',
    path: '/v1/cascades/never-submitted-0002/steps',
    status: 404,
    expect: ['no cascade with id "never-submitted-0002"'],
  },
  {
    name: 'cancel an unknown id',
    path: '/v1/cascades/never-submitted-0003/cancel',
    status: 404,
    expect: ['no cascade with id "never-submitted-0003"'],
  },
];

const routeCases: MalformedCase[] = [
  {
    name: 'unknown route',
    method: 'GET',
    path: '/v1/nope',
    status: 404,
    expect: ['no route GET /v1/nope', 'POST /v1/cascades'],
  },
  { name: 'root path', method: 'GET', path: '/', status: 404, expect: ['no route GET /'] },
  {
    name: 'singular cascade',
    path: '/v1/cascade',
    body: cascade({}),
    status: 404,
    expect: ['no route POST /v1/cascade'],
  },
  {
    name: 'legacy completions',
    path: '/v1/completions',
    body: { prompt: 'x' },
    status: 404,
    expect: ['no route POST /v1/completions'],
  },
  {
    name: 'GET chat completions',
    method: 'GET',
    path: CHAT,
    status: 405,
    expect: ['GET is not allowed on /v1/chat/completions', 'use POST'],
  },
  {
    name: 'DELETE cascades',
    method: 'DELETE',
    path: '/v1/cascades',
    status: 405,
    expect: ['DELETE is not allowed', 'POST, GET'],
  },
  {
    name: 'PUT a cascade',
    method: 'PUT',
    path: '/v1/cascades/abc',
    body: cascade({}),
    status: 405,
    expect: ['PUT is not allowed on /v1/cascades/:id'],
  },
  {
    name: 'PATCH healthz',
    method: 'PATCH',
    path: '/healthz',
    body: {},
    status: 405,
    expect: ['PATCH is not allowed on /healthz'],
  },
  { name: 'POST readyz', method: 'POST', path: '/readyz', status: 405, expect: ['POST is not allowed on /readyz'] },
];

const chatCases: MalformedCase[] = [
  {
    name: 'chat: no model',
    path: CHAT,
    body: { messages: [user('hi')] },
    status: 400,
    expect: ['model', 'expected string'],
    param: 'model',
  },
  {
    name: 'chat: empty model',
    path: CHAT,
    body: chat({ model: '' }),
    status: 400,
    expect: ['model: must not be empty'],
  },
  {
    name: 'chat: model a number',
    path: CHAT,
    body: chat({ model: 4 }),
    status: 400,
    expect: ['model', 'expected string'],
  },
  {
    name: 'chat: an OpenAI model',
    path: CHAT,
    body: chat({ model: 'gpt-4o' }),
    status: 400,
    expect: ['model: unknown model "gpt-4o"', '"cascade/extraction"'],
    param: 'model',
  },
  {
    name: 'chat: unknown route',
    path: CHAT,
    body: chat({ model: 'cascade/poetry' }),
    status: 400,
    expect: ['unknown route "poetry"', '"cascade/coding"'],
    param: 'model',
  },
  {
    name: 'chat: no messages',
    path: CHAT,
    body: { model: 'cascade' },
    status: 400,
    expect: ['messages', 'expected array'],
  },
  {
    name: 'chat: empty messages',
    path: CHAT,
    body: chat({ messages: [] }),
    status: 400,
    expect: ['messages: must hold at least one message'],
  },
  {
    name: 'chat: messages a string',
    path: CHAT,
    body: chat({ messages: 'hi' }),
    status: 400,
    expect: ['messages', 'expected array'],
  },
  {
    name: 'chat: tool result answering no call',
    path: CHAT,
    body: chat({ messages: [{ role: 'tool', content: 'x', tool_call_id: 'a' }] }),
    status: 400,
    expect: ['messages[0].tool_call_id: no earlier assistant message made the tool call "a"'],
  },
  {
    name: 'chat: content a number',
    path: CHAT,
    body: chat({ messages: [user(5)] }),
    status: 400,
    expect: ['messages[0].content: must be a string or an array of text parts'],
    param: 'messages[0].content',
  },
  {
    name: 'chat: image part',
    path: CHAT,
    body: chat({ messages: [user([{ type: 'image_url', image_url: { url: 'http://x' } }])] }),
    status: 400,
    expect: ['messages[0].content[0].type: only text parts are supported, got "image_url"'],
  },
  {
    name: 'chat: text part without text',
    path: CHAT,
    body: chat({ messages: [user([{ type: 'text', text: 5 }])] }),
    status: 400,
    expect: ['messages[0].content[0].text: must be a string'],
  },
  {
    name: 'chat: only a system message',
    path: CHAT,
    body: chat({ messages: [{ role: 'system', content: 'be nice' }] }),
    status: 400,
    expect: ['messages: must hold at least one user message'],
  },
  {
    name: 'chat: last message from the assistant',
    path: CHAT,
    body: chat({ messages: [{ role: 'system', content: 's' }, user('a'), { role: 'assistant', content: 'b' }] }),
    status: 400,
    expect: ['messages[2].role: the last message must be from the user'],
    param: 'messages[2].role',
  },
  {
    name: 'chat: empty user message after a system message',
    path: CHAT,
    body: chat({ messages: [{ role: 'system', content: 's' }, user('')] }),
    status: 400,
    expect: ['messages[1].content: must not be empty'],
  },
  {
    name: 'chat: include_usage not a boolean',
    path: CHAT,
    body: chat({ stream: true, stream_options: { include_usage: 'yes' } }),
    status: 400,
    expect: ['stream_options.include_usage', 'expected boolean'],
  },
  {
    name: 'chat: stream not a boolean',
    path: CHAT,
    body: chat({ stream: 'yes' }),
    status: 400,
    expect: ['stream', 'expected boolean'],
  },
  {
    name: 'chat: several choices',
    path: CHAT,
    body: chat({ n: 2 }),
    status: 400,
    expect: ['n: only n: 1 is supported'],
  },
  {
    name: 'chat: tool_choice naming no tool',
    path: CHAT,
    body: chat({
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: { type: 'function', function: { name: 'g' } },
    }),
    status: 400,
    expect: ['tool_choice.function.name: no tool named "g"'],
  },
  {
    name: 'chat: tool parameters not a JSON Schema',
    path: CHAT,
    body: chat({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'thing' } } }] }),
    status: 400,
    expect: ['tools[0].function.parameters: invalid JSON Schema'],
  },
  {
    name: 'chat: functions',
    path: CHAT,
    body: chat({ functions: [{ name: 'f' }] }),
    status: 400,
    expect: ['functions: function calling is not supported'],
  },
  {
    name: 'chat: logprobs',
    path: CHAT,
    body: chat({ logprobs: true }),
    status: 400,
    expect: ['logprobs: log probabilities are not supported'],
  },
  {
    name: 'chat: temperature out of range',
    path: CHAT,
    body: chat({ temperature: 5 }),
    status: 400,
    expect: ['temperature', '<=2'],
  },
  {
    name: 'chat: negative max_tokens',
    path: CHAT,
    body: chat({ max_tokens: -1 }),
    status: 400,
    expect: ['max_tokens', '>0'],
  },
  {
    name: 'chat: unknown response_format type',
    path: CHAT,
    body: chat({ response_format: { type: 'xml' } }),
    status: 400,
    expect: ['response_format.type'],
  },
  {
    name: 'chat: json_schema without json_schema',
    path: CHAT,
    body: chat({ response_format: { type: 'json_schema' } }),
    status: 400,
    expect: ['response_format.json_schema'],
  },
  {
    name: 'chat: json_schema with a bad name',
    path: CHAT,
    body: chat({ response_format: { type: 'json_schema', json_schema: { name: 'my schema', schema: {} } } }),
    status: 400,
    expect: ['response_format.json_schema.name: must be 1-64 letters'],
  },
  {
    name: 'chat: invalid JSON Schema',
    path: CHAT,
    body: chat({ response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'nope' } } } }),
    status: 400,
    expect: ['response_format.json_schema.schema: invalid JSON Schema'],
    param: 'response_format.json_schema.schema',
  },
  {
    name: 'chat: unknown field',
    path: CHAT,
    body: chat({ foo: 1 }),
    status: 400,
    expect: ['unknown field "foo"'],
    param: 'foo',
  },
  {
    name: 'chat: negative budget',
    path: CHAT,
    body: chat({ cascade: { maxCostUsd: -1 } }),
    status: 400,
    expect: ['cascade.maxCostUsd: must be greater than 0'],
  },
  {
    name: 'chat: unknown cascade option',
    path: CHAT,
    body: chat({ cascade: { budget: 1 } }),
    status: 400,
    expect: ['cascade', 'unknown field "budget"'],
  },
  {
    name: 'chat: metadata value a number',
    path: CHAT,
    body: chat({ metadata: { team: 1 } }),
    status: 400,
    expect: ['metadata.team', 'expected string'],
  },
  {
    name: 'chat: bad Idempotency-Key',
    path: CHAT,
    body: chat({}),
    headers: { 'idempotency-key': '-k' },
    status: 400,
    expect: ['headers.idempotency-key'],
  },
  {
    name: 'chat: invalid JSON',
    path: CHAT,
    raw: '{"model": "cascade", "messages": [',
    status: 400,
    expect: ['body: invalid JSON'],
  },
  { name: 'chat: empty body', path: CHAT, raw: '', status: 400, expect: ['body: required'] },
  {
    name: 'chat: text/plain',
    path: CHAT,
    raw: 'hello',
    contentType: 'text/plain',
    status: 415,
    expect: ['Content-Type: application/json'],
  },
  {
    name: 'chat: body over the limit',
    path: CHAT,
    body: chat({ messages: [user('x'.repeat(1_100_000))] }),
    status: 413,
    expect: ['larger than the limit'],
  },
];

const CORPUS: MalformedCase[] = [
  ...requestBodyCases,
  ...transportCases,
  ...queryCases,
  ...idCases,
  ...routeCases,
  ...chatCases,
];

async function send(api: TestApi, c: MalformedCase): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { ...c.headers };
  let body: string | Uint8Array | undefined;
  if (c.raw !== undefined) body = c.raw;
  else if ('body' in c) body = JSON.stringify(c.body);
  if (body !== undefined && c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  const response = await fetch(api.url + (c.path ?? '/v1/cascades'), {
    method: c.method ?? 'POST',
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: response.status, body: await response.json() };
}

interface AnyErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
    problems?: string[];
    requestId?: string;
  };
}

describe('HTTP API: a corpus of malformed requests', { timeout: 300_000 }, () => {
  const suite = useApiStack('malformed');

  it('holds at least 100 cases with distinct names', () => {
    assert.ok(CORPUS.length >= 100, `only ${CORPUS.length} cases`);
    assert.equal(new Set(CORPUS.map((c) => c.name)).size, CORPUS.length);
  });

  it('answers every case with its 4xx and a message naming the field and the problem', async () => {
    const failures: string[] = [];
    for (const c of CORPUS) {
      const { status, body } = await send(suite.api, c);
      const error = (body as AnyErrorBody).error;
      const problems: string[] = [];
      if (status !== c.status) problems.push(`status ${status}, expected ${c.status}`);
      if (!error || typeof error.message !== 'string') {
        failures.push(`${c.name}: no error body: ${JSON.stringify(body)}`);
        continue;
      }
      for (const expected of c.expect) {
        const found = typeof expected === 'string' ? error.message.includes(expected) : expected.test(error.message);
        if (!found) problems.push(`message lacks ${String(expected)}`);
      }
      if (c.param !== undefined && error.param !== c.param) problems.push(`param ${error.param}, expected ${c.param}`);
      if ((c.path ?? '').startsWith(CHAT)) {
        // OpenAI's exact error shape, so OpenAI SDKs parse it.
        if (Object.keys(error).sort().join() !== 'code,message,param,type')
          problems.push(`not OpenAI's error shape: ${Object.keys(error).join()}`);
        if (error.type !== 'invalid_request_error') problems.push(`type ${error.type}`);
      } else {
        if (!Array.isArray(error.problems) || error.problems.join('; ') !== error.message)
          problems.push('problems do not match the message');
        if (typeof error.requestId !== 'string' || typeof error.code !== 'string')
          problems.push('requestId or code missing');
      }
      if (/\n\s+at /.test(JSON.stringify(body))) problems.push('a stack trace leaked');
      if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')} -- ${error.message}`);
    }
    assert.deepEqual(failures, []);
  });

  it('started no workflow, and the server still serves a valid request afterwards', async () => {
    const health = await fetch(`${suite.api.url}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${suite.api.url}/readyz`);
    assert.equal(ready.status, 200, await ready.text());

    const response = await fetch(`${suite.api.url}/v1/cascades?wait=true&timeoutMs=30000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'malformed-corpus-control', prompt: 'Summarize: the meeting moved to Tuesday.' }),
    });
    const body = (await response.json()) as { status: string; result?: { outcome: string } };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.result?.outcome, 'accepted');

    // Visibility lags: wait until it shows the one valid cascade, then require that it is the only one.
    const count = await eventually(async () => {
      const n = await workflowCount(suite.temporal, suite.stack.config.taskQueue);
      return n >= 1 ? n : undefined;
    }, 'the control cascade to be visible');
    assert.equal(
      count,
      1,
      `expected only the control cascade on ${suite.stack.config.taskQueue}, found ${count} workflows`,
    );
    const listed = await suite.temporal.client.workflow.list({
      query: `TaskQueue = '${suite.stack.config.taskQueue}'`,
    });
    const ids: string[] = [];
    for await (const execution of listed) ids.push(execution.workflowId);
    assert.deepEqual(ids, ['malformed-corpus-control']);
  });
});
