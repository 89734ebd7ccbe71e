import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The Go toolchain's version, or undefined when `go` is not installed. */
export async function goVersion(env: NodeJS.ProcessEnv): Promise<{ major: number; minor: number } | undefined> {
  try {
    const { stdout } = await execFileAsync('go', ['env', 'GOVERSION'], { env, timeout: 30_000 });
    const match = /go(\d+)\.(\d+)/.exec(stdout);
    return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
  } catch {
    return undefined;
  }
}

export interface GoInstallOptions {
  /** Package paths with a version, all of one module at one version (`go install` requires it). */
  packages: readonly string[];
  /** Where the binaries go. */
  gobin: string;
  env: NodeJS.ProcessEnv;
}

/**
 * `go install` of pinned packages into `gobin`, with the default GOCACHE and GOMODCACHE, so builds
 * of the Temporal CLI and server share downloaded modules and compiled packages. Runs at low CPU
 * priority: it takes minutes of every core, and the machine is shared. Rejects with Go's output tail.
 */
export async function goInstall(options: GoInstallOptions): Promise<void> {
  const env = { ...options.env, GOBIN: options.gobin, CGO_ENABLED: options.env.CGO_ENABLED ?? '0' };
  await new Promise<void>((resolve, reject) => {
    const child = spawn('nice', ['-n', '10', 'go', 'install', ...options.packages], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`go install ${options.packages.join(' ')} failed (exit ${code}):\n${stderr.trim()}`)),
    );
  });
}
