import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianTool } from './debian-tool';
import { PROJECT_ROOT } from './project-root';
import { ensurePostgres, type PostgresInstall } from './postgres';
import { ensureTemporalServer, type TemporalServerInstall } from './temporal-server';

const execFileAsync = promisify(execFile);

export interface TopologyTools {
  postgres: PostgresInstall;
  temporalServer: TemporalServerInstall;
  dockerCompose: string;
}

/**
 * What the production topology and the docker-compose checks need beyond npm, installed or built
 * once per machine: PostgreSQL and docker-compose from Debian's packages, the Temporal server and
 * its SQL tool built with Go into the per-user cache, and tools/compose-config compiled into Go's
 * build cache. Idempotent and quick once done (`npm run topology:ensure`, CI, and `npm test` first).
 */
export async function ensureTopologyTools(options: { log?: (line: string) => void } = {}): Promise<TopologyTools> {
  const log = options.log ?? (() => {});
  const postgres = await ensurePostgres({ log });
  const dockerCompose = await ensureDebianTool({ command: 'docker-compose', debianPackage: 'docker-compose', log });
  await execFileAsync('nice', ['-n', '10', 'go', 'build', '-o', '/dev/null', '.'], {
    cwd: path.join(PROJECT_ROOT, 'tools', 'compose-config'),
    timeout: 10 * 60_000,
  }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`building tools/compose-config failed: ${(error.stderr || error.message).trim()}`);
  });
  const temporalServer = await ensureTemporalServer({ log });
  return { postgres, temporalServer, dockerCompose: dockerCompose.path };
}
