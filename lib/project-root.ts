import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding the project's `package.json`, for paths to shipped files (`configs/`, the
 * package version): the repository, or the installed package. Found by walking up from this file,
 * which runs from `lib/` (the TypeScript source, through tsx) or from `dist/lib/` (the build).
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The project's `package.json`, the fields read at run time (empty if unreadable). */
export function packageJson(): { version?: string; peerDependenciesMeta?: Record<string, { optional?: boolean }> } {
  try {
    return JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as ReturnType<typeof packageJson>;
  } catch {
    return {};
  }
}

/** The project's version ("0.0.0" if unreadable). */
export function packageVersion(): string {
  return packageJson().version ?? '0.0.0';
}
