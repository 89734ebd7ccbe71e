/**
 * `npm run test:unit`: every Temporal-free test in one process, in seconds. A unit test needs no
 * Temporal server, no simulator server and no child process; it lives in `test/unit/` for that
 * reason, and `npm test` runs it once with the rest. Loading the files into one process (rather
 * than Node's one process per file) saves the TypeScript loader's start-up for each of them.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

for (const name of readdirSync(__dirname).sort()) {
  // A synchronous load, so every file's tests are registered before the runner starts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (name.endsWith('.test.ts')) require(path.join(__dirname, name));
}
