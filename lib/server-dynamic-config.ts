import { stringify } from 'yaml';

/**
 * The Temporal server settings llm-cascade runs with, in one place: the embedded dev server gets
 * them as `--dynamic-config-value` flags, `npm run topology`'s server and docker-compose's read them
 * as a dynamic config file (`deploy/temporal/dynamicconfig.yaml`, which a test keeps equal to
 * `renderDynamicConfigFile()`).
 *
 * `system.enableActivityEagerExecution` (the server's default is off): when a workflow task
 * schedules an activity for its own task queue and the worker that completed the task has a free
 * activity slot, the server starts the activity at once and hands it back in the answer to that
 * completion, instead of queueing it in the matching service for a poller to pick up. Every model
 * call of a cascade is such an activity. Measured (`npm run bench`, the `no eager activities`
 * variant): fewer server round trips per model call, less server CPU per cascade and higher
 * throughput, for the cascade and the bare twin alike. A crashed worker's eager activity times out
 * and is retried like any other, so nothing of durability changes.
 */
export const SERVER_DYNAMIC_CONFIG: Readonly<Record<string, boolean | number | string>> = {
  'system.enableActivityEagerExecution': true,
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
