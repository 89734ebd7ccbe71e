/**
 * `npm run bench:cli`: how long the installed `cascade` command takes to start, as `cascade --help`
 * (the build in dist/, through bin/cascade.js), against two references measured in the same run,
 * interleaved so that load on the machine hits all three alike: bare Node (`node -e ''`, the floor)
 * and the TypeScript source through tsx (what the command ran before it was compiled). Builds first,
 * so the numbers are the current code's. Writes bench/results/cli-startup.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../lib/project-root';

const options = new Command('bench-cli')
  .option('--runs <n>', 'timed runs of each command', '5')
  .option('--out <file>', 'JSON output', path.join(PROJECT_ROOT, 'bench', 'results', 'cli-startup.json'))
  .parse()
  .opts<{ runs: string; out: string }>();
const runs = Number(options.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: must be a positive integer, got "${options.runs}"`);

const COMMANDS = {
  installed: [path.join(PROJECT_ROOT, 'bin', 'cascade.js'), '--help'],
  bareNode: ['-e', ''],
  tsxSource: ['--import', 'tsx', path.join(PROJECT_ROOT, 'cli', 'main.ts'), '--help'],
} as const;
type Variant = keyof typeof COMMANDS;

function timeOnce(args: readonly string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr.toString()}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

execFileSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
const variants = Object.keys(COMMANDS) as Variant[];
// One untimed run each: the first start also pays for the disk cache.
for (const variant of variants) timeOnce(COMMANDS[variant]);
const samples = Object.fromEntries(variants.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
for (let i = 0; i < runs; i++) for (const variant of variants) samples[variant].push(timeOnce(COMMANDS[variant]));

const medians = Object.fromEntries(variants.map((v) => [v, Math.round(median(samples[v]))])) as Record<Variant, number>;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
  runs,
  command: 'cascade --help',
  medianMs: medians,
  samplesMs: Object.fromEntries(variants.map((v) => [v, samples[v].map((ms) => Math.round(ms))])),
  ratios: {
    installedOverBareNode: Number((medians.installed / medians.bareNode).toFixed(2)),
    installedOverTsxSource: Number((medians.installed / medians.tsxSource).toFixed(2)),
  },
  targetMs: 500,
  withinTarget: medians.installed < 500,
};
mkdirSync(path.dirname(options.out), { recursive: true });
writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `cascade --help: median ${medians.installed} ms (bare node ${medians.bareNode} ms, tsx source ${medians.tsxSource} ms; ` +
    `${result.ratios.installedOverBareNode}x bare node, ${result.ratios.installedOverTsxSource}x tsx) -> ${path.relative(process.cwd(), options.out)}\n`,
);
