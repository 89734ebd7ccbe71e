/** How the CLI shows results to people: compact, borderless tables and aligned label lines. */
import { DEFAULT_TENANT } from '../core/tenant-workflow-id';
import { textTable } from '../report-kit/text-table';
import { type CascadeDescription, type CascadeSummary } from '../client/cascade-client';
import { type CascadeResult, type CheckResult, type Step } from '../core/result';

/** A table without borders or colours, so it reads the same in a terminal, a log and a pipe. */
export function table(
  head: string[],
  rows: (string | number)[][],
  options: { colWidths?: (number | null)[] } = {},
): string {
  return textTable(head, rows, options);
}

/** USD with enough decimals for per-request amounts. */
export function usd(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}$${Math.abs(amount).toFixed(6)}`;
}

function labelled(lines: [string, string | undefined][]): string {
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([label, value]) => `${label.padEnd(width)}  ${value}`)
    .join('\n');
}

const MARKS: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '-' };

function checksCell(step: Step): string {
  if (step.error) return `error: ${step.error.type}`;
  if (step.kind !== 'answer') return step.kind;
  return step.checks.map((check) => `${MARKS[check.status]}${check.check}`).join(' ');
}

/** One row per model call: tier, model, checks (✓ pass, ✗ fail, - skipped), tokens and cost; failed checks' reasons below. */
export function renderSteps(steps: readonly Step[]): string {
  if (steps.length === 0) return '(no model calls yet)';
  const rows = steps.map((step) => [
    step.index + 1,
    step.tier,
    step.model,
    checksCell(step),
    `${step.usage.inputTokens}/${step.usage.outputTokens}`,
    usd(step.costUsd),
  ]);
  const failures = steps.flatMap((step) => [
    ...step.checks
      .filter((check) => check.status === 'fail')
      .map((check) => `  step ${step.index + 1} ${check.check}: ${check.reason}`),
    ...(step.error ? [`  step ${step.index + 1} ${step.model}: ${step.error.type}: ${step.error.message}`] : []),
  ]);
  return [table(['#', 'tier', 'model', 'checks', 'tokens in/out', 'cost'], rows), ...failures].join('\n');
}

/** Cost against the baseline: `$x vs $y on <baseline> alone: saved $z (n%)`, the share only when the baseline cost something. */
export function costVsBaseline(costUsd: number, baselineUsd: number, savedUsd: number, baseline: string): string {
  const percent = baselineUsd > 0 ? ` (${Math.round((savedUsd / baselineUsd) * 100)}%)` : '';
  return `${usd(costUsd)} vs ${usd(baselineUsd)} on ${baseline} alone: saved ${usd(savedUsd)}${percent}`;
}

function savingText(result: CascadeResult): string {
  return costVsBaseline(result.costUsd, result.baseline.costUsd, result.savedUsd, result.baseline.model);
}

/** A finished cascade for a person: the answer, the steps, the outcome, cost against the baseline. */
export function renderResult(result: CascadeResult): string {
  const answer = result.output.text === '' ? '(no answer)' : result.output.text;
  const c = result.classification;
  return [
    answer,
    '',
    renderSteps(result.steps),
    '',
    labelled([
      ['outcome', `${result.outcome}: ${result.outcomeReason}`],
      ['escalations', String(result.escalations)],
      ['cost', savingText(result)],
      ['route', `${c.route} (task type ${c.taskType}, complexity ${c.complexity}, ${c.source})`],
      ['id', result.id],
      ['simulated', result.notice],
    ]),
  ].join('\n');
}

function time(date: Date | undefined): string | undefined {
  return date
    ?.toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** A cascade's status for a person: labels, steps so far, and the answer once done. */
export function renderDescription(description: CascadeDescription): string {
  const parts = [
    labelled([
      ['id', description.id],
      ['status', description.status.toLowerCase()],
      [
        'route',
        description.route
          ? `${description.route}${description.taskType && description.taskType !== description.route ? ` (task type ${description.taskType})` : ''}`
          : undefined,
      ],
      [
        'outcome',
        description.result ? `${description.result.outcome}: ${description.result.outcomeReason}` : description.outcome,
      ],
      ['escalations', String(description.escalations)],
      ['cost', description.result ? savingText(description.result) : usd(description.costUsd)],
      ['config', description.configHash],
      // Only a named tenant's: the default tenant is every cascade's that recorded none.
      ['tenant', description.tenant === DEFAULT_TENANT ? undefined : description.tenant],
      ['started', time(description.startTime)],
      ['closed', time(description.closeTime)],
      ['simulated', description.result?.notice],
    ]),
    '',
    renderSteps(description.steps),
  ];
  if (description.result)
    parts.push('', 'answer:', description.result.output.text === '' ? '(no answer)' : description.result.output.text);
  return parts.join('\n');
}

/** Cascades from `list`, one row each. */
export function renderList(rows: readonly CascadeSummary[]): string {
  if (rows.length === 0) return '(no cascades match)';
  return table(
    ['id', 'status', 'task type', 'outcome', 'final model', 'tier', 'esc', 'cost', 'saved', 'started'],
    rows.map((row) => [
      row.id,
      row.status.toLowerCase(),
      row.taskType ?? '',
      row.outcome ?? '',
      row.finalModel ?? '',
      row.finalTier ?? '',
      row.escalations ?? '',
      row.costUsd === undefined ? '' : usd(row.costUsd),
      row.savedUsd === undefined ? '' : usd(row.savedUsd),
      time(row.startTime) ?? '',
    ]),
  );
}
