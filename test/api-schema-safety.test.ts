/**
 * The attacks of the security review (issue 13) on schemas and checks, replayed against the HTTP
 * API with real cascades on a real Temporal server: each now gets a clean 4xx before anything
 * starts, or a failed check with a reason and a cascade that ends, never a workflow task that fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { type SubmitCascadeResponse } from '../api/cascade-schemas';
import { MAX_BODY_LIMIT_BYTES, startApiServer } from '../api/start-api-server';
import { ConfigError } from '../core/config';
import { MAX_PROMPT_PAYLOAD_BYTES } from '../core/prompt';
import { type Step } from '../core/result';
import { workflowTaskFailures } from './helpers/histories';
import { useApiStack, workflowCount } from './helpers/simulated-cascade';

const REDOS_ANSWER = `${'a'.repeat(30)}!`;
const SCRIPT = {
  models: {
    'claude-haiku-4-5': {
      rules: [
        // The review's attack: an answer that makes ^(a+)+$ backtrack exponentially.
        {
          name: 'redos',
          when: { promptContains: 'REDOS' },
          answer: { type: 'json' as const, value: { name: REDOS_ANSWER } },
        },
        { name: 'number', when: { promptContains: 'BOMB' }, answer: { type: 'json' as const, value: 5 } },
      ],
      defaultAnswer: { type: 'text' as const, text: 'Simulated answer from {{model}}.' },
    },
  },
  otherModels: {
    rules: [{ name: 'number', when: { promptContains: 'BOMB' }, answer: { type: 'json' as const, value: 5 } }],
    defaultAnswer: { type: 'schema_json' as const },
  },
};

interface ErrorBody {
  error: { type: string; code: string; message: string; param: string | null };
}

describe('schema and check safety (issue 13)', { timeout: 300_000 }, () => {
  const suite = useApiStack('schema-safety', {
    script: SCRIPT,
    api: { limits: { bodyLimitBytes: MAX_BODY_LIMIT_BYTES } },
  });

  const submit = async <T>(body: unknown, query = ''): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${suite.api.url}/v1/cascades${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  /** Submits, waits, and checks the history holds no failed workflow task. */
  const run = async (body: Record<string, unknown>) => {
    const submitted = await submit<SubmitCascadeResponse>(body, '?wait=true&timeoutMs=60000');
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    const history = await suite.temporal.client.workflow.getHandle(submitted.body.id).fetchHistory();
    assert.deepEqual(workflowTaskFailures(history), []);
    return submitted.body.result!;
  };

  const schemaCheck = (step: Step) => step.checks.find((c) => c.check === 'json_schema');

  it('High: a catastrophic pattern fails the answer in linear time and the cascade goes on', async () => {
    const result = await run({
      prompt: 'Give the name. REDOS',
      taskType: 'extraction',
      schema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } }, required: ['name'] },
    });
    assert.equal(result.steps[0]!.text.includes(REDOS_ANSWER), true);
    assert.equal(schemaCheck(result.steps[0]!)?.status, 'fail');
    assert.equal(schemaCheck(result.steps[0]!)?.reason, 'schema violations: /name must match pattern "^(a+)+$"');
    assert.equal(result.escalations, 1);
    assert.equal(result.outcome, 'accepted');
  });

  it('High: a validation that would take exponential time is a failed check with its reason, at every tier', async () => {
    const $defs: Record<string, unknown> = { d40: { type: 'string' } };
    for (let i = 0; i < 40; i++)
      $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const result = await run({ prompt: 'Answer. BOMB', taskType: 'extraction', schema: { $defs, $ref: '#/$defs/d0' } });
    assert.equal(result.outcome, 'exhausted');
    for (const step of result.steps.filter((s) => s.kind === 'answer'))
      assert.match(schemaCheck(step)?.reason ?? '', /validation stopped after \d+ steps: this answer is too costly/);
  });

  it('High: every cascade has an execution timeout, from the config', async () => {
    const submitted = await submit<SubmitCascadeResponse>({ prompt: 'What is the capital of Peru?' });
    assert.equal(submitted.status, 202);
    const description = await suite.temporal.client.workflow.getHandle(submitted.body.id).describe();
    const timeout = description.raw.executionConfig?.workflowExecutionTimeout;
    assert.equal(Number(timeout?.seconds ?? 0) * 1000, suite.stack.config.resilience.cascadeTimeoutMs);
  });

  it("Medium 1: the review's 61 KB schema (100 levels, 2,000 properties) is a 400 and starts nothing", async () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 100; level++) {
      const properties: Record<string, unknown> = { next: schema };
      for (let i = 1; i < 20; i++) properties[`f${i}`] = { type: 'string' };
      schema = { type: 'object', properties };
    }
    const before = await workflowCount(suite.temporal, suite.stack.config.taskQueue);
    const answer = await submit<ErrorBody>({ prompt: 'Extract.', schema });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.param, 'schema');
    assert.match(
      answer.body.error.message,
      /^schema: invalid JSON Schema: \(root\) is nested more than 100 levels deep/,
    );
    assert.equal(await workflowCount(suite.temporal, suite.stack.config.taskQueue), before);
  });

  it('Medium 1: a request whose model calls would exceed a Temporal payload is a 413 and starts nothing', async () => {
    const schema = { type: 'object', description: 'd'.repeat(60_000) };
    const before = await workflowCount(suite.temporal, suite.stack.config.taskQueue);
    // Each message within its own limit, the body within the API's, the calls' prompts over a payload.
    const messages = [
      { role: 'user', content: 'x'.repeat(500_000) },
      { role: 'assistant', content: 'y'.repeat(500_000) },
      { role: 'user', content: 'z'.repeat(400_000) },
    ];
    const answer = await submit<ErrorBody>({ messages, schema });
    assert.equal(answer.status, 413);
    assert.equal(answer.body.error.code, 'request_too_large');
    assert.equal(answer.body.error.param, 'messages');
    assert.match(
      answer.body.error.message,
      new RegExp(`more than the ${MAX_PROMPT_PAYLOAD_BYTES} one call may carry$`),
    );
    assert.equal(await workflowCount(suite.temporal, suite.stack.config.taskQueue), before);
  });

  it('Medium 1: a body limit raised past what Temporal accepts is refused at startup', async () => {
    await assert.rejects(
      startApiServer({
        connection: suite.api.connection,
        namespace: 'default',
        config: suite.stack.config,
        port: 0,
        logger: pino({ level: 'silent' }),
        env: { LLM_CASCADE_API_BODY_LIMIT: String(MAX_BODY_LIMIT_BYTES + 1) },
      }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /LLM_CASCADE_API_BODY_LIMIT: must be a whole number of bytes between 1024 and 1572864/.test(error.message),
    );
  });

  it("Medium 2: an $id registered by one caller neither breaks nor reaches another's schema", async () => {
    const id = 'https://example.com/customer.json';
    const first = await submit<SubmitCascadeResponse>({ prompt: 'A.', schema: { $id: id, type: 'object' } });
    const second = await submit<SubmitCascadeResponse>({ prompt: 'B.', schema: { $id: id, type: 'string' } });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(second.status, 202, JSON.stringify(second.body));
    const reaching = await submit<ErrorBody>({ prompt: 'C.', schema: { $ref: id } });
    assert.equal(reaching.status, 400);
    assert.match(
      reaching.body.error.message,
      /\$ref "https:\/\/example.com\/customer.json" is not a reference inside the schema/,
    );
  });
});
