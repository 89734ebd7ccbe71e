/**
 * Memory of schema validation in a long-lived process (the API's, issue 13 Medium 2): 300
 * requests, each with a distinct schema, validated the way the API validates them. The reference
 * is the earlier design, measured in the same run: one Ajv instance for the process, which keeps
 * every schema it compiles (its cache is keyed by the schema object, so it never hits). Each
 * variant runs in a fresh child process (without V8's compilation cache, see `inChild`); heap and
 * RSS are read after full GCs. Writes
 * `bench/results/schema-memory.json`.
 *
 *   npx tsx bench/schema-memory-bench.ts [--schemas 300]
 */
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { jsonSchemaProblems } from '../core/json-schema';
import { PROJECT_ROOT } from '../config/load-config';

const VARIANTS = ['one-shared-ajv', 'per-schema'] as const;
type Variant = (typeof VARIANTS)[number];

interface Measurement {
  variant: Variant;
  schemas: number;
  heapBeforeMiB: number;
  /** After half the schemas: the same as after all of them when memory is bounded. */
  heapHalfwayMiB: number;
  heapAfterMiB: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** Median time to validate one schema, ms. */
  medianValidateMs: number;
  maxValidateMs: number;
}

/** A distinct schema of a realistic size: nested objects, enums, patterns, formats (about 20 KB). */
function distinctSchema(n: number): Record<string, unknown> {
  const item = (i: number) => ({
    type: 'object',
    required: [`sku_${n}_${i}`],
    properties: {
      [`sku_${n}_${i}`]: { type: 'string', pattern: `^[A-Z]{2}-${n}-\\d+$` },
      [`quantity_${n}_${i}`]: { type: 'integer', minimum: 1, maximum: 1000 + n },
      [`unit_${n}_${i}`]: { enum: ['piece', 'kg', 'litre', `unit-${n}`] },
      [`email_${n}_${i}`]: { type: 'string', format: 'email' },
    },
  });
  return {
    type: 'object',
    required: ['invoice'],
    properties: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`section_${n}_${i}`, item(i)])),
  };
}

const MiB = 1024 * 1024;

function gcAndSample(): { heap: number; rss: number } {
  for (let i = 0; i < 10; i++) (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed / MiB, rss: usage.rss / MiB };
}

function runVariant(variant: Variant, count: number): Measurement {
  const shared = new Ajv({ allErrors: true, strict: false, validateSchema: true });
  addFormats(shared);
  // The earlier core/json-schema.ts: validate the schema with the shared instance, then compile it there.
  const validate =
    variant === 'one-shared-ajv'
      ? (schema: Record<string, unknown>) => {
          if (!shared.validateSchema(schema)) return ['invalid'];
          shared.compile(schema);
          return [];
        }
      : jsonSchemaProblems;
  validate(distinctSchema(-1)); // warm-up: meta-schemas, JIT
  const before = gcAndSample();
  const times: number[] = [];
  let halfway = before;
  for (let n = 0; n < count; n++) {
    if (n === Math.floor(count / 2)) halfway = gcAndSample();
    const schema = distinctSchema(n);
    const started = performance.now();
    const problems = validate(schema);
    times.push(performance.now() - started);
    if (problems.length > 0) throw new Error(`schema ${n}: ${problems.join('; ')}`);
  }
  const after = gcAndSample();
  times.sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(1));
  return {
    variant,
    schemas: count,
    heapBeforeMiB: round(before.heap),
    heapHalfwayMiB: round(halfway.heap),
    heapAfterMiB: round(after.heap),
    rssBeforeMiB: round(before.rss),
    rssAfterMiB: round(after.rss),
    medianValidateMs: round(times[Math.floor(times.length / 2)]!),
    maxValidateMs: round(times[times.length - 1]!),
  };
}

async function inChild(variant: Variant, count: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', variant, String(count)], {
      // V8 keeps the source of every `new Function` in its compilation cache for a while, whichever
      // the design (Ajv compiles each schema to a function): without the cache, the heap shows what
      // the design itself retains.
      execArgv: [...process.execArgv, '--expose-gc', '--no-compilation-cache'],
    });
    child.once('message', (message) => resolve(message as Measurement));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${variant}: the child exited with ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const countFlag = process.argv.indexOf('--schemas');
  const count = countFlag > 0 ? Number(process.argv[countFlag + 1]) : 300;
  const results: Measurement[] = [];
  for (const variant of VARIANTS) {
    console.error(`[bench] ${variant}: ${count} distinct schemas`);
    results.push(await inChild(variant, count));
  }
  const [reference, current] = results as [Measurement, Measurement];
  const growth = (m: Measurement) => m.heapAfterMiB - m.heapBeforeMiB;
  const report = {
    date: new Date().toISOString(),
    loadAverage: os.loadavg()[0],
    schemaChars: JSON.stringify(distinctSchema(0)).length,
    results,
    heapGrowthMiB: {
      oneSharedAjv: Number(growth(reference).toFixed(1)),
      perSchema: Number(growth(current).toFixed(1)),
    },
    heapGrowthRatio: Number((growth(current) / growth(reference)).toFixed(3)),
    medianValidateRatio: Number((current.medianValidateMs / reference.medianValidateMs).toFixed(2)),
  };
  console.log(JSON.stringify(report, null, 2));
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'schema-memory.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`[bench] written to ${path.relative(process.cwd(), file)}`);
}

if (process.argv[2] === '--child') {
  const measurement = runVariant(process.argv[3] as Variant, Number(process.argv[4]));
  process.send!(measurement, () => process.exit(0));
} else {
  void main();
}
