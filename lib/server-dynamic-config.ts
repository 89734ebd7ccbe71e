import { stringify } from 'yaml';

/**
 * The Temporal server settings llm-cascade runs with, in one place: the embedded dev server gets
 * them as `--dynamic-config-value` flags, `npm run topology`'s server and docker-compose's read them
 * as a dynamic config file (`deploy/temporal/dynamicconfig.yaml`, which a test keeps equal to
 * `renderDynamicConfigFile()`). Both are latency settings: a cascade is a short chain of workflow
 * tasks and model calls, and each hop through the server is time a caller waits.
 *
 * `system.enableActivityEagerExecution` (the server's default is off): when a workflow task
 * schedules an activity for its own task queue and the worker that completed the task has a free
 * activity slot, the server starts the activity at once and hands it back in the answer to that
 * completion, instead of queueing it in the matching service for a poller to pick up. Every model
 * call of a cascade is such an activity, so the server does one matching round trip less per call.
 * Measured (`npm run bench`, the `no eager activities` variant): on the default transfer-queue
 * read rate below, the 3-step p50 at concurrency 1 from about 350 to 200 ms; with the rate at 200
 * little latency is left for it to save. A crashed worker's eager activity times out and is
 * retried like any other, so nothing of durability changes.
 *
 * `history.transferProcessorMaxPollRPS` (default 20): how often per second each history shard may
 * read its transfer queue, the queue through which a new workflow task (a cascade's start, a model
 * call's answer) reaches the matching service. At 20 a task waits up to 50 ms for the next read
 * (about 30 ms at the median, measured in `npm run bench:http`'s history timelines); at 200, up to
 * 5 ms: the one-activity bare workflow's p50 at concurrency 1 went from 100 to 29-38 ms. The cost:
 * up to 200 reads per shard per second while tasks keep arriving, each of fewer tasks; at
 * concurrency 100 on 2 cores the server spent about a quarter more CPU per cascade, and throughput
 * moved within the runs' noise (README, "The server settings and what they did to the ratios").
 */
export const SERVER_DYNAMIC_CONFIG: Readonly<Record<string, boolean | number | string>> = {
  'system.enableActivityEagerExecution': true,
  'history.transferProcessorMaxPollRPS': 200,
};

/** `temporal server start-dev` flags for `SERVER_DYNAMIC_CONFIG` (`KEY=JSON_VALUE`). */
export function devServerDynamicConfigArgs(): string[] {
  return Object.entries(SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
}

/** `SERVER_DYNAMIC_CONFIG` as a server's dynamic config file (`dynamicConfigClient.filepath`). */
export function renderDynamicConfigFile(): string {
  const header =
    '# Temporal server dynamic config for llm-cascade, generated from lib/server-dynamic-config.ts (its\n' +
    '# comment says why each value is set); a test keeps this file equal to it.\n';
  return (
    header + stringify(Object.fromEntries(Object.entries(SERVER_DYNAMIC_CONFIG).map(([k, v]) => [k, [{ value: v }]])))
  );
}
