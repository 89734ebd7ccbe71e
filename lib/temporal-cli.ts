import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { access, chmod, constants, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { goInstall, goVersion } from './go-install';

const execFileAsync = promisify(execFile);

/** The Temporal CLI release the project is pinned to: the newest tag `go install` can build. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
const MIN_GO_MINOR = 25;

/** Where the CLI came from, so startup can say it. */
export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'built' | 'downloaded';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

/** The CLI could not be found or made; the message lists every way to provide it. */
export class TemporalCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalCliError';
  }
}

export interface EnsureTemporalCliOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines for a person watching (the build takes minutes). */
  log?: (line: string) => void;
}

/** The per-user cache directory for this CLI version, honouring `XDG_CACHE_HOME`. */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'llm-cascade', 'temporal-cli', TEMPORAL_CLI_VERSION);
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `temporal --version` to prove the binary runs on this machine, not just that it exists. */
async function probe(file: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(file, ['--version'], { timeout: 20_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function findOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'temporal');
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Builds into a private temp dir, then renames into the cache: rename is atomic on one filesystem,
 * so two concurrent callers can both build but never leave a half-written binary behind.
 */
async function buildWithGo(cacheDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const buildDir = await mkdtemp(path.join(cacheDir, '.build-'));
  try {
    log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${cacheDir}.`);
    log('This happens once per machine and takes a few minutes; later starts reuse the cached binary.');
    const started = Date.now();
    await goInstall({ packages: [GO_PACKAGE], gobin: buildDir, env });
    const target = path.join(cacheDir, 'temporal');
    await rename(path.join(buildDir, 'temporal'), target);
    log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
    return target;
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/**
 * Lets the SDK download the CLI (needs internet), then keeps the binary in the cache. The SDK only
 * downloads as part of starting a server, so one is started and stopped again.
 */
async function downloadWithSdk(cacheDir: string, log: (line: string) => void): Promise<string> {
  const downloadDir = path.join(cacheDir, 'download');
  await mkdir(downloadDir, { recursive: true });
  log(`Downloading the Temporal CLI ${TEMPORAL_CLI_VERSION} through the Temporal SDK into ${downloadDir}.`);
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', version: TEMPORAL_CLI_VERSION, downloadDir } },
  });
  await env.teardown();
  for (const name of await readdir(downloadDir, { recursive: true })) {
    const file = path.join(downloadDir, name);
    if (path.basename(file).startsWith('temporal') && (await isExecutableFile(file))) {
      const target = path.join(cacheDir, 'temporal');
      await rename(file, target);
      await chmod(target, 0o755);
      return target;
    }
  }
  throw new TemporalCliError(`the SDK started a server but left no temporal binary in ${downloadDir}`);
}

/**
 * Finds or makes the Temporal CLI, trying in order: `TEMPORAL_CLI_PATH`; `temporal` on `PATH`;
 * the per-user cache; a one-time `go install` into the cache (Go >= 1.25); the SDK's download.
 * Idempotent: once cached, every later call returns at once.
 */
export async function ensureTemporalCli(options: EnsureTemporalCliOptions = {}): Promise<TemporalCli> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});

  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!(await isExecutableFile(explicit))) {
      throw new TemporalCliError(
        `TEMPORAL_CLI_PATH is set to "${explicit}", which is not an executable file. Fix or unset it.`,
      );
    }
    if (!(await probe(explicit))) {
      throw new TemporalCliError(
        `TEMPORAL_CLI_PATH is set to "${explicit}", but running "${explicit} --version" failed. Point it at a Temporal CLI binary, or unset it.`,
      );
    }
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }

  const onPath = await findOnPath(env);
  if (onPath && (await probe(onPath))) return { path: onPath, source: 'PATH' };

  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if ((await isExecutableFile(cached)) && (await probe(cached))) return { path: cached, source: 'cache' };

  const failures: string[] = [];
  const go = await goVersion(env);
  if (go && (go.major > 1 || go.minor >= MIN_GO_MINOR)) {
    try {
      return { path: await buildWithGo(cacheDir, env, log), source: 'built' };
    } catch (error) {
      failures.push(`building with Go failed: ${(error as Error).message}`);
    }
  } else {
    failures.push(
      go ? `Go ${go.major}.${go.minor} is too old to build it (needs 1.${MIN_GO_MINOR}+)` : 'Go is not installed',
    );
  }

  try {
    return { path: await downloadWithSdk(cacheDir, log), source: 'downloaded' };
  } catch (error) {
    failures.push(`downloading through the Temporal SDK failed: ${(error as Error).message.split('\n')[0]}`);
  }

  throw new TemporalCliError(
    [
      `No Temporal CLI available (${failures.join('; ')}). Provide one of:`,
      '  - TEMPORAL_CLI_PATH=/path/to/temporal',
      '  - a `temporal` binary on PATH (https://docs.temporal.io/cli)',
      `  - Go 1.${MIN_GO_MINOR}+ so it can be built once into ${cacheDir}`,
      '  - internet access, so the Temporal SDK can download it',
      '  - or TEMPORAL_ADDRESS=host:port to use a Temporal server that is already running',
    ].join('\n'),
  );
}
