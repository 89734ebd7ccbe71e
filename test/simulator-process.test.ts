import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { z } from 'zod';
import { SimulatorAdminClient } from '../simulator/simulator-admin-client';

const REPO_ROOT = path.resolve(__dirname, '..');
const Endpoints = z.object({ anthropicUrl: z.string(), openaiUrl: z.string(), openaiBaseURL: z.string() });

let child: ChildProcess;
let endpoints: z.infer<typeof Endpoints>;
let scriptDir: string;

before(async () => {
  scriptDir = await mkdtemp(path.join(os.tmpdir(), 'simulator-process-'));
  const script = path.join(scriptDir, 'script.yaml');
  await writeFile(
    script,
    'models:\n  gpt-test:\n    defaultAnswer: { type: text, text: "from the script file: {{prompt}}" }\n',
  );
  child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'simulator', 'main.ts'), '--json', '--script', script],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const firstLine = once(createInterface({ input: child.stdout! }), 'line') as Promise<[string]>;
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the simulator exited (code ${String(code)}) before printing its endpoints`);
  });
  const [line] = await Promise.race([firstLine, exited]);
  endpoints = Endpoints.parse(JSON.parse(line));
});

after(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await rm(scriptDir, { recursive: true, force: true });
});

describe('npm run simulate (simulator/main.ts) in another process', () => {
  it('serves the script file, and takes faults and reports calls over the admin client', async () => {
    const openai = new OpenAI({ baseURL: endpoints.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
    const admin = new SimulatorAdminClient(endpoints.anthropicUrl);
    const ok = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'ping' }],
    });
    assert.equal(ok.choices[0]?.message.content, 'from the script file: ping');
    await admin.addFault({ provider: 'openai', effect: { type: 'http_error', status: 503 }, times: 1 });
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'ping' }] }),
      OpenAI.InternalServerError,
    );
    const calls = await admin.calls({ provider: 'openai' });
    assert.deepEqual(
      calls.map((c) => [c.status, c.state, c.fault?.effect.type ?? null]),
      [
        [200, 'completed', null],
        [503, 'completed', 'http_error'],
      ],
    );
    assert.deepEqual((await admin.script()).models['gpt-test']?.defaultAnswer, {
      type: 'text',
      text: 'from the script file: {{prompt}}',
      repeat: 1,
    });
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
