/**
 * The README is true for a newcomer: the quick start's `npx cascade ...` examples, run with the
 * installed command against the demo (the example config on the demo script's simulated providers,
 * as `npm start` runs it), print what the README shows, line for line (the generated request id
 * aside); the first example is the common case (accepted on the small tier, cheaper than the
 * frontier model alone), the escalation second; and every `npm run` script and shipped file the
 * README names exists.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Worker } from '@temporalio/worker';
import { startDemoProviders, type DemoProviders } from '../../simulator/demo-mode';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config/load-config';
import { createProviderRegistry } from '../../providers/provider-registry';
import { installedPackage, type InstalledPackage } from '../helpers/installed-package';
import { createTestWorker, connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '..', '..');

let readme: string;
let installed: InstalledPackage;
let temporal: TestTemporal;
let demo: DemoProviders;
let worker: { worker: Worker; done: Promise<void> };
let dir: string;
let env: Record<string, string>;

before(async () => {
  readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  installed = await installedPackage();
  temporal = await connectTestTemporal();
  // What `npm start` runs with no key: the default config on the demo script, on a queue of our own.
  demo = await startDemoProviders(await loadConfig(DEFAULT_CONFIG_PATH, {}));
  const config = { ...demo.config, taskQueue: uniqueTaskQueue('readme') };
  const running = await createTestWorker(temporal, config, createProviderRegistry(config, demo.env));
  worker = { worker: running, done: running.run() };
  dir = await mkdtemp(path.join(os.tmpdir(), 'readme-'));
  const configFile = path.join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify(config));
  env = { TEMPORAL_ADDRESS: temporal.address, LLM_CASCADE_CONFIG: configFile };
});
after(async () => {
  if (worker?.worker.getState() === 'RUNNING') worker.worker.shutdown();
  await worker?.done;
  await demo?.stop();
  await temporal?.close();
  await installed?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The README's console examples of the `cascade` command: the command line and the output shown. */
function cascadeExamples(text: string): Array<{ args: string[]; output: string[] }> {
  const blocks = [...text.matchAll(/```console\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n'));
  return blocks
    .filter((lines) => lines[0]!.startsWith('$ npx cascade '))
    .map((lines) => ({
      args: shellWords(lines[0]!.slice('$ npx cascade '.length)),
      output: lines.slice(1).filter((line, i, all) => i < all.length - 1 || line !== ''),
    }));
}

/** Splits a command line as a shell would for these examples: spaces, and "double quotes". */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function run(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(installed.bin, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // A terminal shows the "submitted" note (stderr) first: it is written before the wait.
    child.on('close', (code) => resolve({ code, lines: `${stderr}${stdout}`.trimEnd().split('\n') }));
  });
}

/** Generated request ids differ from run to run. */
const anyRequestId = (lines: string[]) => lines.map((line) => line.replace(/req-[0-9a-f-]{36}/g, 'req-<id>'));

describe('README', { timeout: 300_000 }, () => {
  it('shows the common case first and the escalation second, and each prints what the README shows', async () => {
    const examples = cascadeExamples(readme);
    assert.ok(examples.length >= 2, 'the quick start shows two cascade examples');
    const [common, escalation] = examples as [(typeof examples)[0], (typeof examples)[0]];
    assert.match(common.output.join('\n'), /^escalations {2}0$/m, 'the first example does not escalate');
    assert.match(common.output.join('\n'), /^cost .* saved \$0\.\d+ \(\d+%\)$/m, 'and costs less than the frontier');
    assert.match(escalation.output.join('\n'), /^escalations {2}2$/m);

    for (const example of examples) {
      const { code, lines } = await run(example.args);
      assert.equal(code, 0, lines.join('\n'));
      assert.deepEqual(anyRequestId(lines), anyRequestId(example.output), `npx cascade ${example.args.join(' ')}`);
    }
  });

  it('names only npm scripts and shipped files that exist', async () => {
    const scripts = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: object })
      .scripts;
    const named = new Set([...readme.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]!));
    for (const script of named) assert.ok(script in scripts, `npm run ${script} is a script`);
    const files = new Set(
      [...readme.matchAll(/\b((?:configs|examples|bench\/results|test\/histories)\/[\w.-]+\.(?:yaml|json))\b/g)].map(
        (m) => m[1]!,
      ),
    );
    assert.ok(files.size >= 5);
    for (const file of files) assert.ok(existsSync(path.join(ROOT, file)), `${file} exists`);
  });
});
