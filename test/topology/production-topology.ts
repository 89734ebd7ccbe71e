/**
 * The production topology, run for real on one machine: PostgreSQL (Debian's package), the full
 * Temporal server built from Go modules on it, one API process and two worker processes started
 * as `npm run api` and `npm run worker` start them, and the simulated providers with latency. A
 * durability scenario runs across them: every request in flight, one worker SIGKILLed, the
 * Temporal server restarted; then everything must complete with nothing lost and no answered model
 * call made again (the simulator's call log tells), and `cascade report` and the roles' Prometheus
 * metrics must agree on the totals. Shared by the test (`test/production-topology.test.ts`) and
 * `npm run topology`, which writes the figures to `reports/production-topology.json`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { cascadeDataConverter } from '../../client/cascade-data-converter';
import { CascadeClient } from '../../client/cascade-client';
import { parseConfig } from '../../core/config';
import { type CascadeResult } from '../../core/result';
import { pointConfigAtSimulator, simulatorEnv } from '../../simulator/demo-mode';
import { freePort } from '../../lib/dev-server';
import { PROJECT_ROOT } from '../../config/load-config';
import { ensurePostgres, startPostgres, type PostgresServer } from '../../lib/postgres';
import { startTiedProcess, waitForProcess, type TiedProcess } from '../../lib/tied-process';
import { NAMESPACE_RETENTION_DAYS, startTemporalCluster, type TemporalCluster } from '../../lib/temporal-cluster';
import { ensureTemporalCli } from '../../lib/temporal-cli';
import { ensureTemporalServer, type TemporalServerInstall } from '../../lib/temporal-server';
import { startSimulator, type CallRecord, type SimulatorHandle, type SimulatorScriptInput } from '../../simulator';
import { type LatencySpec } from '../../simulator/simulator-script';
import { heldModelScript } from '../helpers/held-model-script';
import { bundleWorkflows } from '../../worker/create-worker';
import { runCascadeCli } from '../helpers/cascade-cli';
import { threeTierConfig } from '../helpers/engine';
import { workflowTaskFailures } from '../helpers/histories';
import { eventually } from '../helpers/simulated-cascade';
import { answersPaidTwice, completedCallsRepeated, isAnswered, requestIdOf } from '../durability/call-log-analysis';
import { DURABILITY_RESILIENCE, durabilityModels } from '../durability/harness';
import { invoiceRequest } from '../durability/scenarios';
import { scrapeTotals, type MetricTotals } from './metric-totals';
import { collectResults } from '../helpers/collect-results';
import { scrapeCounterTotal } from '../helpers/prometheus-counter';

/** The figures `npm run topology` writes and the README quotes; the test requires the must-be-zero ones at 0. */
export interface TopologyFigures {
  requests: number;
  completed: number;
  lost: number;
  duplicateRuns: number;
  modelCalls: number;
  /** Calls made again after the same call (model and request body) had been answered. */
  completedCallsRepeated: number;
  answersPaidTwice: number;
  workflowTaskFailures: number;
  workerKills: number;
  serverRestarts: number;
  /** In-flight model calls the worker's SIGKILL cut off (the only calls that may be made again). */
  callsCutByKill: number;
  /** Model calls in flight on the surviving worker while the server was down. */
  callsInFlightAtRestart: number;
  /** Activities the server started eagerly (handed back with a workflow task completion), both runs of it. */
  eagerActivities: number;
}

export interface TopologyDurations {
  postgresStartMs: number;
  /** Schema setup, first server start and namespace registration. */
  temporalSetupMs: number;
  serverStartMs: number;
  /** From SIGTERM to the server answering again. */
  serverRestartDownMs: number;
  serverRestartStartMs: number;
  rolesStartMs: number;
  /** From the first submission to the last result. */
  requestsMs: number;
  totalMs: number;
}

export interface TopologyReport {
  generatedAt: string;
  versions: { temporalServer: string; postgres: number; node: string };
  /** Whether this run built the Temporal server or found it cached, and how long a build took. */
  temporalServer: { source: TemporalServerInstall['source']; buildMs?: number };
  topology: { api: number; workers: number; namespaceRetentionDays: number };
  figures: TopologyFigures;
  durations: TopologyDurations;
  /** What `cascade report --json` says, what the API's and workers' metrics add up to, what the providers answered. */
  totals: { report: ReportTotals; metrics: MetricTotals; callLog: CallLogTotals };
  /** Every broken expectation, one line each; empty when the scenario held. */
  violations: string[];
}

/** The answered calls in the simulated providers' log, and the tokens they answered with. */
export interface CallLogTotals {
  answered: number;
  tokens: { input: number; output: number };
}

/** The report's figures the metrics are compared with. */
export interface ReportTotals {
  requests: number;
  completed: number;
  outcomes: Record<string, number>;
  costUsd: number;
  savedUsd: number;
  escalated: number;
  escalationsByCheck: Record<string, number>;
}

export interface TopologyOptions {
  /** How many requests are in flight when the worker is killed (all of them). */
  requests: number;
  /** A prebuilt workflow bundle for the workers (the test run's); otherwise bundled here. */
  bundlePath?: string;
  /** The Temporal CLI (the test run's); otherwise `ensureTemporalCli`. */
  cliPath?: string;
  /** Progress lines for a person watching. */
  log?: (line: string) => void;
  /** How long to wait for each stage before calling it failed (generous: CI boxes are slow). */
  stageTimeoutMs?: number;
}

/** Where a request is held when the worker dies: on its last model, after climbing to it. */
const GROUPS = ['small', 'mid', 'frontier'] as const;
type Group = (typeof GROUPS)[number];
const HELD_MODEL: Record<Group, string> = { small: 'sim-small', mid: 'sim-mid', frontier: 'sim-frontier' };
const EXPECTED: Record<Group, { finalModel: string; escalations: number }> = {
  small: { finalModel: 'small', escalations: 0 },
  mid: { finalModel: 'mid', escalations: 1 },
  frontier: { finalModel: 'frontier', escalations: 2 },
};
/** The checks that send each group up a tier: broken JSON on the small tier, wrong facts on the mid tier. */
const ESCALATIONS_BY_CHECK = (groupCounts: Record<Group, number>) => ({
  json_schema: groupCounts.mid + groupCounts.frontier,
  ground_truth: groupCounts.frontier,
});

const STEP_LATENCY: LatencySpec = { type: 'uniform', minMs: 200, maxMs: 1200 };
/**
 * The last call of every request is held until the scenario releases it, after the kill and the
 * restart: all of them are in flight through both, however long a loaded machine takes to get there.
 */
const HELD_LATENCY: LatencySpec = { type: 'until_released' };
/**
 * Longer than the server's downtime, so the surviving worker's calls are not timed out and made
 * again while it is down; the killed worker's calls are retried once it has passed.
 */
const HEARTBEAT_TIMEOUT_MS = 30_000;

function script(held: LatencySpec): SimulatorScriptInput {
  return heldModelScript({ seed: 29, latency: STEP_LATENCY, held });
}

/** A role process: the project's own entry point under tsx, as `npm run api` / `npm run worker` run it. */
interface RoleProcess {
  name: string;
  child: TiedProcess;
  metricsUrl: string;
  /** The API's `/metrics` is behind its key, like every data route; a worker's metrics port is not. */
  apiKey?: string;
}

const ROLE_ENTRIES = { api: path.join('api', 'main.ts'), worker: path.join('worker', 'main.ts') } as const;

/** Everything the scenario started, stopped in reverse order by `close`, whatever happened. */
class Resources {
  private readonly cleanups: Array<() => Promise<unknown>> = [];
  add(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }
  async close(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => {});
  }
}

export async function runProductionTopology(options: TopologyOptions): Promise<TopologyReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const stageTimeoutMs = options.stageTimeoutMs ?? 180_000;
  const resources = new Resources();
  try {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-topology-'));
    resources.add(() => rm(workDir, { recursive: true, force: true }));

    // The database and the server: installed and built once per machine, then cached.
    const install = await ensureTemporalServer({ log });
    const postgresInstall = await ensurePostgres({ log });
    let mark = Date.now();
    const postgres: PostgresServer = await startPostgres({ install: postgresInstall });
    resources.add(() => postgres.stop());
    const postgresStartMs = Date.now() - mark;
    log(`PostgreSQL ${postgresInstall.version} on 127.0.0.1:${postgres.port} (${postgresStartMs} ms)`);

    mark = Date.now();
    const cliPath = options.cliPath ?? (await ensureTemporalCli({ log })).path;
    const cluster: TemporalCluster = await startTemporalCluster({ install, postgres, cliPath });
    resources.add(() => cluster.close());
    const temporalSetupMs = Date.now() - mark;
    const serverStartMs = cluster.lastStartMs;
    log(
      `Temporal server ${install.version} on ${cluster.address}: schema, start and namespace in ${temporalSetupMs} ms`,
    );

    const connection = await Connection.connect({ address: cluster.address });
    resources.add(() => connection.close());
    const client = new Client({ connection, namespace: cluster.namespace, dataConverter: cascadeDataConverter() });
    const violations: string[] = [];
    const { config: namespaceConfig } = await connection.workflowService.describeNamespace({
      namespace: cluster.namespace,
    });
    const retentionDays = Number(namespaceConfig?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86_400;
    if (retentionDays !== NAMESPACE_RETENTION_DAYS)
      violations.push(`namespace retention is ${retentionDays} days, expected ${NAMESPACE_RETENTION_DAYS}`);

    // The simulated providers, in this process so their call log sees every call the workers make.
    const simulator = await startSimulator({ script: script(HELD_LATENCY) });
    resources.add(() => simulator.stop());
    const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const config = pointConfigAtSimulator(
      parseConfig(
        threeTierConfig({
          taskQueue: `topology-${runId}`,
          models: durabilityModels(),
          resilience: { ...DURABILITY_RESILIENCE, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS },
        }),
      ),
      simulator,
    );
    const configPath = path.join(workDir, 'config.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const bundlePath = options.bundlePath ?? path.join(workDir, 'workflow-bundle.js');
    if (!options.bundlePath) await writeFile(bundlePath, (await bundleWorkflows()).code);

    // The roles: `cascade setup` once, then two workers and one API, each its own process.
    mark = Date.now();
    const apiKey = randomBytes(16).toString('hex');
    const roleEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...simulatorEnv(),
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      LLM_CASCADE_CONFIG: configPath,
      LLM_CASCADE_WORKFLOW_BUNDLE: bundlePath,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    };
    await cascadeSetup(cluster, configPath);
    const workers: RoleProcess[] = [];
    for (const name of ['worker-1', 'worker-2']) {
      const worker = await startWorker({ name, env: roleEnv, workDir, timeoutMs: stageTimeoutMs });
      resources.add(() => worker.child.stop());
      workers.push(worker);
    }
    const api = await startApi({
      env: { ...roleEnv, LLM_CASCADE_API_KEYS: apiKey },
      workDir,
      timeoutMs: stageTimeoutMs,
    });
    resources.add(() => api.role.child.stop());
    const rolesStartMs = Date.now() - mark;
    log(`API on ${api.url}, ${workers.length} workers polling (${rolesStartMs} ms)`);

    // Every request submitted through the API, each held on its last model.
    const cascades = new CascadeClient({ client, taskQueue: config.taskQueue, config });
    const requests = Array.from({ length: options.requests }, (_, n) => {
      const group = GROUPS[n % GROUPS.length]!;
      return { group, request: invoiceRequest(`topology-${runId}-${n}`, `group=${group}`, n) };
    });
    const submittedAt = Date.now();
    for (let i = 0; i < requests.length; i += 10)
      await Promise.all(requests.slice(i, i + 10).map(({ request }) => api.submit(request)));
    log(`${requests.length} requests submitted through the API`);
    await everyRequestHeld(simulator, requests, stageTimeoutMs);
    log(`all ${requests.length} requests in flight, each waiting on its last model call`);

    // Prometheus keeps a dead instance's last scrape; so does this: the killed worker's final counts.
    const lastScrape = new Map<string, string>();
    for (const role of [api.role, ...workers]) lastScrape.set(role.name, await scrape(role));

    const victim = workers[0]!;
    const inFlightAtKill = simulator.callLog.list({ state: 'in_flight' }).map((call) => call.id);
    await victim.child.stop({ signal: 'SIGKILL' });
    // The kernel closes the dead worker's sockets; the simulator sees its calls end, unanswered.
    const cutCalls = () => inFlightAtKill.filter((id) => simulator.callLog.get(id)?.state === 'aborted').length;
    await eventually(() => (cutCalls() > 0 ? true : undefined), `the kill of ${victim.name} to cut a call`, 30_000, 50);
    // Retries of the cut calls answer in normal time; the survivor's held calls stay held.
    simulator.setScript(script(STEP_LATENCY));

    // The server's counters start again at its restart: read them before it.
    const eagerBeforeRestart = await serverEagerActivities(cluster.metricsUrl);
    mark = Date.now();
    await cluster.stop();
    await cluster.start();
    const serverRestartDownMs = Date.now() - mark;
    // Seconds after the kill its calls have all ended; the survivor's were held, in flight, all along.
    const callsCutByKill = cutCalls();
    const callsInFlightAtRestart = inFlightAtKill.filter(
      (id) => simulator.callLog.get(id)?.state === 'in_flight',
    ).length;
    log(
      `${victim.name} SIGKILLed with ${inFlightAtKill.length} calls in flight, ${callsCutByKill} of them its own; ` +
        `Temporal server restarted, down ${serverRestartDownMs} ms with ${callsInFlightAtRestart} calls in flight`,
    );
    if (callsInFlightAtRestart === 0) violations.push('the server restarted with no model call in flight');
    // Now the survivor's calls answer, into a server that went down and came back while they ran.
    const released = simulator.release();
    if (released !== callsInFlightAtRestart)
      violations.push(`released ${released} held calls, expected the survivor's ${callsInFlightAtRestart}`);

    const { results, missing } = await collectResults(
      cascades,
      requests.map((r) => r.request.id),
      stageTimeoutMs + HEARTBEAT_TIMEOUT_MS,
    );
    const requestsMs = Date.now() - submittedAt;
    log(`${results.size} of ${requests.length} requests completed (${requestsMs} ms after the first submission)`);
    for (const [id, why] of missing) violations.push(`${id}: lost (${why})`);

    const calls = simulator.callLog.list();
    for (const { group, request } of requests) {
      const result = results.get(request.id);
      if (result) expectResult(violations, request.id, result, EXPECTED[group]);
      const answered = calls.filter(
        (c) => c.model === HELD_MODEL[group] && requestIdOf(c) === request.id && isAnswered(c),
      ).length;
      if (answered !== 1) violations.push(`${request.id}: ${answered} answered ${HELD_MODEL[group]} calls, expected 1`);
    }
    const repeated = completedCallsRepeated(calls);
    for (const r of repeated)
      violations.push(`${r.requestId}: ${r.model} call ${r.repeated} repeats ${r.answeredBy}, which had been answered`);
    const paidTwice = answersPaidTwice(calls);
    for (const r of paidTwice) violations.push(`${r.requestId}: ${r.model} answered twice`);

    const ids = requests.map((r) => r.request.id);
    const duplicateRuns = await countDuplicateRuns(client, config.taskQueue, ids, violations);
    let taskFailures = 0;
    for (const id of ids) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      for (const message of workflowTaskFailures(history)) {
        taskFailures++;
        violations.push(`${id}: workflow task failed: ${message}`);
      }
    }

    // What an operator reads: the report from Temporal's visibility, and the metrics of every role.
    const report = await cascadeReport(cluster);
    for (const role of [api.role, ...workers.slice(1)]) lastScrape.set(role.name, await scrape(role));
    const metrics = scrapeTotals([...lastScrape.values()]);
    const answeredCalls = calls.filter(isAnswered);
    const callLog = { answered: answeredCalls.length, tokens: tokensOf(answeredCalls) };
    const groupCounts = Object.fromEntries(
      GROUPS.map((g) => [g, requests.filter((r) => r.group === g).length]),
    ) as Record<Group, number>;
    compareTotals(violations, report, metrics, {
      requests: requests.length,
      escalationsByCheck: ESCALATIONS_BY_CHECK(groupCounts),
      callLog,
    });

    // The server reads llm-cascade's dynamic config file (lib/server-dynamic-config.ts): model calls
    // a workflow task schedules are handed straight back to the worker that completed it.
    const eagerActivities = eagerBeforeRestart + (await serverEagerActivities(cluster.metricsUrl));
    if (eagerActivities === 0)
      violations.push('the server dispatched no activity eagerly (activity_eager_execution stayed at 0)');

    return {
      generatedAt: new Date().toISOString(),
      versions: { temporalServer: install.version, postgres: postgresInstall.version, node: process.version },
      temporalServer: {
        source: install.source,
        ...(install.buildMs !== undefined ? { buildMs: install.buildMs } : {}),
      },
      topology: { api: 1, workers: workers.length, namespaceRetentionDays: NAMESPACE_RETENTION_DAYS },
      figures: {
        requests: requests.length,
        completed: results.size,
        lost: missing.size,
        duplicateRuns,
        modelCalls: calls.length,
        completedCallsRepeated: repeated.length,
        answersPaidTwice: paidTwice.length,
        workflowTaskFailures: taskFailures,
        workerKills: 1,
        serverRestarts: 1,
        callsCutByKill,
        callsInFlightAtRestart,
        eagerActivities,
      },
      durations: {
        postgresStartMs,
        temporalSetupMs,
        serverStartMs,
        serverRestartDownMs,
        serverRestartStartMs: cluster.lastStartMs,
        rolesStartMs,
        requestsMs,
        totalMs: Date.now() - started,
      },
      totals: { report, metrics, callLog },
      violations,
    };
  } finally {
    await resources.close();
  }
}

/** The server's count of activities it started eagerly since it (re)started, from its own metrics. */
function serverEagerActivities(metricsUrl: string): Promise<number> {
  return scrapeCounterTotal(metricsUrl, 'activity_eager_execution');
}

/** `cascade setup` against the cluster, as an operator runs it: registers the search attributes. */
async function cascadeSetup(cluster: TemporalCluster, configPath: string): Promise<void> {
  const run = await runCascadeCli(['setup', '--address', cluster.address, '--namespace', cluster.namespace], {
    env: { LLM_CASCADE_CONFIG: configPath },
  });
  if (run.code !== 0) throw new Error(`cascade setup failed (exit ${run.code}):\n${run.stderr}${run.stdout}`);
}

/** `cascade report --json` for the last hour (everything this run started). */
async function cascadeReport(cluster: TemporalCluster): Promise<ReportTotals> {
  const run = await runCascadeCli([
    'report',
    '--since',
    '1h',
    '--json',
    '--address',
    cluster.address,
    '--namespace',
    cluster.namespace,
  ]);
  if (run.code !== 0) throw new Error(`cascade report failed (exit ${run.code}):\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as {
    requests: number;
    outcomes: Record<string, number>;
    totals: { completed: number; costUsd: number; savedUsd: number; escalated: number };
    checks: Array<{ check: string; failures: number }>;
  };
  return {
    requests: report.requests,
    completed: report.totals.completed,
    outcomes: report.outcomes,
    costUsd: report.totals.costUsd,
    savedUsd: report.totals.savedUsd,
    escalated: report.totals.escalated,
    escalationsByCheck: Object.fromEntries(report.checks.map((c) => [c.check, c.failures])),
  };
}

async function startWorker(options: {
  name: string;
  env: NodeJS.ProcessEnv;
  workDir: string;
  timeoutMs: number;
}): Promise<RoleProcess> {
  const metricsPort = await freePort();
  let polling = false;
  const child = startTiedProcess(process.execPath, {
    args: ['--import', 'tsx', path.join(PROJECT_ROOT, ROLE_ENTRIES.worker)],
    cwd: PROJECT_ROOT,
    env: { ...options.env, LLM_CASCADE_METRICS_PORT: String(metricsPort) },
    logFile: path.join(options.workDir, `${options.name}.log`),
    onLine: (line) => {
      if (line.includes('"worker polling"')) polling = true;
    },
  });
  await waitForProcess(child, options.name, async () => polling, options.timeoutMs);
  return { name: options.name, child, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

async function startApi(options: { env: NodeJS.ProcessEnv; workDir: string; timeoutMs: number }): Promise<{
  role: RoleProcess;
  url: string;
  submit(request: Record<string, unknown>): Promise<void>;
}> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiKey = options.env.LLM_CASCADE_API_KEYS!;
  const child = startTiedProcess(process.execPath, {
    args: ['--import', 'tsx', path.join(PROJECT_ROOT, ROLE_ENTRIES.api)],
    cwd: PROJECT_ROOT,
    env: { ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    logFile: path.join(options.workDir, 'api.log'),
  });
  // Ready: Temporal reachable and workers polling the task queue (`/readyz` needs no key).
  await waitForProcess(child, 'the API', async () => (await fetch(`${url}/readyz`)).ok, options.timeoutMs);
  return {
    role: { name: 'api', child, metricsUrl: `${url}/metrics`, apiKey },
    url,
    async submit(request) {
      const response = await fetch(`${url}/v1/cascades`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      if (response.status !== 202) throw new Error(`POST /v1/cascades: ${response.status} ${await response.text()}`);
    },
  };
}

async function scrape(role: RoleProcess): Promise<string> {
  const response = await fetch(role.metricsUrl, {
    ...(role.apiKey ? { headers: { authorization: `Bearer ${role.apiKey}` } } : {}),
  });
  if (!response.ok) throw new Error(`${role.name} ${role.metricsUrl}: ${response.status}`);
  return response.text();
}

/** Resolves once every request has its held call in flight: nothing else is, so the kill cuts only unanswered calls. */
async function everyRequestHeld(
  simulator: SimulatorHandle,
  requests: ReadonlyArray<{ group: Group; request: { id: string } }>,
  timeoutMs: number,
): Promise<void> {
  const isHeld = (call: CallRecord, r: (typeof requests)[number]) =>
    call.model === HELD_MODEL[r.group] && requestIdOf(call) === r.request.id;
  try {
    await simulator.callLog.waitFor(
      { state: 'in_flight' },
      (inFlight) => requests.every((r) => inFlight.some((call) => isHeld(call, r))),
      timeoutMs,
    );
  } catch {
    const calls = simulator.callLog.list();
    const lagging = requests.filter((r) => !calls.some((call) => call.state === 'in_flight' && isHeld(call, r)));
    const where = lagging.slice(0, 5).map(
      (r) =>
        `${r.request.id} (${r.group}): ${
          calls
            .filter((c) => requestIdOf(c) === r.request.id)
            .map((c) => `${c.model} ${c.state} ${c.status ?? ''}`.trim())
            .join(', ') || 'no call yet'
        }`,
    );
    throw new Error(
      `${lagging.length} of ${requests.length} requests had not reached their last model call ` +
        `${timeoutMs / 1000} s after the last submission: ${where.join('; ')}`,
    );
  }
}

function expectResult(
  violations: string[],
  id: string,
  result: CascadeResult,
  expected: { finalModel: string; escalations: number },
): void {
  const problems: string[] = [];
  if (result.outcome !== 'accepted') problems.push(`outcome ${result.outcome} (${result.outcomeReason})`);
  if (result.finalModel !== expected.finalModel) problems.push(`final model ${result.finalModel}`);
  if (result.escalations !== expected.escalations) problems.push(`${result.escalations} escalations`);
  if (problems.length > 0) violations.push(`${id}: expected ${JSON.stringify(expected)}, got ${problems.join(', ')}`);
}

/** Workflow runs beyond one per request id, from visibility (which lags a little behind). */
async function countDuplicateRuns(
  client: Client,
  taskQueue: string,
  ids: readonly string[],
  violations: string[],
): Promise<number> {
  const runs = await eventually(
    async () => {
      const counts = new Map<string, number>();
      for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
        counts.set(execution.workflowId, (counts.get(execution.workflowId) ?? 0) + 1);
      return ids.every((id) => counts.has(id)) ? counts : undefined;
    },
    'visibility to list every request',
    30_000,
    500,
  );
  let duplicates = 0;
  for (const id of ids) {
    const count = runs.get(id) ?? 0;
    if (count > 1) {
      duplicates += count - 1;
      violations.push(`${id}: ${count} workflow runs for one request`);
    }
  }
  return duplicates;
}

/** The report and the metrics must tell the same story, and both the one this run wrote. */
function compareTotals(
  violations: string[],
  report: ReportTotals,
  metrics: MetricTotals,
  expected: { requests: number; escalationsByCheck: Record<string, number>; callLog: CallLogTotals },
): void {
  const same = (what: string, a: number, b: number, tolerance = 0) => {
    if (Math.abs(a - b) > tolerance) violations.push(`${what}: report ${a}, metrics ${b}`);
  };
  if (report.requests !== expected.requests)
    violations.push(`report: ${report.requests} requests, expected ${expected.requests}`);
  same('requests submitted', report.requests, metrics.submitted);
  same('cascades completed', report.completed, metrics.completed);
  for (const outcome of new Set([...Object.keys(report.outcomes), ...Object.keys(metrics.outcomes)]))
    same(`outcome ${outcome}`, report.outcomes[outcome] ?? 0, metrics.outcomes[outcome] ?? 0);
  // USD sums: the report rounds to micro-dollars, the counters add floats.
  same('cost USD', report.costUsd, metrics.costUsd, 1e-5);
  same('saved USD', report.savedUsd, metrics.savedUsd, 1e-5);
  // The providers' side: every answered call's tokens were counted by the worker that made it, once.
  const { callLog } = expected;
  for (const direction of ['input', 'output'] as const)
    if (metrics.tokens[direction] !== callLog.tokens[direction])
      violations.push(
        `${direction} tokens: call log ${callLog.tokens[direction]}, metrics ${metrics.tokens[direction]}`,
      );
  for (const [check, count] of Object.entries(expected.escalationsByCheck)) {
    if ((report.escalationsByCheck[check] ?? 0) !== count)
      violations.push(`report: ${report.escalationsByCheck[check] ?? 0} ${check} escalations, expected ${count}`);
    same(`${check} escalations`, report.escalationsByCheck[check] ?? 0, metrics.escalationsByCheck[check] ?? 0);
  }
}

/** Writes the report where the README's figures come from (`reports/` is not committed). */
export async function writeTopologyReport(
  report: TopologyReport,
  file = path.join(PROJECT_ROOT, 'reports', 'production-topology.json'),
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** Tokens as the simulated providers reported them in their answers (Anthropic's or OpenAI's wire shape). */
function tokensOf(calls: readonly CallRecord[]): CallLogTotals['tokens'] {
  const tokens = { input: 0, output: 0 };
  for (const call of calls) {
    const usage = (call.responseBody as { usage?: Record<string, number> } | null)?.usage ?? {};
    tokens.input += usage.input_tokens ?? usage.prompt_tokens ?? 0;
    tokens.output += usage.output_tokens ?? usage.completion_tokens ?? 0;
  }
  return tokens;
}
