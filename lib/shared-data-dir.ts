import path from 'node:path';
import { PROJECT_ROOT } from './project-root';

/**
 * The folder of data shared between checkouts (never copied into the repo):
 * `LLM_CASCADE_SHARED_DIR`, else `../shared` beside the repository.
 */
export function resolveSharedDataDir(): string {
  return process.env.LLM_CASCADE_SHARED_DIR ?? path.resolve(PROJECT_ROOT, '../shared');
}
