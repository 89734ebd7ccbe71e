/**
 * `npm run deps:graph`: which top-level folder imports which, type-only imports included, from
 * dependency-cruiser's own analysis (the one `npm run lint` checks for cycles). The README's
 * architecture section shows its output.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
/** The product's folders, lowest layer first; tests, scripts and the benchmark are left out. */
const FOLDERS = [
  'core',
  'workflows',
  'providers',
  'lib',
  'classifier',
  'config',
  'client',
  'batch',
  'activities',
  'simulator',
  'report-kit',
  'telemetry',
  'worker',
  'analytics',
  'eval',
  'api',
  'cli',
];

interface CruiseResult {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string; dependencyTypes: string[] }> }>;
}

const output = execFileSync(
  process.execPath,
  [
    path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
    '--config',
    '.dependency-cruiser.cjs',
    '--output-type',
    'json',
    ...FOLDERS,
  ],
  { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const result = JSON.parse(output) as CruiseResult;
const folderOf = (file: string) => file.split('/')[0]!;
const edges = new Map<string, Map<string, boolean>>();
for (const module of result.modules) {
  const from = folderOf(module.source);
  for (const dependency of module.dependencies) {
    const to = folderOf(dependency.resolved);
    if (from === to || !FOLDERS.includes(from) || !FOLDERS.includes(to)) continue;
    const targets = edges.get(from) ?? new Map<string, boolean>();
    const typesOnly = dependency.dependencyTypes.includes('type-only');
    targets.set(to, (targets.get(to) ?? true) && typesOnly);
    edges.set(from, targets);
  }
}
const width = Math.max(...FOLDERS.map((f) => f.length)) + 1;
for (const folder of [...FOLDERS].reverse()) {
  const targets = [...(edges.get(folder) ?? new Map<string, boolean>())]
    .sort(([a], [b]) => FOLDERS.indexOf(b) - FOLDERS.indexOf(a))
    .map(([to, typesOnly]) => `${to}${typesOnly ? ' (types)' : ''}`);
  console.log(`${`${folder}/`.padEnd(width)} → ${targets.join(', ') || '(nothing)'}`);
}
