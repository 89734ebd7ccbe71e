/**
 * `api.exposeModels`: config models a drop-in client may name directly, driven by the real
 * `openai` and `@anthropic-ai/sdk` clients through real cascades on a real Temporal server against
 * the simulated providers. `/v1/models` lists the exposed ids only when configured; a request
 * naming one is one workflow that calls that model and nothing else, even when its checks fail
 * (an error by default, the answer with best effort), its tier's later fallbacks riding out an
 * outage; a configured model that is not exposed is refused as an unknown one; a bad setting stops
 * the API at startup, naming the field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import pino from 'pino';
import { buildApi } from '../api/build-api';
import { ConfigError } from '../core/config';
import { GATEWAY_SCRIPT, OPENAI_WEATHER_TOOL, cascadeExtension } from './helpers/gateway-stack';
import { recordingHistories, saveHistory } from './helpers/histories';
import { startSimulatedCascade, startTestApi, type SimulatedCascade, type TestApi } from './helpers/simulated-cascade';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

/** The small tier's model and its fallback, and the mid tier's model; not the frontier's. */
const EXPOSED = ['claude-haiku-4-5', 'gpt-4.1-nano', 'gpt-4.1-mini'];

describe('HTTP API: config models exposed by api.exposeModels', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let stack: SimulatedCascade;
  /** The API with `exposeModels`, and one over the same worker without it. */
  let exposing: TestApi;
  let plain: TestApi;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    temporal = await connectTestTemporal();
    stack = await startSimulatedCascade(temporal, 'exposed-models', { script: GATEWAY_SCRIPT });
    exposing = await startTestApi(temporal, stack.config, { access: { tenants: {}, keys: [], exposeModels: EXPOSED } });
    plain = await startTestApi(temporal, stack.config);
    openai = new OpenAI({ baseURL: `${exposing.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: exposing.url, apiKey: 'unused-without-keys', maxRetries: 0 });
  });
  after(async () => {
    await exposing?.close();
    await plain?.close();
    await stack?.stop();
    await temporal?.close();
  });

  const callLog = () => stack.simulator.callLog;
  /** With LLM_CASCADE_RECORD_HISTORIES=1, keeps a cascade's history for the replay test (a named model's shape). */
  const record = async (label: string, id: string) => {
    if (recordingHistories()) await saveHistory(label, await temporal.client.workflow.getHandle(id).fetchHistory());
  };
  /** The simulated models called since the log was cleared, in order. */
  const calledModels = () =>
    callLog()
      .list()
      .map((call) => call.model);

  it('lists the exposed models after the routes only when configured, in both list shapes', async () => {
    const routes = ['cascade', ...Object.keys(stack.config.routes).map((route) => `cascade/${route}`)];
    const listed: OpenAI.Models.Model[] = [];
    for await (const model of openai.models.list()) listed.push(model);
    assert.deepEqual(
      listed.map((m) => m.id),
      [...routes, ...EXPOSED],
    );
    assert.equal(listed.find((m) => m.id === 'gpt-4.1-mini')?.owned_by, 'openai');
    assert.equal((await openai.models.retrieve('claude-haiku-4-5')).owned_by, 'anthropic');
    await assert.rejects(
      openai.models.retrieve('claude-opus-4-6'),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );

    const anthropicIds: string[] = [];
    for await (const model of anthropic.models.list()) anthropicIds.push(model.id);
    assert.deepEqual(anthropicIds, [...routes, ...EXPOSED]);
    assert.match((await anthropic.models.retrieve('gpt-4.1-nano')).display_name, /no cascade/);

    const unexposed = new OpenAI({ baseURL: `${plain.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
    const plainIds: string[] = [];
    for await (const model of unexposed.models.list()) plainIds.push(model.id);
    assert.deepEqual(plainIds, routes);
  });

  it('answers a chat completion from the named model alone, in one workflow, its parameters honoured', async () => {
    callLog().clear();
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1-nano',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      seed: 7,
      max_tokens: 50,
    });
    assert.deepEqual(calledModels(), ['gpt-4.1-nano']);
    const body = callLog().list()[0]!.requestBody as Record<string, unknown>;
    assert.equal(body.seed, 7);
    assert.equal(body.max_completion_tokens, 50);
    assert.equal(completion.model, 'gpt-4.1-nano');
    assert.equal(completion.choices[0]!.message.content, 'Simulated answer from gpt-4.1-nano.');
    const cascade = cascadeExtension(completion);
    assert.equal(cascade.outcome, 'accepted');
    assert.equal(cascade.finalTier, 'small');
    assert.deepEqual(
      cascade.steps.map((s) => s.model),
      ['gpt-4.1-nano'],
    );
    // One cascade workflow, its input (in the history) naming the model.
    const history = await temporal.client.workflow.getHandle(completion.id).fetchHistory();
    const input = Buffer.from(
      history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!,
    ).toString('utf8');
    assert.match(input, /"model":"gpt-4\.1-nano"/);
    await record('gateway-named-model-accepted', completion.id);
  });

  it('streams a named model’s checked answer on both wire formats', async () => {
    callLog().clear();
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1-nano',
      messages: [{ role: 'user', content: 'What is the capital of Greece?' }],
      stream: true,
    });
    let text = '';
    const models = new Set<string>();
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      models.add(chunk.model);
    }
    assert.equal(text, 'Simulated answer from gpt-4.1-nano.');
    assert.deepEqual([...models], ['gpt-4.1-nano']);
    const message = await anthropic.messages
      .stream({ model: 'gpt-4.1-mini', max_tokens: 100, messages: [{ role: 'user', content: 'And of Norway?' }] })
      .finalMessage();
    assert.equal(message.model, 'gpt-4.1-mini');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Simulated answer from gpt-4.1-mini.' }]);
    assert.deepEqual(calledModels(), ['gpt-4.1-nano', 'gpt-4.1-mini']);
  });

  it('refuses a parameter a fallback of the named model could not honour, naming it', async () => {
    // gpt-4.1-mini's tier falls back to claude-sonnet-4-6, which has no seed.
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4.1-mini',
        messages: [{ role: 'user', content: 'hi' }],
        seed: 7,
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'seed');
        assert.match(error.message, /claude-sonnet-4-6, the fallback of gpt-4\.1-mini/);
        return true;
      },
    );
  });

  it('does not escalate a failed check: a schema-invalid tool call is a 422, or the answer with best effort', async () => {
    const request: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'BADTOOL: what is the weather in Paris?' }],
      tools: [OPENAI_WEATHER_TOOL],
      tool_choice: 'required',
    };
    callLog().clear();
    await assert.rejects(openai.chat.completions.create(request), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 422);
      assert.equal(error.code, 'cascade_exhausted');
      assert.match(error.message, /step 1 small claude-haiku-4-5: tool_call/);
      return true;
    });
    assert.deepEqual(calledModels(), ['claude-haiku-4-5']);

    callLog().clear();
    const { data, response } = await openai.chat.completions
      .create(request, { headers: { 'x-cascade-best-effort': 'true' } })
      .withResponse();
    assert.deepEqual(calledModels(), ['claude-haiku-4-5']);
    assert.equal(response.headers.get('x-cascade-best-effort'), 'true');
    const cascade = cascadeExtension(data);
    assert.equal(cascade.outcome, 'exhausted');
    assert.match(
      cascade.outcomeReason,
      /^model claude-haiku-4-5 named by the request; the answer from claude-haiku-4-5/,
    );
    assert.equal(cascade.escalations, 0);
    assert.equal(cascade.steps[0]!.checks.find((c) => c.check === 'tool_call')?.status, 'fail');
    const call = data.choices[0]!.message.tool_calls?.[0];
    assert.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather');
    await record('gateway-named-model-exhausted', data.id);
  });

  it('answers a message from the named model alone, and a truncated one is an error without climbing', async () => {
    callLog().clear();
    const message = await anthropic.messages.create({
      model: 'gpt-4.1-mini',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'What is the capital of Spain?' }],
    });
    assert.equal(message.model, 'gpt-4.1-mini');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Simulated answer from gpt-4.1-mini.' }]);
    assert.deepEqual(calledModels(), ['gpt-4.1-mini']);

    callLog().clear();
    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'EXHAUST: tell me everything.' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.APIError);
        assert.equal(error.status, 422);
        assert.match(error.message, /step 1 small claude-haiku-4-5: complete/);
        return true;
      },
    );
    assert.deepEqual(calledModels(), ['claude-haiku-4-5']);
  });

  it('rides out the named model’s outage on its tier’s fallback after it, and says which answered', async () => {
    callLog().clear();
    // Both attempts at claude-haiku-4-5 fail (maxAttemptsPerModel is 2 in the test config).
    stack.simulator.faults.add({ model: 'claude-haiku-4-5', effect: { type: 'http_error', status: 503 }, times: 2 });
    const completion = await openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'What is the capital of Italy?' }],
    });
    assert.equal(completion.model, 'gpt-4.1-nano');
    assert.deepEqual(calledModels(), ['claude-haiku-4-5', 'claude-haiku-4-5', 'gpt-4.1-nano']);
    assert.equal(cascadeExtension(completion).escalations, 0);
    await record('gateway-named-model-fallback', completion.id);
  });

  it('refuses a configured model that is not exposed as it refuses an unknown one, calling nothing', async () => {
    callLog().clear();
    const refusal = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal(error.param, 'model');
        return error.message;
      }
      assert.fail('expected a 400');
    };
    const chat = (model: string) =>
      openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    const notExposed = await refusal(chat('claude-opus-4-6'));
    const unknown = await refusal(chat('gpt-4o'));
    assert.match(notExposed, /unknown model "claude-opus-4-6"/);
    assert.equal(notExposed.replace('claude-opus-4-6', 'gpt-4o'), unknown);

    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-opus-4-6',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /model: unknown model/.test(error.message),
    );
    // The native API takes `model` on the same terms.
    const native = await fetch(`${exposing.url}/v1/cascades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi', model: 'claude-opus-4-6' }),
    });
    assert.equal(native.status, 400);
    assert.match(JSON.stringify(await native.json()), /model: unknown model \\"claude-opus-4-6\\"/);
    // Without exposeModels every config model is unknown.
    const unexposed = new OpenAI({ baseURL: `${plain.url}/v1`, apiKey: 'unused-without-keys', maxRetries: 0 });
    assert.match(
      await refusal(
        unexposed.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }),
      ),
      /unknown model "gpt-4\.1-mini"/,
    );

    assert.deepEqual(calledModels(), []);
  });

  it('keeps the request’s budget: a named model it cannot afford is refused before any call', async () => {
    callLog().clear();
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4.1-mini',
        messages: [{ role: 'user', content: 'What is the capital of Portugal?' }],
        cascade: { maxCostUsd: 0.000001 },
      } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'budget_exceeded',
    );
    assert.deepEqual(calledModels(), []);
  });

  it('runs in the caller’s tenant, under its id namespace and budget ceiling', async () => {
    const tenanted = await startTestApi(temporal, stack.config, {
      access: {
        tenants: { acme: {}, thrifty: { budgetUsd: 0.000001 } },
        keys: [
          { keyEnv: 'ACME_KEY', tenant: 'acme', role: 'member' },
          { keyEnv: 'THRIFTY_KEY', tenant: 'thrifty', role: 'member' },
        ],
        exposeModels: ['gpt-4.1-mini'],
      },
      env: { ACME_KEY: 'acme-secret-key-0123456789', THRIFTY_KEY: 'thrifty-secret-key-0123456789' },
    });
    try {
      const client = (apiKey: string) => new OpenAI({ baseURL: `${tenanted.url}/v1`, apiKey, maxRetries: 0 });
      const request = { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }] };
      callLog().clear();
      const completion = await client('acme-secret-key-0123456789').chat.completions.create(request);
      assert.equal(completion.model, 'gpt-4.1-mini');
      // The caller sees its id bare; the workflow runs under the tenant's namespace.
      assert.ok(!completion.id.includes('~'));
      const described = await temporal.client.workflow.getHandle(`acme~${completion.id}`).describe();
      assert.equal(described.status.name, 'COMPLETED');

      await assert.rejects(
        client('thrifty-secret-key-0123456789').chat.completions.create(request),
        (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'budget_exceeded',
      );
      assert.deepEqual(calledModels(), ['gpt-4.1-mini']);
    } finally {
      await tenanted.close();
    }
  });

  it('stops at startup on an exposeModels entry that is not a model on a tier, naming it', () => {
    assert.throws(
      () =>
        buildApi({
          connection: temporal.client.connection,
          namespace: 'default',
          config: stack.config,
          logger: pino({ level: 'silent' }),
          access: { tenants: {}, keys: [], exposeModels: ['gpt-4.1-mini', 'claude-opus-4-7'] },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.length, 1);
        assert.match(error.problems[0]!, /^api\.exposeModels\[1\]: unknown model "claude-opus-4-7"/);
        return true;
      },
    );
  });
});
