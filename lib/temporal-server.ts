import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { goInstall, goVersion } from './go-install';

const execFileAsync = promisify(execFile);

/**
 * The Temporal server release the production topology runs: the one the pinned CLI (v1.5.1)
 * embeds, and the `temporalio/server` image docker-compose.yml names. Its go.mod has no `replace`
 * directive, so `go install` builds it.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const PACKAGES = {
  server: `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
  sqlTool: `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
};
const MIN_GO_MINOR = 25;

export class TemporalServerBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalServerBuildError';
  }
}

/** The full Temporal server and its SQL schema tool (which embeds the schema files), from the cache. */
export interface TemporalServerInstall {
  version: string;
  /** `temporal-server` (the module's `cmd/server`). */
  serverPath: string;
  /** `temporal-sql-tool` (the module's `cmd/tools/sql`), with the module's `schema/` embedded. */
  sqlToolPath: string;
  source: 'cache' | 'built';
  /** How long the build took (only when built). */
  buildMs?: number;
}

/** The per-user cache for this server version, beside the CLI's, honouring `XDG_CACHE_HOME`. */
export function temporalServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'llm-cascade', 'temporal-server', TEMPORAL_SERVER_VERSION);
}

function installIn(dir: string): Omit<TemporalServerInstall, 'source'> {
  return {
    version: TEMPORAL_SERVER_VERSION,
    serverPath: path.join(dir, 'temporal-server'),
    sqlToolPath: path.join(dir, 'temporal-sql-tool'),
  };
}

/** Both binaries run here (not just exist). */
async function isComplete(install: Omit<TemporalServerInstall, 'source'>): Promise<boolean> {
  try {
    for (const binary of [install.serverPath, install.sqlToolPath]) {
      await access(binary, constants.X_OK);
      await execFileAsync(binary, ['--version'], { timeout: 30_000 });
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds both binaries with one `go install` into a private folder, then renames the folder into
 * place: atomic, so concurrent builds never leave half a cache.
 */
async function build(cacheDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number> {
  const parent = path.dirname(cacheDir);
  await mkdir(parent, { recursive: true });
  const buildDir = await mkdtemp(path.join(parent, `.build-${TEMPORAL_SERVER_VERSION}-`));
  try {
    log(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with Go into ${cacheDir}.`);
    log('This happens once per machine and takes a few minutes; later runs reuse the cached binaries.');
    const started = Date.now();
    await goInstall({ packages: [PACKAGES.server, PACKAGES.sqlTool], gobin: buildDir, env });
    await rename(path.join(buildDir, 'server'), path.join(buildDir, 'temporal-server'));
    await rename(path.join(buildDir, 'sql'), path.join(buildDir, 'temporal-sql-tool'));
    await rm(cacheDir, { recursive: true, force: true });
    try {
      await rename(buildDir, cacheDir);
    } catch (error) {
      // Another build finished first; its cache is as good as ours.
      if (!(await isComplete(installIn(cacheDir)))) throw error;
    }
    const took = Date.now() - started;
    log(`Built the Temporal server in ${Math.round(took / 1000)} s.`);
    return took;
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/**
 * The Temporal server, its SQL tool and schema from the per-user cache, built once with Go
 * (>= 1.25) when missing. Idempotent: once cached, every later call returns at once.
 */
export async function ensureTemporalServer(
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<TemporalServerInstall> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const cacheDir = temporalServerCacheDir(env);
  const cached = installIn(cacheDir);
  if (await isComplete(cached)) return { ...cached, source: 'cache' };

  const go = await goVersion(env);
  if (!go || (go.major === 1 && go.minor < MIN_GO_MINOR)) {
    throw new TemporalServerBuildError(
      `The Temporal server ${TEMPORAL_SERVER_VERSION} is not cached in ${cacheDir}, and ` +
        (go ? `Go ${go.major}.${go.minor} is too old to build it` : 'Go is not installed to build it') +
        ` (needs Go 1.${MIN_GO_MINOR}+: go install ${PACKAGES.server}).`,
    );
  }
  let buildMs: number;
  try {
    buildMs = await build(cacheDir, env, log);
  } catch (error) {
    throw new TemporalServerBuildError(`building the Temporal server failed: ${(error as Error).message}`);
  }
  if (!(await isComplete(cached)))
    throw new TemporalServerBuildError(`built the Temporal server, but ${cacheDir} is incomplete`);
  return { ...cached, source: 'built', buildMs };
}
