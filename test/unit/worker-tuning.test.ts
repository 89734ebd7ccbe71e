/** Worker tuning from the environment: defaults, overrides, and every bad value refused at startup, named. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../core/config';
import {
  DEFAULT_WORKER_TUNING,
  defaultWorkflowSlots,
  NO_CACHE_WORKFLOW_SLOTS,
  shutdownGraceMsFromEnv,
  workerTuningFromEnv,
  workflowSlotsProblem,
  WORKER_TUNING_ENV,
} from '../../worker/worker-tuning';
import { configInput } from '../helpers/core-config';

/** The test config with one slow model: 90 s is the longest timeout. */
function config() {
  const input = configInput();
  const [first] = Object.keys(input.models);
  input.models[first!] = { ...input.models[first!]!, timeoutMs: 90_000 };
  return parseConfig(input);
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('worker tuning from the environment', () => {
  it('defaults to the measured tuning and a grace of the longest model timeout plus 5 s', () => {
    const tuning = workerTuningFromEnv(config(), {});
    assert.equal(tuning.maxConcurrentActivityTaskExecutions, DEFAULT_WORKER_TUNING.activitySlots);
    assert.equal(tuning.maxConcurrentWorkflowTaskExecutions, DEFAULT_WORKER_TUNING.workflowSlots);
    assert.equal(tuning.maxCachedWorkflows, DEFAULT_WORKER_TUNING.cachedWorkflows);
    assert.equal(tuning.workflowThreadPoolSize, DEFAULT_WORKER_TUNING.workflowThreads);
    assert.deepEqual(tuning.workflowTaskPollerBehavior, { type: 'simple-maximum', maximum: 10 });
    assert.equal(tuning.shutdownGraceTime, 95_000);
    assert.equal(shutdownGraceMsFromEnv(config(), {}), 95_000);
  });

  it('takes every setting from its variable', () => {
    const tuning = workerTuningFromEnv(config(), {
      [WORKER_TUNING_ENV.activitySlots]: '50',
      [WORKER_TUNING_ENV.localActivitySlots]: '20',
      [WORKER_TUNING_ENV.workflowSlots]: '8',
      [WORKER_TUNING_ENV.cachedWorkflows]: '300',
      [WORKER_TUNING_ENV.workflowPollers]: '3',
      [WORKER_TUNING_ENV.activityPollers]: ' 6 ',
      [WORKER_TUNING_ENV.workflowThreads]: '3',
      [WORKER_TUNING_ENV.shutdownGraceMs]: '120000',
    });
    assert.deepEqual(tuning, {
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentLocalActivityExecutions: 20,
      maxConcurrentWorkflowTaskExecutions: 8,
      maxCachedWorkflows: 300,
      workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 3 },
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 6 },
      workflowThreadPoolSize: 3,
      shutdownGraceTime: 120_000,
    });
  });

  it('refuses bad values, naming each variable, instead of letting the SDK adjust them', () => {
    assert.deepEqual(
      problemsOf(() =>
        workerTuningFromEnv(config(), {
          [WORKER_TUNING_ENV.activitySlots]: 'many',
          [WORKER_TUNING_ENV.workflowSlots]: '0',
          [WORKER_TUNING_ENV.activityPollers]: '0',
          [WORKER_TUNING_ENV.workflowThreads]: '0',
        }),
      ),
      [
        `${WORKER_TUNING_ENV.activitySlots}: must be a whole number, got "many"`,
        `${WORKER_TUNING_ENV.workflowSlots}: must be at least 1, got "0"`,
        `${WORKER_TUNING_ENV.activityPollers}: must be at least 1, got "0"`,
        `${WORKER_TUNING_ENV.workflowThreads}: must be at least 1, got "0"`,
      ],
    );
    assert.deepEqual(
      problemsOf(() => workerTuningFromEnv(config(), { [WORKER_TUNING_ENV.workflowSlots]: '1' })),
      [
        `${WORKER_TUNING_ENV.workflowSlots}: must be at least 2 with a workflow cache (${WORKER_TUNING_ENV.cachedWorkflows} 1000), got 1`,
      ],
    );
    assert.deepEqual(
      problemsOf(() => workerTuningFromEnv(config(), { [WORKER_TUNING_ENV.cachedWorkflows]: '1' })),
      [`${WORKER_TUNING_ENV.cachedWorkflows}: must be 0 (no cache) or at least 2, got 1`],
    );
    const [tooManySlots] = problemsOf(() =>
      workerTuningFromEnv(config(), {
        [WORKER_TUNING_ENV.cachedWorkflows]: '10',
        [WORKER_TUNING_ENV.workflowSlots]: '20',
      }),
    );
    assert.match(tooManySlots!, /LLM_CASCADE_WORKER_WORKFLOW_SLOTS: 20 workflow slots exceed the 10 cached workflows/);
  });

  it('runs one workflow task at a time without a cache, and refuses more', () => {
    // More would let a second task evict a run whose task waits on a local activity (NO_CACHE_WORKFLOW_SLOTS).
    const noCache = workerTuningFromEnv(config(), { [WORKER_TUNING_ENV.cachedWorkflows]: '0' });
    assert.equal(noCache.maxCachedWorkflows, 0);
    assert.equal(noCache.maxConcurrentWorkflowTaskExecutions, NO_CACHE_WORKFLOW_SLOTS);
    assert.equal(
      workerTuningFromEnv(config(), {
        [WORKER_TUNING_ENV.cachedWorkflows]: '0',
        [WORKER_TUNING_ENV.workflowSlots]: '1',
      }).maxConcurrentWorkflowTaskExecutions,
      1,
    );
    const [problem, ...others] = problemsOf(() =>
      workerTuningFromEnv(config(), {
        [WORKER_TUNING_ENV.cachedWorkflows]: '0',
        [WORKER_TUNING_ENV.workflowSlots]: '40',
      }),
    );
    assert.deepEqual(others, []);
    assert.match(
      problem!,
      /^LLM_CASCADE_WORKER_WORKFLOW_SLOTS: must be 1 without a workflow cache \(LLM_CASCADE_WORKER_CACHED_WORKFLOWS 0\), got 40: /,
    );
  });

  it('checks the slots of a worker created in code against its cache the same way', () => {
    const names = { cachedWorkflows: 'maxCachedWorkflows', workflowSlots: 'maxConcurrentWorkflowTaskExecutions' };
    assert.equal(defaultWorkflowSlots(0), NO_CACHE_WORKFLOW_SLOTS);
    assert.equal(defaultWorkflowSlots(1000), DEFAULT_WORKER_TUNING.workflowSlots);
    assert.equal(workflowSlotsProblem({ cachedWorkflows: 0, workflowSlots: 1 }, names), undefined);
    assert.equal(workflowSlotsProblem({ cachedWorkflows: 1000, workflowSlots: 40 }, names), undefined);
    assert.match(
      workflowSlotsProblem({ cachedWorkflows: 0, workflowSlots: 2 }, names) ?? '',
      /^maxConcurrentWorkflowTaskExecutions: must be 1 without a workflow cache \(maxCachedWorkflows 0\), got 2/,
    );
    assert.match(
      workflowSlotsProblem({ cachedWorkflows: 10, workflowSlots: 1 }, names) ?? '',
      /^maxConcurrentWorkflowTaskExecutions: must be at least 2 with a workflow cache/,
    );
    assert.match(
      workflowSlotsProblem({ cachedWorkflows: 10, workflowSlots: 20 }, names) ?? '',
      /^maxConcurrentWorkflowTaskExecutions: 20 workflow slots exceed the 10 cached workflows/,
    );
  });

  it('refuses a shutdown grace shorter than the longest model timeout', () => {
    const env = { [WORKER_TUNING_ENV.shutdownGraceMs]: '30000' };
    const [problem] = problemsOf(() => workerTuningFromEnv(config(), env));
    assert.match(
      problem!,
      /LLM_CASCADE_SHUTDOWN_GRACE_MS: 30000 ms is shorter than the longest model timeout \(90000 ms/,
    );
    assert.deepEqual(
      problemsOf(() => shutdownGraceMsFromEnv(config(), env)),
      [problem],
    );
    assert.deepEqual(
      problemsOf(() => shutdownGraceMsFromEnv(config(), { [WORKER_TUNING_ENV.shutdownGraceMs]: '1m' })),
      [`${WORKER_TUNING_ENV.shutdownGraceMs}: must be a whole number of milliseconds, got "1m"`],
    );
  });
});
