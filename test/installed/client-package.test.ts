/**
 * `llm-cascade/client` as another service uses it: the project packed with `npm pack`, installed
 * from the tarball into a fresh project (no optional peers: no worker, no provider SDKs), a
 * TypeScript file compiled there under `strict` against the shipped `.d.ts`, and run, and the same
 * from ESM JavaScript: submit, wait, read the steps, against the run's Temporal server with a
 * worker in this process. The README's client example compiles there as printed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { installedPackage, type InstalledPackage } from '../helpers/installed-package';
import { startSimulatedCascade, type SimulatedCascade } from '../helpers/simulated-cascade';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal';

const execFileAsync = promisify(execFile);
const README = path.resolve(__dirname, '..', '..', 'README.md');

let installed: InstalledPackage;
let temporal: TestTemporal;
let stack: SimulatedCascade;

before(async () => {
  installed = await installedPackage();
  temporal = await connectTestTemporal();
  stack = await startSimulatedCascade(temporal, 'client-package');
});
after(async () => {
  await stack?.stop();
  await temporal?.close();
  await installed?.dispose();
});

/** What each consumer program prints: the cascade it ran, read back through the client. */
interface ConsumerReport {
  id: string;
  created: boolean;
  outcome: string;
  steps: Array<{ tier: string; model: string }>;
  describedSteps: number;
  invalidRequestProblems: string[];
  isRequestValidationError: boolean;
}

/** The consumer program, in TypeScript: strict, typed from the package's declarations alone. */
const TYPESCRIPT_CONSUMER = `import {
  CascadeClient,
  CascadeResult,
  Client,
  Connection,
  RequestValidationError,
  type CascadeDescription,
  type Outcome,
} from 'llm-cascade/client';

async function main(): Promise<void> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  try {
    const cascades = new CascadeClient({ client: new Client({ connection }), taskQueue: process.env.TASK_QUEUE! });
    let invalidRequestProblems: string[] = [];
    let isRequestValidationError = false;
    try {
      await cascades.submit({ prompt: 'x', colour: 'red' });
    } catch (error) {
      isRequestValidationError = error instanceof RequestValidationError;
      if (error instanceof RequestValidationError) invalidRequestProblems = error.problems;
    }
    const { id, created } = await cascades.submit({
      id: process.env.CASCADE_ID!,
      prompt: 'Extract the invoice number and total from: Invoice INV-2024-001, total 1250 EUR.',
      schema: { type: 'object', required: ['invoice_number', 'total'], properties: { total: { type: 'number' } } },
      groundTruth: { invoice_number: 'INV-2024-001' },
    });
    const result = await cascades.result(id);
    CascadeResult.parse(result); // the zod schema, as shipped
    const outcome: Outcome = result.outcome;
    const description: CascadeDescription = await cascades.describe(id);
    console.log(
      JSON.stringify({
        id,
        created,
        outcome,
        steps: result.steps.map((step) => ({ tier: step.tier, model: step.model })),
        describedSteps: description.steps.length,
        invalidRequestProblems,
        isRequestValidationError,
      }),
    );
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

/** The same from an ES module, in plain JavaScript: named imports of the CommonJS build. */
const ESM_CONSUMER = `import { CascadeClient, Client, Connection, RequestValidationError } from 'llm-cascade/client';

const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
try {
  const cascades = new CascadeClient({ client: new Client({ connection }), taskQueue: process.env.TASK_QUEUE });
  let invalidRequestProblems = [];
  let isRequestValidationError = false;
  try {
    await cascades.submit({ prompt: 'x', colour: 'red' });
  } catch (error) {
    isRequestValidationError = error instanceof RequestValidationError;
    invalidRequestProblems = error.problems ?? [];
  }
  const { id, created } = await cascades.submit({ id: process.env.CASCADE_ID, prompt: 'Name a river in Germany.' });
  const result = await cascades.result(id);
  const description = await cascades.describe(id);
  console.log(
    JSON.stringify({
      id,
      created,
      outcome: result.outcome,
      steps: result.steps.map((step) => ({ tier: step.tier, model: step.model })),
      describedSteps: description.steps.length,
      invalidRequestProblems,
      isRequestValidationError,
    }),
  );
} finally {
  await connection.close();
}
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    outDir: 'out',
    skipLibCheck: true,
  },
};

/** Writes a consumer folder inside the installed project (so `llm-cascade` resolves from its node_modules). */
async function consumerFolder(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(installed.dir, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  return dir;
}

/** The consumer's own compiler: `tsc -p <dir>`; resolves with its output, rejects with its errors. */
async function compile(dir: string): Promise<void> {
  const tsc = path.join(installed.dir, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await execFileAsync(process.execPath, [tsc, '-p', dir], { cwd: dir });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed in ${dir}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

async function runConsumer(file: string, id: string): Promise<ConsumerReport> {
  const { stdout } = await execFileAsync(process.execPath, [file], {
    cwd: path.dirname(file),
    env: {
      PATH: process.env.PATH ?? '',
      TEMPORAL_ADDRESS: temporal.address,
      TASK_QUEUE: stack.config.taskQueue,
      CASCADE_ID: id,
    },
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ConsumerReport;
}

function assertRan(report: ConsumerReport, id: string): void {
  assert.equal(report.id, id);
  assert.equal(report.created, true);
  assert.ok(['accepted', 'exhausted', 'over_budget', 'failed'].includes(report.outcome), report.outcome);
  assert.ok(report.steps.length >= 1, 'the result lists its steps');
  assert.equal(report.describedSteps, report.steps.length, 'describe reads the same steps');
  assert.equal(report.isRequestValidationError, true, 'a bad request throws the typed error');
  assert.ok(
    report.invalidRequestProblems.some((problem) => problem.includes('colour')),
    report.invalidRequestProblems.join('; '),
  );
}

describe('llm-cascade/client installed in another project', { timeout: 600_000 }, () => {
  it('installs without the worker: none of its packages are in the consumer project', () => {
    for (const absent of ['@temporalio/worker', '@temporalio/core-bridge', '@swc/core', 'webpack', 'openai', 'fastify'])
      assert.ok(!existsSync(path.join(installed.dir, 'node_modules', absent)), `${absent} is not installed`);
    assert.ok(existsSync(path.join(installed.dir, 'node_modules', 'llm-cascade', 'dist', 'client', 'index.d.ts')));
  });

  it('compiles a TypeScript consumer under strict and runs it: submit, wait, read the steps', async () => {
    const dir = await consumerFolder('ts-consumer', {
      'tsconfig.json': JSON.stringify(TSCONFIG, null, 2),
      'submit.ts': TYPESCRIPT_CONSUMER,
    });
    await compile(dir);
    const id = `client-package-ts-${Date.now()}`;
    assertRan(await runConsumer(path.join(dir, 'out', 'submit.js'), id), id);
  });

  it('types are real: a misuse does not compile', async () => {
    const dir = await consumerFolder('ts-misuse', {
      'tsconfig.json': JSON.stringify(TSCONFIG, null, 2),
      'misuse.ts': [
        "import { type CascadeResult } from 'llm-cascade/client';",
        'declare const result: CascadeResult;',
        "export const outcome: CascadeResult['outcome'] = 'maybe';",
        'export const cost: string = result.costUsd;',
        '',
      ].join('\n'),
    });
    await assert.rejects(
      compile(dir),
      (error: Error) =>
        error.message.includes(
          `misuse.ts(3,14): error TS2322: Type '"maybe"' is not assignable to type '"accepted" | "exhausted" | "over_budget" | "failed"'.`,
        ) && error.message.includes(`misuse.ts(4,14): error TS2322: Type 'number' is not assignable to type 'string'.`),
    );
  });

  it('runs an ES module consumer in plain JavaScript: named imports of the package', async () => {
    const dir = await consumerFolder('esm-consumer', { 'submit.mjs': ESM_CONSUMER });
    const id = `client-package-esm-${Date.now()}`;
    assertRan(await runConsumer(path.join(dir, 'submit.mjs'), id), id);
  });

  it("compiles the README's client example as printed, under strict", async () => {
    const readme = await readFile(README, 'utf8');
    const example = /\*\*TypeScript client\*\*[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example?.includes("from 'llm-cascade/client'"), 'the README example imports llm-cascade/client');
    // An ES module (.mts): the example awaits at the top level, as a script of the service would.
    const dir = await consumerFolder('readme-example', {
      'tsconfig.json': JSON.stringify(TSCONFIG, null, 2),
      'example.mts': `${example}export {};\n`,
    });
    await compile(dir);
  });

  it('ships the OpenAPI document as llm-cascade/openapi.json, for clients in other languages', async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import d from 'llm-cascade/openapi.json' with { type: 'json' }; console.log(JSON.stringify(d))",
      ],
      { cwd: installed.dir },
    );
    const document = JSON.parse(stdout) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(document.openapi, '3.1.0');
    for (const route of ['/v1/cascades', '/v1/cascades/{id}', '/v1/chat/completions'])
      assert.ok(route in document.paths, `${route} in the document`);
  });
});
