import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command } from 'commander';
import { z } from 'zod';
import { auditPromptLog, parseVolume, type AuditReport } from '../../analytics/audit';
import { auditMixTable, hasObservedHistory } from '../../analytics/audit-mix-table';
import { type ObservedEscalations } from '../../analytics/escalation-history';
import { classifyForCascade } from '../../classifier/request-classifier';
import { money, pct } from '../../analytics/format';
import { type CascadeConfig } from '../../core/config';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';
import { parseOptions } from '../parse-options';
import { table } from '../render';
import { inputLines } from '../request-options';
import { timeFrom } from './list';
import { outputReport } from './report';

const AuditOptions = z.object({
  volume: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const perMonth = parseVolume(value);
      if (perMonth === undefined)
        ctx.addIssue({
          code: 'custom',
          message: `expected requests per month like 50000/month, 50k/month or 2000/day, got "${value}"`,
        });
      return perMonth;
    }),
  json: z.boolean().optional(),
  jsonOut: z.string().min(1).optional(),
  html: z.string().min(1).optional(),
  uncertain: z.coerce.number().int().min(1).max(100_000).optional(),
  uncertainOut: z.string().min(1).optional(),
  history: z.boolean(),
  historyQuery: z.string().min(1).optional(),
  historySince: z.string().min(1).optional(),
});
type AuditOptions = z.input<typeof AuditOptions>;

const FLAGS: Record<string, string> = {
  volume: '--volume',
  jsonOut: '--json-out',
  html: '--html',
  historyQuery: '--history-query',
  historySince: '--history-since',
  uncertain: '--uncertain',
  uncertainOut: '--uncertain-out',
};

/** The audit for a person: the mix, the start tiers, the cost both ways and the monthly projection. */
function renderAudit(report: AuditReport): string {
  const hasHistory = hasObservedHistory(report);
  const mix = auditMixTable(report);
  const lines = [
    table(
      mix.columns.map((c) => c.label),
      mix.rows,
    ),
    '',
    `prompts                 ${report.prompts}${report.invalid.length > 0 ? ` (${report.invalid.length} invalid lines skipped)` : ''}`,
    `small-model territory   ${pct(report.smallModelShare)} start on the cheapest tier (${report.startTiers.map((t) => `${t.tier} ${t.prompts}`).join(', ')})`,
    `this log                ${money(report.totals.frontierUsd)} all on ${report.baselineModel}, ${money(report.totals.routedUsd)} routed${hasHistory ? `, ${money(report.totals.expectedUsd)} expected` : ''}`,
    `per month               ${report.volume.perMonth.toLocaleString('en-US')} requests${report.volume.from === 'log' ? ' (the log taken as a month; set --volume)' : ''}`,
    `  ${`all on ${report.baselineModel}`.padEnd(22)}${money(report.monthly.frontierUsd)}`,
    `  routed                ${money(report.monthly.routedUsd)}: saves ${money(report.monthly.savingUsd)} (${pct(report.monthly.savingShare)})`,
  ];
  if (hasHistory)
    lines.push(
      `  expected cascade      ${money(report.monthly.expectedUsd)}: saves ${money(report.monthly.expectedSavingUsd)} (${pct(report.monthly.expectedSavingShare)}), from observed escalation rates on ${report.history!.coveredPrompts} prompts' routes`,
    );
  else if (report.history)
    lines.push('  (no route has enough completed cascades in Temporal for observed escalation rates)');
  for (const problem of report.invalid.slice(0, 10)) lines.push(`line ${problem.line}: ${problem.error}`);
  if (report.uncertain) {
    lines.push('', `the ${report.uncertain.length} prompts the classifier was least sure of (label these first):`);
    lines.push(
      table(
        ['id', 'task type', 'source', 'margin', 'prompt'],
        report.uncertain.map((u) => [u.id, u.taskType, u.source, u.margin.toFixed(3), excerpt(u.prompt)]),
        { colWidths: [null, null, null, null, 60] },
      ),
    );
  }
  return lines.join('\n');
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}

const AUDIT_HELP = `
A prompt log is JSONL, one request per line: {"prompt": "..."}, {"messages": [...]}, or MT-Bench
style {"turns": [...]} (the first turn is the prompt); optional id, system, schema, groundTruth,
and response or outputTokens for the answer's length. Nothing is sent to any model.

With Temporal reachable, escalation rates observed per route (completed cascades, their
CascadeEscalations) price the expected cascade cost too; --no-history skips that.`;

/** `cascade audit <prompts.jsonl>`: what routing would save on a prompt log, offline. */
export function registerAuditCommand(program: Command, cli: CliContext): void {
  program
    .command('audit')
    .description(
      'classify and price every prompt of a log: all on the frontier model vs routed, the task-type mix, the monthly projection',
    )
    .argument('<prompts>', 'JSONL prompt log ("-" reads stdin)')
    .option(
      '--volume <n/month>',
      "requests per month to project to, e.g. 50000/month, 50k/month, 2000/day (default: the log's size)",
    )
    .option('--json', 'print the report as JSON instead of the table')
    .option('--json-out <file>', 'also write the JSON report to this file')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .option(
      '--uncertain <n>',
      'also list the n prompts the classifier was least sure of (lowest margin): the ones to label first',
    )
    .option(
      '--uncertain-out <file>',
      'write those prompts as JSONL {id, prompt, taskType, margin}: correct taskType, then `cascade classifier train` on it',
    )
    .option('--no-history', 'do not read observed escalation rates from Temporal')
    .option('--history-query <query>', 'only cascades matching this visibility query count for the observed rates')
    .option('--history-since <time>', 'only cascades started since: an ISO date or a duration ago (30d)')
    .addHelpText('after', AUDIT_HELP)
    .action(async (file: string, raw: AuditOptions, command: Command) => {
      const options = parseOptions(AuditOptions, raw, FLAGS);
      if (options.uncertainOut !== undefined && options.uncertain === undefined)
        throw new CliError('--uncertain-out: give --uncertain <n> too (how many prompts to write)', EXIT_CODES.usage);
      const config = await cli.config(command);
      const history = options.history ? await readHistory(cli, command, config, options) : undefined;
      const report = await auditPromptLog(inputLines(file, cli.io), {
        config,
        source: file === '-' ? 'stdin' : path.basename(file),
        ...(options.volume !== undefined ? { volumePerMonth: options.volume } : {}),
        ...(history ? { history } : {}),
        ...(options.uncertain !== undefined ? { uncertain: options.uncertain } : {}),
        // The worker's own classifier: precise rules and the config's learned model.
        classify: (request) => classifyForCascade(request, config),
      });
      if (options.uncertainOut !== undefined) {
        const lines = (report.uncertain ?? []).map((u) =>
          JSON.stringify({ id: u.id, prompt: u.prompt, taskType: u.taskType, margin: u.margin }),
        );
        await writeFile(options.uncertainOut, lines.length > 0 ? `${lines.join('\n')}\n` : '');
        cli.note(`written: ${options.uncertainOut} (${lines.length} prompts to label)`);
      }
      await outputReport(
        cli,
        report,
        options,
        renderAudit,
        async () => (await import('../../analytics/audit-html.js')).renderAuditHtml,
      );
      if (report.invalid.length > 0) cli.exitCode = EXIT_CODES.usage;
    });
}

/** Observed escalation rates, or none (with a note) when Temporal cannot be reached: the audit itself is offline. */
async function readHistory(
  cli: CliContext,
  command: Command,
  config: CascadeConfig,
  options: z.infer<typeof AuditOptions>,
): Promise<ObservedEscalations | undefined> {
  const since = options.historySince ? new Date(timeFrom(options.historySince)) : undefined;
  if (since && Number.isNaN(since.getTime()))
    throw new CliError(
      `--history-since: expected an ISO date or a duration like 30d, got "${options.historySince}"`,
      EXIT_CODES.usage,
    );
  try {
    const { observedEscalations } = await import('../../analytics/escalation-history.js');
    return await observedEscalations(await cli.temporalClient(command), config, {
      ...(since ? { since } : {}),
      ...(options.historyQuery ? { query: options.historyQuery } : {}),
    });
  } catch (error) {
    const { isTemporalUnavailable } = await import('../../lib/temporal-unavailable.js');
    if (!isTemporalUnavailable(error)) throw error;
    cli.note(
      `Temporal not reachable (${(error as Error).message.split('\n')[0]}): no observed escalation rates, only start-tier prices`,
    );
    return undefined;
  }
}
