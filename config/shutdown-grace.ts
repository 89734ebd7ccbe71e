import { ConfigError, type CascadeConfig } from '../core/config';

/**
 * How long a stopping process lets work in flight finish: the worker its model calls, the API the
 * callers waiting on a cascade. Both read it here, from the config and the environment.
 */
export const SHUTDOWN_GRACE_ENV = 'LLM_CASCADE_SHUTDOWN_GRACE_MS';

/** Beyond the longest model timeout: the activity's own start-to-close margin (see the workflow's callOnce). */
const SHUTDOWN_MARGIN_MS = 5_000;

/** The longest `timeoutMs` of any model in the config. */
export function longestModelTimeoutMs(config: CascadeConfig): number {
  return Math.max(...Object.values(config.models).map((model) => model.timeoutMs));
}

/**
 * The default shutdown grace: the longest model call plus the activity's margin, so a rolling
 * deploy lets every call in flight finish and report its answer instead of cancelling it and
 * paying for it again on another worker.
 */
export function defaultShutdownGraceMs(config: CascadeConfig): number {
  return longestModelTimeoutMs(config) + SHUTDOWN_MARGIN_MS;
}

/** Why a grace is too short, or undefined: shorter than the longest model timeout cancels calls in flight. */
export function shutdownGraceProblem(config: CascadeConfig, graceMs: number): string | undefined {
  const minimumMs = longestModelTimeoutMs(config);
  return graceMs < minimumMs
    ? `${SHUTDOWN_GRACE_ENV}: ${graceMs} ms is shorter than the longest model timeout (${minimumMs} ms in models.*.timeoutMs): a stopping worker would cancel calls in flight and another would pay for them again`
    : undefined;
}

/**
 * How long a stopping process lets work in flight finish: `LLM_CASCADE_SHUTDOWN_GRACE_MS`, at least
 * the longest model timeout, by default that plus the activity's margin. The worker waits this long
 * for model calls; the API for requests waiting on cascades.
 */
export function shutdownGraceMsFromEnv(config: CascadeConfig, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SHUTDOWN_GRACE_ENV]?.trim();
  if (raw === undefined || raw === '') return defaultShutdownGraceMs(config);
  const graceMs = Number(raw);
  const problem = !/^\d+$/.test(raw)
    ? `${SHUTDOWN_GRACE_ENV}: must be a whole number of milliseconds, got "${raw}"`
    : shutdownGraceProblem(config, graceMs);
  if (problem) throw new ConfigError([problem], 'environment');
  return graceMs;
}
