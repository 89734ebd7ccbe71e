/**
 * The durability scenarios, shared by the test suite (`test/durability/*.test.ts`, CI-sized) and
 * `npm run soak` (the long version). Each drives real processes (the worker as a child process,
 * a Temporal dev server, the simulated providers), then measures what happened from the outside:
 * the results, the simulator's call log and the workflow histories. A scenario never asserts; it
 * returns figures and a list of violations, and the test and the soak both require that list empty.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { cascadeDataConverter } from '../../client/cascade-data-converter';
import { type CascadeResult } from '../../core/result';
import { type CallRecord, type SimulatorScriptInput } from '../../simulator';
import { type LatencySpec } from '../../simulator/simulator-script';
import { heldModelScript } from '../helpers/held-model-script';
import { recordHistories, workflowTaskFailures } from '../helpers/histories';
import { eventually } from '../helpers/simulated-cascade';
import {
  answersPaidTwice,
  completedCallsRepeated,
  isAnswered,
  requestIdOf,
  requestTag,
  retriesBeforeRetryAfter,
  retryAfterMsOf,
} from './call-log-analysis';
import {
  callsCutByKill,
  DURABILITY_RESILIENCE,
  durabilityModels,
  openScenarioRig,
  startOwnServer,
  type DurabilityContext,
  type ScenarioRig,
} from './harness';
import { collectResults } from '../helpers/collect-results';

/** The figures every scenario reports; the soak prints their sums. Loss and duplication must be 0. */
export interface DurabilityFigures {
  requests: number;
  /** Requests with a result (any outcome). */
  completed: number;
  /** Requests without a result when the scenario gave up waiting. */
  lost: number;
  /** Workflow runs beyond one per request id. */
  duplicateRuns: number;
  kills: number;
  restarts: number;
  modelCalls: number;
  /** Calls made again after the same call (model and request body) had been answered. */
  completedCallsRepeated: number;
  /** Answers received more than once for the same call: paid twice. */
  answersPaidTwice: number;
  /** Retries sooner than the provider's `retry-after` allowed. */
  retriesBeforeRetryAfter: number;
  /** WorkflowTaskFailed events across the scenario's histories. */
  workflowTaskFailures: number;
}

export interface ScenarioReport {
  scenario: string;
  figures: DurabilityFigures;
  /** Numbers particular to the scenario (e.g. how many requests failed over). */
  details: Record<string, number>;
  /** Every broken expectation, one readable line each; empty when the scenario held. */
  violations: string[];
  results: Map<string, CascadeResult>;
  calls: CallRecord[];
  durationMs: number;
  /** Histories written to `test/histories/` (when recording). */
  recorded: string[];
}

export interface ScenarioOptions {
  /** Write representative histories to `test/histories/`. */
  recordHistories?: boolean;
  /** Progress lines for a person watching (the soak); tests leave it unset. */
  log?: (line: string) => void;
}

const INVOICE_SCHEMA = {
  type: 'object',
  properties: { invoice_number: { type: 'string' }, total: { type: 'number' }, customer: { type: 'string' } },
  required: ['invoice_number', 'total', 'customer'],
};

/**
 * An extraction request whose prompt is unique (the request tag), so the call log can tell its calls
 * from every other request's. `marker` is what the simulator script's rules match on.
 */
export function invoiceRequest(id: string, marker: string, n: number, extra: Record<string, unknown> = {}) {
  const total = 100 + n + 0.5;
  return {
    id,
    prompt: `${requestTag(id)} ${marker}\nExtract the invoice fields as JSON.\ninvoice_number: INV-${n}\ntotal: ${total}\ncustomer: Customer ${n}`,
    taskType: 'extraction',
    schema: INVOICE_SCHEMA,
    groundTruth: { invoice_number: `INV-${n}`, total },
    ...extra,
  };
}

function plainRequest(id: string, marker: string, taskType: string) {
  return { id, prompt: `${requestTag(id)} ${marker}\nSay hello to request ${id}.`, taskType };
}

function runId(): string {
  return `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

async function submitAll(rig: ScenarioRig, requests: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  // A few at a time: a burst of 50 starts is fine for Temporal, but a loaded CI box times out less this way.
  for (let i = 0; i < requests.length; i += 10)
    await Promise.all(requests.slice(i, i + 10).map((request) => rig.cascades.submit(request)));
}

/** Workflow runs per request id on the rig's task queue, from visibility (which lags a little). */
async function runsPerId(client: Client, taskQueue: string, ids: readonly string[]): Promise<Map<string, number>> {
  const count = async () => {
    const runs = new Map<string, number>();
    for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      runs.set(execution.workflowId, (runs.get(execution.workflowId) ?? 0) + 1);
    }
    return runs;
  };
  try {
    return await eventually(
      async () => {
        const runs = await count();
        return ids.every((id) => runs.has(id)) ? runs : undefined;
      },
      'visibility to list every request',
      20_000,
      500,
    );
  } catch {
    return count();
  }
}

interface Finish {
  scenario: string;
  started: number;
  rig: ScenarioRig;
  client: Client;
  ids: string[];
  results: Map<string, CascadeResult>;
  missing: Map<string, string>;
  kills?: number;
  restarts?: number;
  details?: Record<string, number>;
  violations?: string[];
  /** Workflows whose histories are kept for replay, by label. */
  keep: Array<{ label: string; workflowId: string }>;
  options: ScenarioOptions;
}

/**
 * What every scenario checks the same way: nothing lost, one run per request, no answered call made
 * again or paid twice, no retry before `retry-after`, no workflow task failure.
 */
async function finish(run: Finish): Promise<ScenarioReport> {
  const calls = run.rig.simulator.callLog.list();
  const violations = [...(run.violations ?? [])];
  for (const [id, why] of run.missing) violations.push(`${id}: lost (${why})`);

  const runs = await runsPerId(run.client, run.rig.config.taskQueue, run.ids);
  let duplicateRuns = 0;
  for (const id of run.ids) {
    const count = runs.get(id) ?? 0;
    if (count > 1) {
      duplicateRuns += count - 1;
      violations.push(`${id}: ${count} workflow runs for one request`);
    }
  }

  const repeated = completedCallsRepeated(calls);
  for (const r of repeated)
    violations.push(`${r.requestId}: ${r.model} call ${r.repeated} repeats ${r.answeredBy}, which had been answered`);
  const paidTwice = answersPaidTwice(calls);
  for (const r of paidTwice)
    violations.push(`${r.requestId}: ${r.model} answered twice (${r.answeredBy}, ${r.repeated})`);
  const early = retriesBeforeRetryAfter(calls);
  for (const e of early)
    violations.push(
      `${e.requestId}: ${e.model} call ${e.call} came ${e.waitedMs} ms after ${e.after}, before its retry-after of ${e.retryAfterMs} ms`,
    );

  let taskFailures = 0;
  for (const id of run.ids) {
    const history = await run.client.workflow
      .getHandle(id)
      .fetchHistory()
      .catch(() => undefined);
    if (!history) continue;
    const failures = workflowTaskFailures(history);
    taskFailures += failures.length;
    for (const message of failures) violations.push(`${id}: workflow task failed: ${message}`);
  }

  const recorded = run.options.recordHistories
    ? await recordHistories(
        run.client,
        run.keep.filter((k) => run.results.has(k.workflowId)),
      )
    : [];
  return {
    scenario: run.scenario,
    figures: {
      requests: run.ids.length,
      completed: run.results.size,
      lost: run.missing.size,
      duplicateRuns,
      kills: run.kills ?? 0,
      restarts: run.restarts ?? 0,
      modelCalls: calls.length,
      completedCallsRepeated: repeated.length,
      answersPaidTwice: paidTwice.length,
      retriesBeforeRetryAfter: early.length,
      workflowTaskFailures: taskFailures,
    },
    details: run.details ?? {},
    violations,
    results: run.results,
    calls,
    durationMs: Date.now() - run.started,
    recorded,
  };
}

/** Checks a result against what its request should have ended as. */
function expectResult(
  violations: string[],
  id: string,
  result: CascadeResult | undefined,
  expected: { outcome: string; finalModel?: string; escalations?: number },
): void {
  if (!result) return;
  const problems: string[] = [];
  if (result.outcome !== expected.outcome) problems.push(`outcome ${result.outcome} (${result.outcomeReason})`);
  if (expected.finalModel !== undefined && result.finalModel !== expected.finalModel)
    problems.push(`final model ${result.finalModel}`);
  if (expected.escalations !== undefined && result.escalations !== expected.escalations)
    problems.push(`${result.escalations} escalations`);
  if (problems.length > 0) violations.push(`${id}: expected ${JSON.stringify(expected)}, got ${problems.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: a worker killed, or the server restarted, while requests are in flight
// ---------------------------------------------------------------------------------------------

/** Where a request of the batch is when the disruption comes. */
const BATCH_GROUPS = ['done', 'small', 'mid', 'frontier'] as const;
type BatchGroup = (typeof BATCH_GROUPS)[number] | 'queued';

/** The model a group's request is waiting on at the disruption (none for finished or queued ones). */
const HELD_MODEL: Record<BatchGroup, string | undefined> = {
  done: undefined,
  queued: undefined,
  small: 'sim-small',
  mid: 'sim-mid',
  frontier: 'sim-frontier',
};
const EXPECTED: Record<BatchGroup, { finalModel: string; escalations: number }> = {
  done: { finalModel: 'small', escalations: 0 },
  queued: { finalModel: 'small', escalations: 0 },
  small: { finalModel: 'small', escalations: 0 },
  mid: { finalModel: 'mid', escalations: 1 },
  frontier: { finalModel: 'frontier', escalations: 2 },
};

const MODEL_LATENCY: LatencySpec = { type: 'uniform', minMs: 200, maxMs: 1200 };
/** A generation still running when the worker dies: five minutes, far beyond the scenario. */
const HELD_UNTIL_KILLED: LatencySpec = { type: 'fixed', ms: 300_000 };
/** A slow generation that outlasts the server's restarts (about 3 s down each): some answer while it is down, most after. */
function heldAcrossRestarts(restarts: number): LatencySpec {
  return { type: 'fixed', ms: 10_000 * restarts };
}

/** The scenarios' models: see `heldModelScript`. */
function batchScript(held: LatencySpec): SimulatorScriptInput {
  return heldModelScript({ seed: 11, latency: MODEL_LATENCY, held });
}

interface Batch {
  requests: Array<{ group: BatchGroup; request: ReturnType<typeof invoiceRequest> }>;
  held: Array<{ group: BatchGroup; request: ReturnType<typeof invoiceRequest> }>;
}

function makeBatch(scenario: string, id: string, count: number, group: (n: number) => BatchGroup, offset = 0): Batch {
  const requests = Array.from({ length: count }, (_, k) => {
    const n = offset + k;
    const g = group(n);
    return { group: g, request: invoiceRequest(`${scenario}-${id}-${n}`, `group=${g}`, n) };
  });
  return { requests, held: requests.filter((r) => HELD_MODEL[r.group] !== undefined) };
}

type Collected = Awaited<ReturnType<typeof collectResults>>;

/** Submits a batch over every group and collects its `done` group, which finishes before the disruption. */
async function submitBatch(
  rig: ScenarioRig,
  scenario: string,
  id: string,
  count: number,
  stageTimeoutMs: number,
  log: (line: string) => void,
): Promise<{ batch: Batch; early: Collected }> {
  const batch = makeBatch(scenario, id, count, (n) => BATCH_GROUPS[n % BATCH_GROUPS.length]!);
  await submitAll(
    rig,
    batch.requests.map((r) => r.request),
  );
  log(`${scenario}: ${batch.requests.length} requests submitted`);
  const early = await collectResults(
    rig.cascades,
    batch.requests.filter((r) => r.group === 'done').map((r) => r.request.id),
    stageTimeoutMs,
  );
  return { batch, early };
}

/** Collects the requests `early` has not, and merges the two. */
async function collectRest(
  rig: ScenarioRig,
  ids: readonly string[],
  early: Collected,
  stageTimeoutMs: number,
): Promise<Collected> {
  const rest = await collectResults(
    rig.cascades,
    ids.filter((i) => !early.results.has(i) && !early.missing.has(i)),
    stageTimeoutMs,
  );
  return {
    results: new Map([...early.results, ...rest.results]),
    missing: new Map([...early.missing, ...rest.missing]),
  };
}

/** Resolves once every held request has a call to its held model in flight that started after `since`. */
async function everyHeldCallInFlight(
  rig: ScenarioRig,
  batch: Batch,
  since: number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const isHeldCall = (call: CallRecord, held: Batch['held'][number]) =>
    call.state === 'in_flight' &&
    call.startedAt >= since &&
    call.model === HELD_MODEL[held.group] &&
    requestIdOf(call) === held.request.id;
  try {
    await rig.simulator.callLog.waitFor(
      { state: 'in_flight' },
      (inFlight) => batch.held.every((held) => inFlight.some((call) => isHeldCall(call, held))),
      timeoutMs,
    );
  } catch (error) {
    // Say where the stragglers are: a stage that never comes is otherwise hard to diagnose.
    const calls = rig.simulator.callLog.list();
    const lagging = batch.held.filter((held) => !calls.some((call) => isHeldCall(call, held))).slice(0, 5);
    const where = lagging.map(
      (held) =>
        `${held.request.id} (${held.group}): ${calls
          .filter((c) => requestIdOf(c) === held.request.id)
          .map((c) => `${c.model} ${c.state} ${c.status ?? ''}`)
          .join(', ')}`,
    );
    throw new Error(`${what}: ${(error as Error).message}; not in flight: ${where.join('; ')}`);
  }
}

/** Every request ended as its group should, and its held model answered it exactly once. */
function expectBatch(
  violations: string[],
  batch: Batch,
  results: Map<string, CascadeResult>,
  calls: readonly CallRecord[],
): void {
  for (const { group, request } of batch.requests) {
    expectResult(violations, request.id, results.get(request.id), { outcome: 'accepted', ...EXPECTED[group] });
    const heldModel = HELD_MODEL[group];
    if (!heldModel) continue;
    const answered = calls.filter(
      (c) => c.model === heldModel && requestIdOf(c) === request.id && isAnswered(c),
    ).length;
    if (answered !== 1) violations.push(`${request.id}: ${answered} answered ${heldModel} calls, expected exactly one`);
  }
}

function batchKeep(scenario: string, batch: Batch): Array<{ label: string; workflowId: string }> {
  return BATCH_GROUPS.flatMap((group) => {
    const first = batch.requests.find((r) => r.group === group);
    return first ? [{ label: `durability-${scenario}-${group}`, workflowId: first.request.id }] : [];
  });
}

export interface WorkerCrashOptions extends ScenarioOptions {
  requests: number;
  /** How many times to SIGKILL the worker; each kill after the first lands on the recovery from the one before. */
  kills: number;
  /** How long to wait for each stage before calling it failed (generous: CI boxes are slow). */
  stageTimeoutMs?: number;
}

/**
 * Requests in flight at every stage of the cascade, the worker SIGKILLed (no shutdown, no drain),
 * a new worker started: every request completes as if nothing had happened; only the calls that
 * were in flight at the kill are made again, never one that had been answered. Requests submitted
 * while no worker runs wait in the task queue.
 */
export async function runWorkerCrash(context: DurabilityContext, options: WorkerCrashOptions): Promise<ScenarioReport> {
  const started = Date.now();
  const scenario = 'worker-crash';
  const log = options.log ?? (() => {});
  const stageTimeoutMs = options.stageTimeoutMs ?? 180_000;
  const id = runId();
  const rig = await openScenarioRig(context, {
    label: scenario,
    script: batchScript(HELD_UNTIL_KILLED),
    // The killed worker's calls are retried once their heartbeat is 5 s overdue. Shorter saves
    // little and fails on a loaded machine: a freshly started worker taking over dozens of calls
    // can stall for 2 s, long enough to look dead, and its answered calls are then made again.
    config: { resilience: { ...DURABILITY_RESILIENCE, maxAttemptsPerModel: 5, heartbeatTimeoutMs: 5000 } },
  });
  try {
    let worker = await rig.startWorker();
    const { batch, early } = await submitBatch(rig, scenario, id, options.requests, stageTimeoutMs, log);
    const queued = makeBatch(
      scenario,
      id,
      Math.max(1, Math.round(options.requests / 10)),
      () => 'queued',
      options.requests,
    );

    let kills = 0;
    let callsCut = 0;
    let since = 0;
    for (let round = 1; round <= options.kills; round++) {
      await everyHeldCallInFlight(
        rig,
        batch,
        since,
        stageTimeoutMs,
        `every held request to be mid-call before kill ${round}`,
      );
      // The last kill releases the held models: the calls made after it answer in normal (slow) time.
      if (round === options.kills) rig.simulator.setScript(batchScript(MODEL_LATENCY));
      const inFlight = rig.simulator.callLog.list({ state: 'in_flight' }).map((c) => c.id);
      since = Date.now();
      await worker.kill();
      kills++;
      callsCut += await callsCutByKill(rig.simulator, inFlight);
      log(`${scenario}: kill ${round}: worker SIGKILLed with ${inFlight.length} model calls in flight`);
      if (round === 1)
        await submitAll(
          rig,
          queued.requests.map((r) => r.request),
        );
      worker = await rig.startWorker();
      log(`${scenario}: kill ${round}: a new worker polls`);
    }

    const all = [...batch.requests, ...queued.requests];
    const ids = all.map((r) => r.request.id);
    const { results, missing } = await collectRest(rig, ids, early, stageTimeoutMs);
    log(`${scenario}: ${results.size} of ${ids.length} requests completed`);

    const calls = rig.simulator.callLog.list();
    const violations: string[] = [];
    expectBatch(violations, { requests: all, held: batch.held }, results, calls);
    for (const { group, request } of batch.held) {
      const made = calls.filter((c) => requestIdOf(c) === request.id && c.model === HELD_MODEL[group]).length;
      // Proof that the kills hit this request mid-call: its held call was made once more per kill.
      if (made < kills + 1) violations.push(`${request.id}: its held call was made ${made} times, so a kill missed it`);
    }
    return await finish({
      scenario,
      started,
      rig,
      client: context.client,
      ids,
      results,
      missing,
      kills,
      details: {
        heldRequests: batch.held.length,
        callsCutByKills: callsCut,
        queuedWhileNoWorker: queued.requests.length,
      },
      violations,
      keep: batchKeep(scenario, batch),
      options,
    });
  } finally {
    await rig.close();
  }
}

export interface ServerRestartOptions extends ScenarioOptions {
  requests: number;
  /** How many times to stop and start the server; each comes 2 s after the one before, all while the held calls run. */
  restarts: number;
  stageTimeoutMs?: number;
}

/**
 * The scenario's own dev server, on a SQLite file, stopped and started again on the same file and
 * ports while requests are in flight: model calls run on in the worker through the downtime, their
 * answers are delivered once the server is back, and every request completes. Nothing is lost,
 * no request runs twice, and no model call is made twice.
 */
export async function runServerRestart(
  context: DurabilityContext,
  options: ServerRestartOptions,
): Promise<ScenarioReport> {
  const started = Date.now();
  const scenario = 'server-restart';
  const log = options.log ?? (() => {});
  const stageTimeoutMs = options.stageTimeoutMs ?? 180_000;
  const id = runId();
  const server = await startOwnServer(context, `${scenario}-${id}`);
  let connection: Connection | undefined;
  let rig: ScenarioRig | undefined;
  try {
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, dataConverter: cascadeDataConverter() });
    rig = await openScenarioRig(context, {
      label: scenario,
      script: batchScript(heldAcrossRestarts(options.restarts)),
      client,
      // Longer than the server's downtime, as the 10 s default is: a restart is no reason to give up on a running call.
      config: { resilience: { ...DURABILITY_RESILIENCE, heartbeatTimeoutMs: 30_000 } },
    });
    await rig.startWorker(server.address);
    const { batch, early } = await submitBatch(rig, scenario, id, options.requests, stageTimeoutMs, log);
    // Every request has reached its slow call (a loaded machine may already have some answered).
    await rig.simulator.callLog.waitFor(
      {},
      (calls) =>
        batch.held.every((r) => calls.some((c) => c.model === HELD_MODEL[r.group] && requestIdOf(c) === r.request.id)),
      stageTimeoutMs,
    );

    let restarts = 0;
    let inFlightAtStops = 0;
    let fewestInFlightAtAStop = Number.POSITIVE_INFINITY;
    let answeredWhileDown = 0;
    for (let round = 1; round <= options.restarts; round++) {
      if (round > 1) await new Promise((resolve) => setTimeout(resolve, 2_000));
      const stoppedAt = Date.now();
      const inFlight = rig.simulator.callLog.list({ state: 'in_flight' }).length;
      inFlightAtStops += inFlight;
      fewestInFlightAtAStop = Math.min(fewestInFlightAtAStop, inFlight);
      await server.stop();
      await server.start();
      restarts++;
      const upAt = Date.now();
      answeredWhileDown += rig.simulator.callLog
        .list()
        .filter((c) => isAnswered(c) && c.endedAt! >= stoppedAt && c.endedAt! <= upAt).length;
      log(
        `${scenario}: restart ${round}: server down ${((upAt - stoppedAt) / 1000).toFixed(1)} s, back on ${server.dbFile}`,
      );
    }

    const ids = batch.requests.map((r) => r.request.id);
    const { results, missing } = await collectRest(rig, ids, early, stageTimeoutMs);
    log(`${scenario}: ${results.size} of ${ids.length} requests completed`);

    const calls = rig.simulator.callLog.list();
    const violations: string[] = [];
    expectBatch(violations, batch, results, calls);
    if (fewestInFlightAtAStop === 0) violations.push('the server restarted with no model call in flight');
    // The worker outlived the restart, so nothing it was doing may be done twice: one call per call.
    for (const [key, count] of countBy(calls.map((c) => `${c.model} ${requestIdOf(c)}`))) {
      if (count > 1) violations.push(`${key}: called ${count} times across the restart`);
    }
    // The same ids submitted again attach to the runs that survived the restart.
    for (const { request } of batch.requests) {
      if ((await rig.cascades.submit(request)).created)
        violations.push(`${request.id}: a resubmission after the restart started a second run`);
    }
    return await finish({
      scenario,
      started,
      rig,
      client,
      ids,
      results,
      missing,
      restarts,
      details: {
        heldRequests: batch.held.length,
        callsInFlightAtStops: inFlightAtStops,
        callsAnsweredWhileServerDown: answeredWhileDown,
      },
      violations,
      keep: batchKeep(scenario, batch),
      options,
    });
  } finally {
    await rig?.close();
    await connection?.close();
    await server.stop();
  }
}

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------------------------------------
// 3: the small tier's provider answers 503 for a while
// ---------------------------------------------------------------------------------------------

export interface ProviderOutageOptions extends ScenarioOptions {
  outageMs: number;
  /** Requests per wave; one wave at the start of the outage, one in its middle. */
  requestsPerWave: number;
}

/**
 * Anthropic (the small tier's provider, and the frontier's) answers 503 to everything for
 * `outageMs`. Requests on the default route fail over to the small tier's fallback on OpenAI;
 * requests on the `review` route, whose only model is on Anthropic, wait on durable timers until it
 * is back. Every request completes accepted; none fails because of the outage.
 */
export async function runProviderOutage(
  context: DurabilityContext,
  options: ProviderOutageOptions,
): Promise<ScenarioReport> {
  const started = Date.now();
  const scenario = 'provider-outage';
  const log = options.log ?? (() => {});
  const id = runId();
  const rig = await openScenarioRig(context, {
    label: scenario,
    script: {
      seed: 3,
      otherModels: { defaultAnswer: { type: 'text', text: 'Hello from {{model}}.' }, latency: MODEL_LATENCY },
    },
    config: {
      routes: { default: { startTier: 'small' }, review: { startTier: 'frontier' } },
      // Long enough to outlast the outage several times over: waiting must never give up first.
      resilience: { ...DURABILITY_RESILIENCE, outageWaitMs: options.outageMs * 4, heartbeatTimeoutMs: 2000 },
    },
  });
  try {
    await rig.startWorker();
    const fault = rig.simulator.faults.add({
      provider: 'anthropic',
      durationMs: options.outageMs,
      effect: { type: 'http_error', status: 503, message: 'Overloaded' },
    });
    const outageEnds = fault.expiresAt!;
    log(`${scenario}: anthropic answers 503 for ${options.outageMs / 1000} s`);
    const wave = (w: number) =>
      Array.from({ length: options.requestsPerWave }, (_, n) => {
        const route = n % 2 === 0 ? 'default' : 'review';
        return plainRequest(`${scenario}-${id}-w${w}-${n}`, `route=${route}`, route);
      });
    const first = wave(1);
    await submitAll(rig, first);
    await new Promise((resolve) => setTimeout(resolve, options.outageMs / 3));
    const second = wave(2);
    await submitAll(rig, second);
    log(`${scenario}: ${first.length + second.length} requests submitted in two waves`);

    const all = [...first, ...second];
    const ids = all.map((r) => r.id);
    const { results, missing } = await collectResults(rig.cascades, ids, options.outageMs * 4 + 120_000);
    const calls = rig.simulator.callLog.list();
    const violations: string[] = [];
    let failedOver = 0;
    let waited = 0;
    for (const request of all) {
      const result = results.get(request.id);
      if (!result) continue;
      if (request.taskType === 'default') {
        expectResult(violations, request.id, result, {
          outcome: 'accepted',
          finalModel: 'small-backup',
          escalations: 0,
        });
        if (result.finalModel === 'small-backup') failedOver++;
      } else {
        expectResult(violations, request.id, result, { outcome: 'accepted', finalModel: 'frontier', escalations: 0 });
        const answer = calls.find((c) => requestIdOf(c) === request.id && isAnswered(c));
        // The waiting kind can only be answered once the provider is back.
        if (answer && answer.startedAt < outageEnds)
          violations.push(`${request.id}: answered by ${answer.model} during the outage`);
        if (!result.steps.some((s) => s.error?.type === 'overloaded'))
          violations.push(`${request.id}: no failed attempt recorded, so it never waited`);
        if (result.outcome === 'accepted') waited++;
      }
    }
    const keep = [
      { label: `durability-${scenario}-failover`, workflowId: first[0]!.id },
      { label: `durability-${scenario}-waited`, workflowId: first[1]!.id },
    ];
    return await finish({
      scenario,
      started,
      rig,
      client: context.client,
      ids,
      results,
      missing,
      details: {
        outageSeconds: options.outageMs / 1000,
        failedOver,
        waitedForRecovery: waited,
        answers503: calls.filter((c) => c.status === 503).length,
        failedBecauseOfOutage: [...results.values()].filter((r) => r.outcome === 'failed').length,
      },
      violations,
      keep,
      options,
    });
  } finally {
    await rig.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 4: a storm of 429s with retry-after
// ---------------------------------------------------------------------------------------------

export interface RateLimitStormOptions extends ScenarioOptions {
  /** Requests per route (two routes: the small tier with its fallback, and the mid tier alone). */
  requestsPerRoute: number;
  /** 429s per request per model, roughly: the faults hit calls in arrival order. */
  rateLimitsPerRequest: number;
}

/**
 * Both small-tier models and the mid model answer 429 with `retry-after` (1 to 3 s) to the first
 * calls of a burst of requests: enough 429s that models run out of attempts, fall back, and the
 * cascade waits a round. No call may come sooner than the `retry-after` before it allowed.
 */
export async function runRateLimitStorm(
  context: DurabilityContext,
  options: RateLimitStormOptions,
): Promise<ScenarioReport> {
  const started = Date.now();
  const scenario = 'rate-limit-storm';
  const log = options.log ?? (() => {});
  const id = runId();
  const rig = await openScenarioRig(context, {
    label: scenario,
    script: {
      seed: 5,
      otherModels: {
        defaultAnswer: { type: 'text', text: 'Hello from {{model}}.' },
        latency: { type: 'uniform', minMs: 50, maxMs: 300 },
      },
    },
    config: { routes: { default: { startTier: 'small' }, review: { startTier: 'mid' } } },
  });
  try {
    await rig.startWorker();
    const n = options.requestsPerRoute;
    const per = options.rateLimitsPerRequest;
    const storm = [
      {
        model: 'sim-small',
        times: n * per,
        effect: {
          type: 'http_error' as const,
          status: 429,
          retryAfterSeconds: 3,
          message: 'rate limit exceeded: requests per minute',
        },
      },
      {
        model: 'sim-small-backup',
        times: n * per,
        effect: {
          type: 'http_error' as const,
          status: 429,
          retryAfterSeconds: 1,
          message: 'Rate limit reached for requests',
        },
      },
      {
        model: 'sim-mid',
        times: n * (per + 1),
        effect: {
          type: 'http_error' as const,
          status: 429,
          retryAfterSeconds: 2,
          message: 'Rate limit reached for requests',
        },
      },
    ];
    for (const fault of storm) rig.simulator.faults.add(fault);
    const requests = Array.from({ length: 2 * n }, (_, k) => {
      const route = k % 2 === 0 ? 'default' : 'review';
      return plainRequest(`${scenario}-${id}-${k}`, `route=${route}`, route);
    });
    await submitAll(rig, requests);
    log(`${scenario}: ${requests.length} requests into ${storm.reduce((sum, f) => sum + f.times, 0)} scheduled 429s`);
    const ids = requests.map((r) => r.id);
    const { results, missing } = await collectResults(rig.cascades, ids, 240_000);
    const calls = rig.simulator.callLog.list();
    const violations: string[] = [];
    for (const request of requests) {
      expectResult(violations, request.id, results.get(request.id), { outcome: 'accepted', escalations: 0 });
    }
    const rateLimited = calls.filter((c) => c.status === 429);
    if (rateLimited.length === 0) violations.push('no call was rate limited: the storm did not happen');
    // The retries the storm forced: every call that followed a 429 of the same request and model.
    const retriesAfter429 = calls.filter((c, i) =>
      calls.slice(0, i).some((p) => p.status === 429 && p.model === c.model && requestIdOf(p) === requestIdOf(c)),
    ).length;
    const keep = [
      { label: `durability-${scenario}-fallback`, workflowId: requests[0]!.id },
      { label: `durability-${scenario}-single-model`, workflowId: requests[1]!.id },
    ];
    return await finish({
      scenario,
      started,
      rig,
      client: context.client,
      ids,
      results,
      missing,
      details: {
        answers429: rateLimited.length,
        retriesAfter429,
        longestRetryAfterMs: Math.max(0, ...calls.map((c) => retryAfterMsOf(c) ?? 0)),
        // Model calls that ran out of attempts on 429s, each followed by a fallback or a waiting round.
        callsOutOfAttempts: [...results.values()].reduce(
          (sum, r) => sum + r.steps.filter((s) => s.error?.type === 'rate_limited').length,
          0,
        ),
      },
      violations,
      keep,
      options,
    });
  } finally {
    await rig.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 5: errors no retry can fix
// ---------------------------------------------------------------------------------------------

export interface NonRetryableOptions extends ScenarioOptions {
  /** Requests per kind (401 and 400, each on both providers). */
  requestsPerKind: number;
}

const NON_RETRYABLE_KINDS = [
  { kind: 'auth-anthropic', route: 'default', status: 401, message: 'invalid x-api-key', type: 'auth' },
  {
    kind: 'auth-openai',
    route: 'review',
    status: 401,
    message: 'Incorrect API key provided: sk-...abcd',
    type: 'auth',
  },
  {
    kind: 'bad-request-anthropic',
    route: 'default',
    status: 400,
    message: 'temperature: range: 0..1',
    type: 'bad_request',
  },
  {
    kind: 'bad-request-openai',
    route: 'review',
    status: 400,
    message: "Unsupported parameter: 'max_tokens' is not supported with this model.",
    type: 'bad_request',
  },
] as const;

/**
 * A 401 (bad key) and a 400 (bad request) from each provider: the request fails at once, after
 * exactly one call, with the status and kind in the result but never the provider's own message
 * (it may quote a key; it goes to the worker's log only); no retry, no fallback, no escalation.
 */
export async function runNonRetryableErrors(
  context: DurabilityContext,
  options: NonRetryableOptions,
): Promise<ScenarioReport> {
  const started = Date.now();
  const scenario = 'non-retryable-errors';
  const id = runId();
  const rules = NON_RETRYABLE_KINDS.map((k) => ({
    name: k.kind,
    when: { promptContains: `kind=${k.kind}` },
    answer: { type: 'error' as const, status: k.status, message: k.message },
  }));
  const rig = await openScenarioRig(context, {
    label: scenario,
    script: {
      seed: 9,
      otherModels: {
        rules,
        defaultAnswer: { type: 'text', text: 'Hello.' },
        latency: { type: 'uniform', minMs: 50, maxMs: 300 },
      },
    },
    config: { routes: { default: { startTier: 'small' }, review: { startTier: 'mid' } } },
  });
  try {
    await rig.startWorker();
    const requests = NON_RETRYABLE_KINDS.flatMap((k) =>
      Array.from({ length: options.requestsPerKind }, (_, n) => ({
        kind: k,
        request: plainRequest(`${scenario}-${id}-${k.kind}-${n}`, `kind=${k.kind}`, k.route),
      })),
    );
    await submitAll(
      rig,
      requests.map((r) => r.request),
    );
    const ids = requests.map((r) => r.request.id);
    const { results, missing } = await collectResults(rig.cascades, ids, 120_000);
    const calls = rig.simulator.callLog.list();
    const violations: string[] = [];
    for (const { kind, request } of requests) {
      const result = results.get(request.id);
      if (!result) continue;
      const own = calls.filter((c) => requestIdOf(c) === request.id);
      if (own.length !== 1)
        violations.push(
          `${request.id}: ${own.length} model calls, expected exactly one (${own.map((c) => `${c.model} ${c.status}`).join(', ')})`,
        );
      if (result.outcome !== 'failed') violations.push(`${request.id}: outcome ${result.outcome}, expected failed`);
      if (result.error?.type !== kind.type)
        violations.push(`${request.id}: error type ${result.error?.type}, expected ${kind.type}`);
      if (!result.error?.message.includes(`HTTP ${kind.status} (${kind.type})`))
        violations.push(
          `${request.id}: error message "${result.error?.message}" lacks "HTTP ${kind.status} (${kind.type})"`,
        );
      if (result.error?.message.includes(kind.message))
        violations.push(`${request.id}: error message "${result.error.message}" quotes the provider's message`);
      if (result.steps.length !== 1 || result.steps[0]!.error?.type !== kind.type)
        violations.push(`${request.id}: steps ${JSON.stringify(result.steps.map((s) => s.error?.type ?? 'answer'))}`);
    }
    const keep = NON_RETRYABLE_KINDS.filter(
      (k) => k.kind.startsWith('auth-anthropic') || k.kind.startsWith('bad-request-openai'),
    ).map((k) => ({
      label: `durability-${scenario}-${k.kind}`,
      workflowId: requests.find((r) => r.kind === k)!.request.id,
    }));
    return await finish({
      scenario,
      started,
      rig,
      client: context.client,
      ids,
      results,
      missing,
      details: {
        modelCallsPerRequest: calls.length / Math.max(1, requests.length),
        failedFast: [...results.values()].filter((r) => r.outcome === 'failed').length,
      },
      violations,
      keep,
      options,
    });
  } finally {
    await rig.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 6: bad model output
// ---------------------------------------------------------------------------------------------

export interface BadOutputOptions extends ScenarioOptions {
  /** Requests per kind of bad output. */
  requestsPerKind: number;
  /** Characters of the huge answer (capped by the model's max output tokens at 4 characters each). */
  hugeAnswerChars: number;
}

/** Text no parser wants: control characters, a lone surrogate, mixed scripts, half a JSON object. */
const GARBAGE = '\u0000\u0007\u001b[31m\ufffd\ud800 }{ ]] ,,: null nul\u00ad \u202e لا 中文 🤖 {"invoice_number": ';

/**
 * Each kind of bad answer, and where in the ladder it shows up:
 * - garbage at every tier: exhausted, every answer's JSON check failed;
 * - truncated JSON at small, a good answer at mid: one escalation;
 * - a huge answer at small and mid, a good one at frontier: two escalations;
 * - a huge answer at every tier: exhausted, the three huge answers in the result;
 * - wrong types (JSON that breaks the schema) at small and mid, then good: two escalations;
 * - truncated JSON on a one-shot route: exhausted at once, the failed check named.
 */
const BAD_OUTPUT_KINDS = ['garbage', 'truncated', 'huge', 'huge-everywhere', 'wrong-types', 'one-shot'] as const;
type BadOutputKind = (typeof BAD_OUTPUT_KINDS)[number];

const BAD_OUTPUT_EXPECTED: Record<BadOutputKind, { outcome: string; finalModel: string; escalations: number }> = {
  garbage: { outcome: 'exhausted', finalModel: 'frontier', escalations: 2 },
  truncated: { outcome: 'accepted', finalModel: 'mid', escalations: 1 },
  huge: { outcome: 'accepted', finalModel: 'frontier', escalations: 2 },
  'huge-everywhere': { outcome: 'exhausted', finalModel: 'frontier', escalations: 2 },
  'wrong-types': { outcome: 'accepted', finalModel: 'frontier', escalations: 2 },
  'one-shot': { outcome: 'exhausted', finalModel: 'small', escalations: 0 },
};

/**
 * Garbage, truncated JSON, a huge answer and wrong types from the models: never a workflow task
 * failure; always a failed check that escalates, or a clear `exhausted` outcome.
 */
export async function runBadModelOutput(
  context: DurabilityContext,
  options: BadOutputOptions,
): Promise<ScenarioReport> {
  const started = Date.now();
  const scenario = 'bad-model-output';
  const id = runId();
  const huge = {
    type: 'text' as const,
    text: 'The invoice says the total is due. ',
    repeat: Math.ceil(options.hugeAnswerChars / 35),
  };
  const garbage = { type: 'text' as const, text: GARBAGE };
  const truncated = { type: 'invalid_json' as const, style: 'truncated' as const };
  const wrongTypes = { type: 'schema_violation' as const };
  const valid = { type: 'schema_json' as const, facts: 'use' as const };
  const latency: LatencySpec = { type: 'uniform', minMs: 50, maxMs: 400 };
  const rig = await openScenarioRig(context, {
    label: scenario,
    script: {
      seed: 13,
      models: {
        'sim-small': {
          latency,
          rules: [
            { when: { promptContains: 'kind=garbage' }, answer: garbage },
            { when: { promptContains: 'kind=huge' }, answer: huge },
            { when: { promptContains: 'kind=wrong-types' }, answer: wrongTypes },
          ],
          defaultAnswer: truncated,
        },
        'sim-mid': {
          latency,
          rules: [
            { when: { promptContains: 'kind=garbage' }, answer: garbage },
            { when: { promptContains: 'kind=huge' }, answer: huge },
            { when: { promptContains: 'kind=wrong-types' }, answer: wrongTypes },
          ],
          defaultAnswer: valid,
        },
        'sim-frontier': {
          latency,
          rules: [
            { when: { promptContains: 'kind=garbage' }, answer: garbage },
            { when: { promptContains: 'kind=huge-everywhere' }, answer: huge },
          ],
          defaultAnswer: valid,
        },
      },
    },
    config: {
      // The huge answer needs room: a model writes at most its max output tokens, 4 characters each.
      models: durabilityModels(Math.ceil(options.hugeAnswerChars / 4) + 64),
      routes: {
        extraction: {
          startTier: 'small',
          checks: [{ type: 'not_empty' }, { type: 'not_refusal' }, { type: 'json_schema' }, { type: 'ground_truth' }],
        },
        'one-shot': { startTier: 'small', cascade: false, checks: [{ type: 'not_empty' }, { type: 'json_schema' }] },
        default: { startTier: 'small' },
      },
    },
  });
  try {
    await rig.startWorker();
    const requests = BAD_OUTPUT_KINDS.flatMap((kind) =>
      Array.from({ length: options.requestsPerKind }, (_, n) => ({
        kind,
        request: invoiceRequest(
          `${scenario}-${id}-${kind}-${n}`,
          `kind=${kind}`,
          n,
          kind === 'one-shot' ? { taskType: 'one-shot' } : {},
        ),
      })),
    );
    await submitAll(
      rig,
      requests.map((r) => r.request),
    );
    const ids = requests.map((r) => r.request.id);
    const { results, missing } = await collectResults(rig.cascades, ids, 180_000);
    const violations: string[] = [];
    let failedChecks = 0;
    for (const { kind, request } of requests) {
      const result = results.get(request.id);
      expectResult(violations, request.id, result, BAD_OUTPUT_EXPECTED[kind]);
      if (!result) continue;
      const answers = result.steps.filter((s) => s.kind === 'answer');
      const rejected = result.outcome === 'accepted' ? answers.slice(0, -1) : answers;
      for (const step of rejected) {
        const failed = step.checks.filter((c) => c.status === 'fail');
        failedChecks += failed.length;
        if (failed.length === 0)
          violations.push(`${request.id}: the ${step.model} answer was rejected with no failed check`);
      }
      if (result.outcome === 'exhausted' && !/failed/.test(result.outcomeReason))
        violations.push(`${request.id}: exhausted without naming the failed checks: ${result.outcomeReason}`);
      if (kind === 'huge' || kind === 'huge-everywhere') {
        const delivered = rig.simulator.callLog
          .list()
          .filter(
            (c) =>
              requestIdOf(c) === request.id &&
              isAnswered(c) &&
              JSON.stringify(c.responseBody).length >= options.hugeAnswerChars,
          );
        if (delivered.length < 2)
          violations.push(`${request.id}: ${delivered.length} huge answers delivered, expected at least 2`);
      }
      if (kind === 'huge-everywhere' && result.output.text.length < options.hugeAnswerChars)
        violations.push(
          `${request.id}: the exhausted result does not return the last answer whole (${result.output.text.length} characters)`,
        );
    }
    // Histories of huge answers are megabytes each; they take the same path as garbage does.
    const keep = BAD_OUTPUT_KINDS.filter((kind) => !kind.startsWith('huge')).map((kind) => ({
      label: `durability-${scenario}-${kind}`,
      workflowId: requests.find((r) => r.kind === kind)!.request.id,
    }));
    return await finish({
      scenario,
      started,
      rig,
      client: context.client,
      ids,
      results,
      missing,
      details: {
        failedChecks,
        exhausted: [...results.values()].filter((r) => r.outcome === 'exhausted').length,
        escalations: [...results.values()].reduce((sum, r) => sum + r.escalations, 0),
        hugeAnswerChars: options.hugeAnswerChars,
      },
      violations,
      keep,
      options,
    });
  } finally {
    await rig.close();
  }
}
