import path from 'node:path';

/** The repository root, found from this file's place in `simulator/`. */
const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * The folder of data shared between checkouts (never copied into the repo):
 * `LLM_CASCADE_SHARED_DIR`, else `../shared` beside the repository.
 */
export function resolveSharedDataDir(): string {
  return process.env.LLM_CASCADE_SHARED_DIR ?? path.resolve(REPO_ROOT, '../shared');
}
