/**
 * `npm run topology:ensure`: what the production topology needs beyond npm, installed or built once
 * per machine: PostgreSQL from Debian's packages, the Temporal server and its SQL tool built with Go
 * into `~/.cache/llm-cascade/temporal-server/<version>/`, Debian's docker-compose and the
 * compose-go checker in tools/compose-config (for the docker-compose.yml checks). CI runs it before
 * the tests so the one-off builds are a step of their own, not part of a test's time.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianTool } from '../lib/debian-tool';
import { PROJECT_ROOT } from '../lib/load-config';
import { ensurePostgres } from '../lib/postgres';
import { ensureTemporalServer } from '../lib/temporal-server';

async function main(): Promise<void> {
  const log = (line: string) => console.error(line);
  let started = Date.now();
  const postgres = await ensurePostgres({ log });
  console.error(
    `PostgreSQL ${postgres.version} (${postgres.source}) in ${postgres.binDir}, ${Date.now() - started} ms.`,
  );
  started = Date.now();
  const compose = await ensureDebianTool({ command: 'docker-compose', debianPackage: 'docker-compose', log });
  console.error(`docker-compose (${compose.source}) at ${compose.path}, ${Date.now() - started} ms.`);
  started = Date.now();
  // Compiled into Go's build cache once; the test's `go run` then starts at once.
  await promisify(execFile)('nice', ['-n', '10', 'go', 'build', '-o', '/dev/null', '.'], {
    cwd: path.join(PROJECT_ROOT, 'tools', 'compose-config'),
    timeout: 10 * 60_000,
  });
  console.error(`tools/compose-config built in ${Date.now() - started} ms.`);
  started = Date.now();
  const server = await ensureTemporalServer({ log });
  console.error(
    `Temporal server ${server.version} (${server.source}) at ${server.serverPath}, ${Date.now() - started} ms.`,
  );
}

main().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
});
