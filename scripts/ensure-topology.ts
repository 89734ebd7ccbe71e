/**
 * `npm run topology:ensure`: installs or builds, once per machine, what the production topology and
 * the docker-compose checks need (see `ensureTopologyTools`). CI runs it as a step of its own, so
 * the one-off Temporal server build (minutes) is not part of any test's time.
 */
import { ensureTopologyTools } from '../lib/topology-tools';

async function main(): Promise<void> {
  const started = Date.now();
  const tools = await ensureTopologyTools({ log: (line) => console.error(line) });
  const server = tools.temporalServer;
  console.error(
    [
      `PostgreSQL ${tools.postgres.version} (${tools.postgres.source}) in ${tools.postgres.binDir}`,
      `docker-compose at ${tools.dockerCompose}`,
      `Temporal server ${server.version} (${server.source}${server.buildMs ? `, built in ${Math.round(server.buildMs / 1000)} s` : ''}) at ${server.serverPath}`,
      `ready in ${Math.round((Date.now() - started) / 1000)} s`,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
});
