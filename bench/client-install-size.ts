/**
 * `npm run bench:client-install`: what a service pays on disk to use `llm-cascade/client`. Packs
 * the project, installs the tarball into a fresh project as a service would (the client alone:
 * no optional peers), then again with the optional peers (the worker, the provider SDKs, the
 * API server) as the reference, and measures each project's node_modules. Writes
 * bench/results/client-install.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../lib/project-root';
import { packAndInstall } from '../test/helpers/installed-package';

const options = new Command('bench-client-install')
  .option('--out <file>', 'JSON output', path.join(PROJECT_ROOT, 'bench', 'results', 'client-install.json'))
  .parse()
  .opts<{ out: string }>();

/** Bytes on disk under `dir` (`du`, so shared blocks and sparse files count as the disk sees them). */
function diskBytes(dir: string): number {
  return Number(execFileSync('du', ['-sk', dir]).toString().split('\t')[0]) * 1024;
}

/** Installed packages, counting scoped ones once each. */
function packageCount(nodeModules: string): number {
  let count = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        walk(full);
        continue;
      }
      count += 1;
      try {
        walk(path.join(full, 'node_modules'));
      } catch {
        // no nested node_modules
      }
    }
  };
  walk(nodeModules);
  return count;
}

/** The biggest installed packages, for the README's "what you pay" line. */
function largest(nodeModules: string, top = 6): Array<{ name: string; bytes: number }> {
  const names = readdirSync(nodeModules).flatMap((name) =>
    name.startsWith('@') ? readdirSync(path.join(nodeModules, name)).map((n) => `${name}/${n}`) : [name],
  );
  return names
    .filter((name) => !name.startsWith('.'))
    .map((name) => ({ name, bytes: diskBytes(path.join(nodeModules, name)) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'llm-cascade-install-size-'));
  try {
    const clientOnly = await packAndInstall(workDir, { name: 'client-only' });
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    const peers = Object.entries(manifest.peerDependencies).map(([name, range]) => `${name}@${range}`);
    const withPeers = path.join(workDir, 'with-peers');
    mkdirSync(withPeers);
    writeFileSync(
      path.join(withPeers, 'package.json'),
      '{ "name": "with-peers", "version": "1.0.0", "private": true }\n',
    );
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', clientOnly.tarball, ...peers], {
      cwd: withPeers,
      stdio: ['ignore', 'ignore', 'inherit'],
    });

    const measure = (dir: string) => {
      const nodeModules = path.join(dir, 'node_modules');
      return { bytes: diskBytes(nodeModules), packages: packageCount(nodeModules), largest: largest(nodeModules) };
    };
    const client = measure(clientOnly.dir);
    const full = measure(withPeers);
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      tarballBytes: diskBytes(clientOnly.tarball),
      clientOnly: client,
      withOptionalPeers: full,
      clientOnlyShare: Number((client.bytes / full.bytes).toFixed(3)),
    };
    mkdirSync(path.dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    process.stdout.write(
      `client only: ${mib(client.bytes)} in ${client.packages} packages; with the optional peers: ${mib(full.bytes)} in ${full.packages} packages -> ${path.relative(process.cwd(), options.out)}\n`,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
