import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { CallLog } from '../../simulator/call-log';
import { type ChatRequest } from '../../simulator/chat-request';
import { demoScript } from '../../simulator/demo-script';
import { FaultInjector } from '../../simulator/fault-injector';
import { loadSimulatorScript, SimulatorScriptError } from '../../simulator/load-simulator-script';
import { JSON_SCHEMA_INSTRUCTION } from '../../simulator/prompt-json-request';
import { ScriptResponder, type ScriptedReply } from '../../simulator/script-responder';
import { SimulatorScript, type SimulatorScriptInput } from '../../simulator/simulator-script';

const ajv = new Ajv({ strict: false });
addFormats(ajv);

function chat(model: string, prompt: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    provider: 'openai',
    model,
    system: '',
    userTexts: [prompt],
    promptText: prompt,
    maxOutputTokens: null,
    stopSequences: [],
    tools: [],
    toolResultGiven: false,
    json: { kind: 'none' },
    ...extra,
  };
}

function responder(script: SimulatorScriptInput): ScriptResponder {
  return new ScriptResponder(script, []);
}

function textOf(reply: ScriptedReply): string {
  assert.equal(reply.kind, 'text');
  return reply.kind === 'text' ? reply.text : '';
}

describe('SimulatorScript', () => {
  it('applies defaults: lenient models, generic behaviour, replay of dataset models', () => {
    const script = SimulatorScript.parse({});
    assert.equal(script.strictModels, false);
    assert.equal(script.replayDatasetModels, true);
    assert.equal(script.otherModels.rules[0]?.answer.type, 'schema_json');
  });

  it('names each problem of an invalid script by its path', () => {
    const result = SimulatorScript.safeParse({
      models: {
        m: {
          rules: [{ when: { promptMatches: { pattern: '(' } }, answer: { type: 'text', text: 'hi {{user}}' } }],
          defaultAnswer: { type: 'nonsense' },
          latency: { type: 'uniform', minMs: 10, maxMs: 5 },
        },
      },
      colour: 'blue',
    });
    assert.equal(result.success, false);
    const problems = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    assert.ok(
      problems.some((p) => p.startsWith('models.m.rules.0.when.promptMatches.pattern: invalid regular expression')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('models.m.rules.0.answer.text: unknown placeholder {{user}}')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('models.m.defaultAnswer.type')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('models.m.latency: minMs must not exceed maxMs')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.includes('colour')),
      problems.join('\n'),
    );
  });

  it('loads from YAML, and reports a bad file with its problems', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simulator-script-'));
    try {
      const good = path.join(dir, 'good.yaml');
      await writeFile(
        good,
        [
          'seed: 7',
          'models:',
          '  m:',
          '    defaultAnswer: { type: text, text: "hello {{model}}" }',
          '    latency: { type: fixed, ms: 5 }',
        ].join('\n'),
      );
      const script = await loadSimulatorScript(good);
      assert.equal(script.seed, 7);
      assert.deepEqual(script.models.m?.latency, { type: 'fixed', ms: 5 });
      const bad = path.join(dir, 'bad.yaml');
      await writeFile(bad, 'models:\n  m:\n    defaultAnswer: { type: error, status: 200 }\n');
      await assert.rejects(loadSimulatorScript(bad), (error: unknown) => {
        assert.ok(error instanceof SimulatorScriptError);
        assert.match(error.problems.join('\n'), /^models\.m\.defaultAnswer\.status: /m);
        return true;
      });
      await assert.rejects(loadSimulatorScript(path.join(dir, 'missing.yaml')), SimulatorScriptError);
      const example = await loadSimulatorScript(path.join(__dirname, '..', '..', 'simulator', 'example-script.yaml'));
      assert.deepEqual(Object.keys(example.models), ['cheap-model', 'strong-model', 'flaky-model']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ScriptResponder', () => {
  const prompts = Array.from({ length: 400 }, (_, i) => `question number ${i}`);

  it('splits prompts into repeatable bands by fraction', async () => {
    const script: SimulatorScriptInput = {
      seed: 3,
      models: {
        m: {
          rules: [
            { name: 'a', when: { fraction: 0.2 }, answer: { type: 'text', text: 'A' } },
            { name: 'b', when: { fraction: 0.5 }, answer: { type: 'text', text: 'B' } },
          ],
          defaultAnswer: { type: 'text', text: 'C' },
        },
      },
    };
    const answers = async (r: ScriptResponder) =>
      Promise.all(prompts.map(async (p) => textOf(await r.respond(chat('m', p)))));
    const first = await answers(responder(script));
    assert.deepEqual(await answers(responder(script)), first);
    const share = (letter: string) => first.filter((a) => a === letter).length / prompts.length;
    assert.ok(Math.abs(share('A') - 0.2) < 0.06, `A ${share('A')}`);
    assert.ok(Math.abs(share('B') - 0.3) < 0.06, `B ${share('B')}`);
    assert.ok(Math.abs(share('C') - 0.5) < 0.06, `C ${share('C')}`);
    const reseeded = await answers(responder({ ...script, seed: 4 }));
    assert.notDeepEqual(reseeded, first);
  });

  it('draws latency from the distribution, repeatably, fresh for each repeat of a prompt', async () => {
    const script: SimulatorScriptInput = {
      models: {
        u: { defaultAnswer: { type: 'empty' }, latency: { type: 'uniform', minMs: 100, maxMs: 200 } },
        l: { defaultAnswer: { type: 'empty' }, latency: { type: 'lognormal', medianMs: 300, sigma: 0.5 } },
      },
    };
    const draw = async (r: ScriptResponder, model: string) => {
      const out: number[] = [];
      for (const p of prompts.slice(0, 200)) out.push((await r.respond(chat(model, p))).latencyMs);
      return out;
    };
    const uniform = await draw(responder(script), 'u');
    assert.ok(uniform.every((ms) => ms >= 100 && ms <= 200));
    assert.ok(Math.max(...uniform) - Math.min(...uniform) > 80);
    const logNormal = await draw(responder(script), 'l');
    const sorted = [...logNormal].sort((a, b) => a - b);
    const median = sorted[100]!;
    assert.ok(median > 250 && median < 350, `median ${median}`);
    assert.deepEqual(await draw(responder(script), 'l'), logNormal);
    const again = responder(script);
    const firstCall = (await again.respond(chat('l', 'same'))).latencyMs;
    const secondCall = (await again.respond(chat('l', 'same'))).latencyMs;
    assert.notEqual(firstCall, secondCall);
  });

  it('enforced JSON turns a text answer into JSON, and strict models 404 the unknown', async () => {
    const r = responder({
      models: { m: { defaultAnswer: { type: 'text', text: 'plain words' } } },
      strictModels: true,
    });
    const reply = await r.respond(chat('m', 'q', { json: { kind: 'any_json', enforced: true } }));
    assert.deepEqual(JSON.parse(textOf(reply)), { answer: 'plain words' });
    const unknown = await r.respond(chat('other', 'q'));
    assert.equal(unknown.kind, 'error');
    assert.equal(unknown.kind === 'error' && unknown.status, 404);
    assert.equal(unknown.kind === 'error' && unknown.code, 'model_not_found');
  });
});

describe('demoScript', () => {
  const schema = {
    type: 'object',
    properties: {
      vendor: { type: 'string' },
      total: { type: 'number' },
      due_date: { type: 'string', format: 'date' },
      paid: { type: 'boolean' },
    },
    required: ['vendor', 'total', 'due_date', 'paid'],
  };
  const system = `${JSON_SCHEMA_INSTRUCTION}\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\``;
  const facts = { vendor: 'Northwind Traders', total: 1250, due_date: '2024-06-30', paid: false };
  const prompts = Array.from(
    { length: 120 },
    (_, i) => `Extract invoice ${i}.\nvendor: Northwind Traders\ntotal: 1250\ndue date: 2024-06-30\npaid: no`,
  );

  async function outcomes(model: string): Promise<Record<'broken' | 'contradicts' | 'good', number>> {
    const r = responder(demoScript);
    const counts = { broken: 0, contradicts: 0, good: 0 };
    for (const prompt of prompts) {
      const text = textOf(
        await r.respond(chat(model, prompt, { system, json: { kind: 'schema', schema, enforced: false } })),
      );
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        counts.broken++;
        continue;
      }
      assert.ok(ajv.validate(schema, value), `${model}: ${text}`);
      const differs = Object.entries(facts).some(
        ([key, expected]) => (value as Record<string, unknown>)[key] !== expected,
      );
      counts[differs ? 'contradicts' : 'good']++;
    }
    return counts;
  }

  it('frontier models always answer schema-valid JSON that uses the facts', async () => {
    for (const model of ['claude-opus-4-6', 'gpt-5'])
      assert.deepEqual(await outcomes(model), { broken: 0, contradicts: 0, good: prompts.length });
  });

  it('mid models contradict the facts on some prompts, never break JSON', async () => {
    for (const model of ['gpt-4.1-mini', 'claude-sonnet-4-6']) {
      const counts = await outcomes(model);
      assert.equal(counts.broken, 0);
      assert.ok(counts.contradicts >= 20 && counts.contradicts <= 55, JSON.stringify(counts));
    }
  });

  it('small models sometimes break JSON and sometimes contradict the facts, the same way every run', async () => {
    for (const model of ['claude-haiku-4-5', 'gpt-4.1-nano']) {
      const counts = await outcomes(model);
      assert.ok(counts.broken >= 15 && counts.broken <= 45, JSON.stringify(counts));
      assert.ok(counts.contradicts >= 15 && counts.contradicts <= 45, JSON.stringify(counts));
      assert.deepEqual(await outcomes(model), counts);
    }
  });

  it('answers prose requests in plain text, code requests with code', async () => {
    const r = responder(demoScript);
    assert.match(
      textOf(await r.respond(chat('claude-haiku-4-5', 'Write a Python function that removes duplicates'))),
      /```python\ndef /,
    );
    assert.match(textOf(await r.respond(chat('gpt-5', 'Summarize this article for me'))), /^Summary: /);
    assert.match(
      textOf(await r.respond(chat('gpt-4.1-mini', 'Which database should I pick?'))),
      /Which database should I pick\?/,
    );
  });
});

describe('FaultInjector', () => {
  it('ends a fault after its calls or its window, whichever comes first', () => {
    let now = 1_000;
    const faults = new FaultInjector(() => now);
    faults.add({ model: 'm', effect: { type: 'hang' }, times: 5, durationMs: 100 });
    assert.ok(faults.take('openai', 'm'));
    now += 100;
    assert.equal(faults.take('openai', 'm'), undefined);
    assert.deepEqual(faults.list(), []);
    faults.add({ model: 'm', effect: { type: 'hang' }, times: 1, durationMs: 100 });
    assert.equal(faults.take('anthropic', 'm')?.remainingCalls, 0);
    assert.equal(faults.take('anthropic', 'm'), undefined);
  });

  it('gives each call the oldest matching fault, counts its hits, and can remove it', () => {
    const faults = new FaultInjector();
    const first = faults.add({ provider: 'openai', effect: { type: 'http_error', status: 500 } });
    faults.add({ effect: { type: 'http_error', status: 503 } });
    assert.equal(faults.take('openai', 'x')?.id, first.id);
    assert.equal(faults.take('openai', 'y')?.hits, 2);
    const second = faults.take('anthropic', 'x');
    assert.deepEqual(second?.effect, { type: 'http_error', status: 503 });
    assert.equal(second?.hits, 1);
    assert.equal(faults.remove(first.id), true);
    assert.equal(faults.remove(first.id), false);
    assert.equal(faults.take('openai', 'x')?.effect.type, 'http_error');
    assert.throws(() => faults.add({ effect: { type: 'http_error', status: 302 } }));
  });
});

describe('CallLog', () => {
  it('keeps at most maxRecords, dropping the oldest', () => {
    const log = new CallLog(2);
    for (const model of ['a', 'b', 'c'])
      log.begin({ provider: 'openai', endpoint: '/v1/chat/completions', model, requestBody: {}, stream: false });
    assert.deepEqual(
      log.list().map((c) => c.model),
      ['b', 'c'],
    );
  });

  it('waitFor resolves when the condition holds and rejects after its timeout', async () => {
    const log = new CallLog();
    const waiting = log.waitFor({ state: 'completed' }, (calls) => calls.length === 1, 1000);
    const id = log.begin({
      provider: 'anthropic',
      endpoint: '/v1/messages',
      model: 'm',
      requestBody: {},
      stream: false,
    });
    log.end(id, 'completed', { status: 200 });
    assert.equal((await waiting)[0]?.status, 200);
    await assert.rejects(
      log.waitFor({}, () => false, 20),
      /not met within 20 ms/,
    );
  });
});
