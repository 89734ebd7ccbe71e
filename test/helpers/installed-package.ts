/**
 * The project as a user gets it: built (`npm run build`), packed (`npm pack`), and installed from the
 * tarball into a fresh project (`npm install ./llm-cascade-<version>.tgz`) from the local npm cache,
 * so the tests run the installed `cascade` binary and import `llm-cascade/client` the way another
 * service does. `test/run.ts` makes one for the run; a test file run on its own makes its own.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEST_ENV } from './test-env';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** A consumer project with the packed tarball installed. */
export interface InstalledPackage {
  /** The consumer project's folder (its `node_modules/` holds `llm-cascade`). */
  dir: string;
  /** The packed tarball it was installed from. */
  tarball: string;
  /** `node_modules/.bin/cascade`: the command as `npx cascade` runs it. */
  bin: string;
  /** Removes it, if this file made it (the run's own is removed by `test/run.ts`). */
  dispose(): Promise<void>;
}

async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(NPM, args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** The version of a package installed in this repository, so the consumer gets the cached copy. */
async function installedVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  return (manifest as { version: string }).version;
}

/**
 * Builds and packs this repository into `workDir`, then installs the tarball into a new project
 * there, with `devTools` (e.g. `typescript`, at the versions this repository uses) beside it.
 * `--prefer-offline`: packages come from the npm cache the repository's own install filled; only
 * what is missing there is fetched.
 */
export async function packAndInstall(
  workDir: string,
  options: { devTools?: string[]; name?: string } = {},
): Promise<InstalledPackage> {
  await npm(['run', '--silent', 'build'], PROJECT_ROOT);
  // The build above is the `prepare` script; running it apart keeps its output out of pack's JSON.
  const packed = JSON.parse(
    await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], PROJECT_ROOT),
  ) as Array<{ filename: string }>;
  const tarball = path.join(workDir, packed[0]!.filename);
  const dir = path.join(workDir, options.name ?? 'consumer');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  const devTools = await Promise.all(
    (options.devTools ?? []).map(async (name) => `${name}@${await installedVersion(name)}`),
  );
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...devTools], dir);
  return {
    dir,
    tarball,
    bin: path.join(dir, 'node_modules', '.bin', 'cascade'),
    dispose: () => rm(workDir, { recursive: true, force: true }),
  };
}

/** What the consumer projects of the tests install beside the package: a compiler and Node's types. */
export const CONSUMER_DEV_TOOLS = ['typescript', '@types/node'];

/** The run's installed package (`test/run.ts`), or one made for this file when it runs alone. */
export async function installedPackage(): Promise<InstalledPackage> {
  const dir = process.env[TEST_ENV.installedPackage];
  if (dir) {
    const tarball = process.env[TEST_ENV.packedTarball]!;
    return { dir, tarball, bin: path.join(dir, 'node_modules', '.bin', 'cascade'), dispose: async () => {} };
  }
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-installed-'));
  return packAndInstall(workDir, { devTools: CONSUMER_DEV_TOOLS });
}
