import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A Debian package could not be found or installed; the message says how to install it by hand. */
export class DebianPackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebianPackageError';
  }
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * `apt-get update && apt-get install -y <package>`, when this process may (root on a system with
 * apt-get); otherwise a `DebianPackageError` with the command to run. `why` says what needs it.
 */
export async function aptInstall(debianPackage: string, why: string, log: (line: string) => void): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  const hasApt = await isExecutable('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    throw new DebianPackageError(
      `${why}. ` +
        (hasApt
          ? `Install it with: sudo apt-get update && sudo apt-get install -y ${debianPackage}`
          : `This needs Debian or Ubuntu, whose ${debianPackage} package provides it.`),
    );
  }
  log(`${why}: installing it from Debian packages (apt-get install -y ${debianPackage})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await execFileAsync('apt-get', ['update'], { env, timeout: 10 * 60_000, maxBuffer: 16 << 20 });
    await execFileAsync('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], {
      env,
      timeout: 15 * 60_000,
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new DebianPackageError(`apt-get install ${debianPackage} failed: ${(stderr || message).trim().slice(-2000)}`);
  }
}

/** A command on PATH, installed from its Debian package when missing. */
export async function ensureDebianTool(options: {
  command: string;
  debianPackage: string;
  log?: (line: string) => void;
}): Promise<{ path: string; source: 'installed' | 'apt-get' }> {
  const find = async () => {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const candidate = path.join(dir, options.command);
      if (dir && (await isExecutable(candidate))) return candidate;
    }
    return undefined;
  };
  const found = await find();
  if (found) return { path: found, source: 'installed' };
  await aptInstall(options.debianPackage, `${options.command} is not installed`, options.log ?? (() => {}));
  const installed = await find();
  if (!installed)
    throw new DebianPackageError(`installed ${options.debianPackage}, but ${options.command} is not on PATH`);
  return { path: installed, source: 'apt-get' };
}
