/**
 * `cascade classify`, run as a child process with no Temporal anywhere: one prompt or a JSONL file,
 * for people (tables) and scripts (JSON lines), under the shipped config or another one.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../lib/dev-server';
import { DEFAULT_CONFIG_PATH } from '../config/load-config';
import { runCascadeCli } from './helpers/cascade-cli';

const EXTRACTION = 'Extract the invoice number and the total from: Invoice INV-2024-001, total 1,250.00 EUR';
const CODING = 'Why does this Python function raise a KeyError?\n```python\ndef f(d):\n    return d["x"]\n```';
const SUMMARY = 'Summarize the following article in two sentences: The council voted to expand the bike lanes.';

describe('cascade classify (offline)', { timeout: 600_000 }, () => {
  let dir: string;
  let offline: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-classify-'));
    // Nothing listens here: classify must not need Temporal.
    offline = { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('classifies one prompt for a person: task type, complexity, route, source and the reason', async () => {
    const run = await runCascadeCli(['classify', EXTRACTION], { env: offline });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^task type\s+extraction$/m);
    assert.match(run.stdout, /^complexity\s+low$/m);
    assert.match(run.stdout, /^route\s+extraction \(starts on tier small\)$/m);
    // The learned model decides a plain prompt, and says how sure it was.
    assert.match(run.stdout, /^source\s+learned \(margin (?:0\.\d+|1)\)$/m);
    assert.match(run.stdout, /^reason\s+learned model [0-9a-f]{12}: extraction [01]\.\d+, /m);
    assert.equal(run.stderr, '');
  });

  it('classifies by the rules alone when the config says classifier.learnedModel: false', async () => {
    const config = path.join(dir, 'rules-only.yaml');
    const base = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
    await writeFile(config, base.replace(/^classifier:\n/m, 'classifier:\n  learnedModel: false\n'));
    const run = await runCascadeCli(['classify', '--config', config, EXTRACTION], { env: offline });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^source\s+rules \(margin \d+(\.\d+)?\)$/m);
    assert.match(run.stdout, /^reason\s+extraction \d+\.\d+ \(.*"Extract"/m);
  });

  it('names classifier.learnedModel when the model file is missing or corrupt', async () => {
    const base = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
    const missing = path.join(dir, 'missing-model.yaml');
    await writeFile(missing, `${base.replace(/^classifier:\n/m, 'classifier:\n  learnedModel: no-such-model.json\n')}`);
    const run = await runCascadeCli(['classify', '--config', missing, EXTRACTION], { env: offline });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /classifier\.learnedModel: .*no-such-model\.json: cannot read the model file: ENOENT/);

    await writeFile(path.join(dir, 'corrupt-model.json'), '{"format": "llm-cascade/task-type-model", "version": 1}');
    const corrupt = path.join(dir, 'corrupt-model.yaml');
    await writeFile(corrupt, `${base.replace(/^classifier:\n/m, 'classifier:\n  learnedModel: corrupt-model.json\n')}`);
    const bad = await runCascadeCli(['classify', '--config', corrupt, EXTRACTION], { env: offline });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /classifier\.learnedModel: .*corrupt-model\.json: not a valid model file: buckets: /);
  });

  it('classifies one prompt as JSON, from stdin', async () => {
    const run = await runCascadeCli(['classify', '--json', '-'], { env: offline, stdin: `${CODING}\n` });
    assert.equal(run.code, 0, run.stderr);
    const row = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(row.taskType, 'coding');
    assert.equal(row.route, 'coding');
    assert.equal(row.startTier, 'mid');
    assert.equal(row.source, 'rules');
    assert.match(String(row.reason), /coding/);
    assert.equal(typeof (row.scores as Record<string, number>).coding, 'number');
  });

  it('classifies each line of a JSONL file as a table, reporting bad lines by number and exiting 2', async () => {
    const file = path.join(dir, 'prompts.jsonl');
    const lines = [
      JSON.stringify({ id: 'inv-1', prompt: EXTRACTION }),
      '',
      JSON.stringify({ id: 'code-1', prompt: CODING }),
      '{"id": "broken", "prompt": ',
      JSON.stringify({ id: 'empty-1', prompt: '' }),
      JSON.stringify({ id: 7, prompt: SUMMARY }),
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    const run = await runCascadeCli(['classify', '--file', file], { env: offline });
    assert.equal(run.code, 2, 'an invalid line makes the exit code 2');
    assert.match(run.stdout, /^id\s+task type\s+complexity\s+route\s+start tier\s+reason$/m);
    assert.match(run.stdout, /^inv-1\s+extraction\s+low\s+extraction\s+small\s+learned model/m);
    assert.match(run.stdout, /^code-1\s+coding\s+\w+\s+coding\s+mid\s+/m);
    assert.match(run.stdout, /^7\s+summarization\s+\w+\s+summarization\s+small\s+/m);
    assert.match(run.stdout, /3 classified: .*extraction 1.*; 2 invalid line\(s\)/);
    assert.match(run.stderr, /^line 4: invalid JSON: /m);
    assert.match(run.stderr, /^line 5 \(empty-1\): prompt: must not be empty$/m);
  });

  it('classifies a JSONL file from stdin as JSON lines, one per line, bad lines included', async () => {
    const input = [{ id: 'a', prompt: EXTRACTION }, { id: 'b', prompt: SUMMARY }, [1, 2], { id: 'c', prompt: CODING }]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const run = await runCascadeCli(['classify', '--json', '--file', '-'], { env: offline, stdin: input });
    assert.equal(run.code, 2, run.stderr);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id?: string; taskType?: string; route?: string; reason?: string });
    assert.deepEqual(
      rows.map((r) => [r.id, r.taskType]),
      [
        ['a', 'extraction'],
        ['b', 'summarization'],
        [undefined, undefined],
        ['c', 'coding'],
      ],
    );
    assert.deepEqual(rows[2], { line: 3, error: 'expected a JSON object like {"id": "...", "prompt": "..."}' });
    for (const row of [rows[0]!, rows[1]!, rows[3]!]) assert.ok(row.reason!.length > 0 && row.route === row.taskType);
  });

  it('uses the config from --config or LLM_CASCADE_CONFIG, and names a bad one', async () => {
    const config = path.join(dir, 'legal.yaml');
    await writeFile(
      config,
      [
        'providers: { anthropic: { type: anthropic } }',
        'models: { haiku: { provider: anthropic, model: claude-haiku-4-5, pricing: { inputPerMTok: 1, outputPerMTok: 5 } } }',
        'tiers: [{ name: small, model: haiku }]',
        'routes: { default: { startTier: small }, legal: { startTier: small } }',
        'classifier:',
        '  rules: [{ taskType: legal, weight: 10, keywords: ["indemnification clause"] }]',
      ].join('\n'),
    );
    const prompt = 'Is this indemnification clause enforceable?';
    const viaOption = await runCascadeCli(['classify', '--json', '--config', config, prompt], { env: offline });
    assert.equal(viaOption.code, 0, viaOption.stderr);
    assert.equal((JSON.parse(viaOption.stdout) as { taskType: string }).taskType, 'legal');
    const viaEnv = await runCascadeCli(['classify', '--json', prompt], {
      env: { ...offline, LLM_CASCADE_CONFIG: config },
    });
    assert.equal((JSON.parse(viaEnv.stdout) as { taskType: string }).taskType, 'legal');

    const broken = path.join(dir, 'broken.yaml');
    await writeFile(broken, 'providers: {}\nmodels: {}\ntiers: []\nroutes: {}\n');
    const bad = await runCascadeCli(['classify', '--config', broken, prompt], { env: offline });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: invalid .*broken\.yaml:$/m);
    assert.match(bad.stderr, /- providers: at least one provider is required/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
