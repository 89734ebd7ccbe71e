import assert from 'node:assert/strict';
import { type ScenarioReport } from './scenarios';

/** The figures that must be 0 in every scenario: nothing lost, nothing done twice, nothing early, no workflow task failure. */
export const MUST_BE_ZERO = [
  'lost',
  'duplicateRuns',
  'completedCallsRepeated',
  'answersPaidTwice',
  'retriesBeforeRetryAfter',
  'workflowTaskFailures',
] as const;

/** Fails with every broken expectation listed, then checks the must-be-zero figures one by one. */
export function assertDurable(report: ScenarioReport): void {
  const shown = report.violations.slice(0, 40).join('\n  ');
  assert.deepEqual(report.violations, [], `${report.scenario}: ${report.violations.length} violations:\n  ${shown}`);
  for (const figure of MUST_BE_ZERO)
    assert.equal(report.figures[figure], 0, `${report.scenario}: ${figure} is ${report.figures[figure]}`);
  assert.equal(
    report.figures.completed,
    report.figures.requests,
    `${report.scenario}: ${report.figures.completed} of ${report.figures.requests} requests completed`,
  );
}
