/**
 * docker-compose.yml, checked without a Docker engine: Debian's `docker-compose config` (Compose
 * v1, installed from Debian's packages when missing) and the loader Docker Compose v2 is built on
 * (compose-go, through tools/compose-config: interpolation, the Compose Specification's schema,
 * cross-references), then the properties the deployment relies on: supported images, API and
 * worker as separate services with the worker scalable, nothing of Temporal's published, the
 * namespace's retention, Prometheus scraping both roles, Grafana provisioned with the dashboard.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ensureDebianTool } from '../lib/debian-tool';
import { loadConfig } from '../config/load-config';
import { PROJECT_ROOT } from '../lib/project-root';
import { NAMESPACE_RETENTION } from '../lib/temporal-cluster';
import { renderDynamicConfigFile } from '../lib/server-dynamic-config';
import { defaultShutdownGraceMs } from '../worker/worker-tuning';

const execFileAsync = promisify(execFile);
const COMPOSE_FILE = path.join(PROJECT_ROOT, 'docker-compose.yml');
const ENV = {
  ...process.env,
  LLM_CASCADE_API_KEYS: 'test-key',
  LLM_CASCADE_CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  ports?: Array<{ target: number; published?: string; host_ip?: string }>;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  stop_grace_period?: string;
  volumes?: Array<{ source?: string; target: string }>;
}

/** The model as Compose v2 resolves it (compose-go), or its error. */
async function composeGo(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return execFileAsync('go', ['run', '.', '-f', COMPOSE_FILE], {
    cwd: path.join(PROJECT_ROOT, 'tools', 'compose-config'),
    env,
    timeout: 5 * 60_000,
    maxBuffer: 8 << 20,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : 1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

let services: Record<string, Service>;
let dockerCompose: string;

before(async () => {
  dockerCompose = (await ensureDebianTool({ command: 'docker-compose', debianPackage: 'docker-compose' })).path;
  const run = await composeGo(ENV);
  assert.equal(run.code, 0, `compose-go rejected docker-compose.yml:\n${run.stderr}`);
  services = (parse(run.stdout) as { services: Record<string, Service> }).services;
});

describe('docker-compose.yml', () => {
  it('is valid for Debian’s docker-compose (`docker-compose config`)', async () => {
    const { stdout } = await execFileAsync(dockerCompose, ['-f', COMPOSE_FILE, 'config', '--services'], {
      env: ENV,
      timeout: 60_000,
    });
    assert.deepEqual(stdout.trim().split('\n').sort(), Object.keys(services).sort());
  });

  it('refuses to start without LLM_CASCADE_API_KEYS, in both loaders, naming the variable', async () => {
    const { LLM_CASCADE_API_KEYS: _, ...env } = ENV;
    const v2 = await composeGo(env);
    assert.notEqual(v2.code, 0);
    assert.match(v2.stderr, /LLM_CASCADE_API_KEYS/);
    const v1 = await execFileAsync(dockerCompose, ['-f', COMPOSE_FILE, 'config', '--quiet'], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.notEqual(v1.code, 0);
    assert.match(v1.stderr, /LLM_CASCADE_API_KEYS/);
  });

  it('encrypts payloads: refuses to start without LLM_CASCADE_CODEC_KEYS, the same keys on API, workers and setup', async () => {
    const { LLM_CASCADE_CODEC_KEYS: _, ...env } = ENV;
    const v2 = await composeGo(env);
    assert.notEqual(v2.code, 0);
    assert.match(v2.stderr, /LLM_CASCADE_CODEC_KEYS/);
    for (const name of ['api', 'worker', 'setup'])
      assert.equal(services[name]!.environment!.LLM_CASCADE_CODEC_KEYS, ENV.LLM_CASCADE_CODEC_KEYS, name);
  });

  it('points the Temporal UI at the API’s codec server, which answers the UI’s origin', () => {
    const ui = services['temporal-ui']!;
    const api = services.api!;
    const apiPort = api.ports!.find((port) => String(port.target) === api.environment!.PORT)!;
    assert.equal(ui.environment!.TEMPORAL_CODEC_ENDPOINT, `http://localhost:${apiPort.published}/codec`);
    assert.equal(ui.environment!.TEMPORAL_CODEC_INCLUDE_CREDENTIALS, 'true', 'the operator’s session cookie');
    const uiPort = ui.ports![0]!.published;
    const origins = api.environment!.LLM_CASCADE_CODEC_CORS_ORIGINS!.split(',');
    assert.ok(origins.includes(`http://localhost:${uiPort}`), origins.join(','));
    assert.ok(origins.includes(`http://127.0.0.1:${uiPort}`), origins.join(','));
    assert.ok('LLM_CASCADE_OPERATOR_KEYS' in api.environment!);
    assert.ok(!('LLM_CASCADE_OPERATOR_KEYS' in services.worker!.environment!), 'workers serve no codec');
  });

  it('runs Temporal on supported images: temporalio/server with the schema set up by temporalio/admin-tools', () => {
    for (const [name, service] of Object.entries(services))
      assert.doesNotMatch(service.image ?? '', /auto-setup/, `${name} uses the deprecated temporalio/auto-setup`);
    assert.match(services.temporal!.image!, /^temporalio\/server:\d+\.\d+\.\d+$/);
    assert.match(services['temporal-schema']!.image!, /^temporalio\/admin-tools:/);
    assert.equal(services.temporal!.environment!.DB, 'postgres12');
    assert.equal(services.temporal!.depends_on!['temporal-schema']!.condition, 'service_completed_successfully');
  });

  it('runs the server on llm-cascade’s dynamic config (eager activity dispatch), the file equal to its source', async () => {
    const temporal = services.temporal!;
    const target = temporal.environment!.DYNAMIC_CONFIG_FILE_PATH!;
    const mount = temporal.volumes?.find((v) => v.target === target);
    assert.ok(mount, `the temporal service mounts a file at DYNAMIC_CONFIG_FILE_PATH (${target})`);
    const file = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');
    assert.equal(path.resolve(mount.source!), file);
    assert.equal(
      await readFile(file, 'utf8'),
      renderDynamicConfigFile(),
      'deploy/temporal/dynamicconfig.yaml differs from lib/server-dynamic-config.ts: regenerate it',
    );
    assert.equal(parse(await readFile(file, 'utf8'))['system.enableActivityEagerExecution'][0].value, true);
  });

  it('creates the namespace with the retention `cascade report --since 30d` needs', () => {
    assert.equal(services['temporal-namespace']!.environment!.NAMESPACE_RETENTION, NAMESPACE_RETENTION);
    assert.ok(parseInt(NAMESPACE_RETENTION, 10) > 30 * 24);
  });

  it('runs the API and the worker as separate services of one image; the worker scales', () => {
    const { api, worker } = services;
    assert.ok(api && worker);
    assert.equal(api.image, worker.image);
    assert.ok(api.build && worker.build);
    assert.deepEqual(api.command, ['node', '--import', 'tsx', 'api/main.ts']);
    assert.deepEqual(worker.command, ['node', '--import', 'tsx', 'worker/main.ts']);
    // `docker compose up --scale worker=3` needs no fixed name and no published port on the worker.
    assert.equal(worker.container_name, undefined);
    assert.equal(worker.ports, undefined);
    assert.match(api.environment!.LLM_CASCADE_API_KEYS!, /test-key/);
  });

  it('gives the API and the workers longer to stop than their drain, so a rolling update pays for no call twice', async () => {
    const config = await loadConfig(path.join(PROJECT_ROOT, 'configs', 'example.yaml'));
    assert.equal(services.worker!.environment!.LLM_CASCADE_CONFIG, '/app/configs/example.yaml');
    for (const name of ['api', 'worker']) {
      // Compose writes durations the Go way: 2m30s.
      const grace = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(services[name]!.stop_grace_period ?? '');
      assert.ok(grace?.[0], `${name}: stop_grace_period is ${services[name]!.stop_grace_period}`);
      const ms = ((Number(grace[1] ?? 0) * 60 + Number(grace[2] ?? 0)) * 60 + Number(grace[3] ?? 0)) * 1000;
      assert.ok(ms > defaultShutdownGraceMs(config), `${name}: ${grace[0]} is shorter than the drain`);
    }
  });

  it('publishes only the API, the UIs and Prometheus, on loopback; never Temporal or PostgreSQL', () => {
    const published = Object.entries(services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => ({ name, ...port })),
    );
    assert.deepEqual(published.map((p) => p.name).sort(), ['api', 'grafana', 'prometheus', 'temporal-ui']);
    for (const port of published) assert.equal(port.host_ip, '127.0.0.1', `${port.name} is published beyond loopback`);
  });

  it('has Prometheus scrape both roles, every worker replica through DNS', async () => {
    const config = parse(await readFile(path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{
        job_name: string;
        static_configs?: Array<{ targets: string[] }>;
        authorization?: { type: string; credentials_file: string };
        dns_sd_configs?: Array<{ names: string[]; port: number }>;
      }>;
    };
    const jobs = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job]));
    assert.deepEqual(jobs['llm-cascade-api']!.static_configs![0]!.targets, [`api:${services.api!.environment!.PORT}`]);
    const workers = jobs['llm-cascade-worker']!.dns_sd_configs![0]!;
    assert.deepEqual(workers.names, ['worker']);
    assert.equal(String(workers.port), services.worker!.environment!.LLM_CASCADE_METRICS_PORT);
    // The worker listens beyond its loopback, or Prometheus in another container could not reach it.
    assert.equal(services.worker!.environment!.LLM_CASCADE_METRICS_HOST, '0.0.0.0');
    // The API's /metrics is behind its key: Prometheus sends the first one, from a file it writes at start.
    const api = jobs['llm-cascade-api']!;
    assert.deepEqual(api.authorization, { type: 'Bearer', credentials_file: '/prometheus/api-key' });
    assert.match(services.prometheus!.command!.join(' '), /\/prometheus\/api-key/);
    assert.match(services.prometheus!.environment!.LLM_CASCADE_API_KEYS!, /test-key/);
    const mounted = services.prometheus!.volumes!.map((v) => v.target);
    assert.ok(mounted.includes('/etc/prometheus/prometheus.yml'));
  });

  it('provisions Grafana with the dashboard folder and the Prometheus datasource', async () => {
    const mounts = Object.fromEntries(services.grafana!.volumes!.map((v) => [v.target, v.source ?? '']));
    assert.equal(mounts['/etc/grafana/provisioning'], path.join(PROJECT_ROOT, 'deploy', 'grafana', 'provisioning'));
    assert.equal(mounts['/etc/grafana/dashboards'], path.join(PROJECT_ROOT, 'deploy', 'grafana', 'dashboards'));
    const provider = parse(
      await readFile(
        path.join(PROJECT_ROOT, 'deploy', 'grafana', 'provisioning', 'dashboards', 'llm-cascade.yml'),
        'utf8',
      ),
    ) as { providers: Array<{ options: { path: string } }> };
    assert.equal(provider.providers[0]!.options.path, '/etc/grafana/dashboards');
  });
});

describe('Dockerfile', () => {
  let dockerfile: string;
  before(async () => {
    dockerfile = await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  });

  it('runs on a Node LTS line (even major), as a non-root user, with a health check', () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    assert.ok(bases.length > 0);
    for (const major of bases) assert.ok(major >= 22 && major % 2 === 0, `node:${major} is not a supported LTS line`);
    const user = [...dockerfile.matchAll(/^USER (\S+)/gm)].at(-1)?.[1];
    assert.ok(user && user !== 'root' && user !== '0', 'the final stage must run as a non-root user');
    assert.match(
      dockerfile,
      /^HEALTHCHECK .*CMD \["node", "scripts\/healthcheck\.js", "http:\/\/127\.0\.0\.1:8080\/healthz"\]/ms,
    );
  });

  it('ships the prebuilt workflow bundle and points workers at it', () => {
    const bundle = /RUN node --import tsx scripts\/bundle-workflows\.ts (\S+)/.exec(dockerfile)?.[1];
    assert.ok(bundle, 'the image builds the workflow bundle');
    assert.match(dockerfile, new RegExp(`LLM_CASCADE_WORKFLOW_BUNDLE=/app/${bundle.replace(/[.]/g, '\\.')}`));
  });

  it('keeps .env out of the build context', async () => {
    const ignored = (await readFile(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    assert.ok(ignored.includes('.env'));
    assert.ok(ignored.includes('node_modules'));
  });
});
