import { writeFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { z } from 'zod';
import { money, pct } from '../../analytics/format';
import { savingsReportTables, type ReportTable } from '../../analytics/report-tables';
import { type SavingsReport } from '../../analytics/savings-report';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';
import { parseOptions } from '../parse-options';
import { table } from '../render';
import { timeFrom } from './list';

const ReportOptions = z.object({
  since: z.string().min(1, 'must not be empty: give a duration like 7d or an ISO date'),
  query: z.string().min(1).optional(),
  json: z.boolean().optional(),
  jsonOut: z.string().min(1).optional(),
  html: z.string().min(1).optional(),
});
type ReportOptions = z.input<typeof ReportOptions>;
const FLAGS = { since: '--since', query: '--query', jsonOut: '--json-out', html: '--html' };

/**
 * Prints a report (one JSON line with `--json`, else `renderText`'s tables), and writes the
 * `--json-out` and `--html` files asked for, naming them on stderr. The HTML renderer is loaded only
 * when `--html` asks for it. Shared with `audit`.
 */
export async function outputReport<R>(
  cli: CliContext,
  report: R,
  options: { json?: boolean | undefined; jsonOut?: string | undefined; html?: string | undefined },
  renderText: (report: R) => string,
  loadHtmlRenderer: () => Promise<(report: R) => string>,
): Promise<void> {
  if (options.jsonOut) await writeFile(options.jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  if (options.html) await writeFile(options.html, (await loadHtmlRenderer())(report));
  cli.out(options.json ? JSON.stringify(report) : renderText(report));
  const written = [options.jsonOut, options.html].filter((f): f is string => f !== undefined);
  if (written.length > 0) cli.note(`written: ${written.join(', ')}`);
}

/** A report table in the terminal. */
function textTable({ columns, rows }: ReportTable): string {
  return table(
    columns.map((c) => c.label),
    rows,
  );
}

/** The savings report for a person. */
function renderReport(report: SavingsReport): string {
  const t = report.totals;
  const tables = savingsReportTables(report);
  const lines = [
    `${report.requests} cascades since ${report.since} (${
      Object.entries(report.byStatus)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || 'none'
    })`,
    '',
    textTable(tables.taskTypes),
    '',
    `cost        ${money(t.costUsd)} against ${money(t.baselineUsd)} on the frontier model alone: saved ${money(t.savedUsd)} (${pct(t.savingShare)})`,
    `escalated   ${t.escalated} of ${t.completed} completed (${pct(t.escalationRate)})`,
  ];
  if (report.tiers.length > 0) {
    lines.push('', textTable(tables.tiers));
  }
  if (report.checks.length > 0) {
    lines.push('', textTable(tables.checks));
  }
  if (report.topReasons.length > 0) {
    lines.push(
      '',
      'top escalation reasons:',
      table(
        ['times', 'reason'],
        report.topReasons.map((r) => [r.count, r.reason]),
        { colWidths: [null, 100] },
      ),
    );
  }
  if (report.overTime.length > 0) {
    lines.push('', textTable(tables.overTime));
  }
  return lines.join('\n');
}

/** `cascade report [--since 7d]`: what the cascade did and saved, from Temporal's visibility store and results. */
export function registerReportCommand(program: Command, cli: CliContext): void {
  program
    .command('report')
    .description(
      'requests by task type and outcome, escalations per tier and check, cost against the baseline and savings over time',
    )
    .option('--since <time>', 'cascades started since: a duration ago (24h, 7d) or an ISO date', '7d')
    .option('--query <query>', 'only cascades matching this visibility query too, e.g. "CascadeBatchId = \'b1\'"')
    .option('--json', 'print the report as JSON instead of tables')
    .option('--json-out <file>', 'also write the JSON report to this file')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .action(async (raw: ReportOptions, command: Command) => {
      const options = parseOptions(ReportOptions, raw, FLAGS);
      const since = new Date(timeFrom(options.since));
      if (Number.isNaN(since.getTime()))
        throw new CliError(
          `--since: expected a duration like 7d or an ISO date, got "${options.since}"`,
          EXIT_CODES.usage,
        );
      const { savingsReport } = await import('../../analytics/savings-report.js');
      const report = await savingsReport({
        client: await cli.temporalClient(command),
        since,
        ...(options.query ? { query: options.query } : {}),
      });
      await outputReport(
        cli,
        report,
        options,
        renderReport,
        async () => (await import('../../analytics/report-html.js')).renderReportHtml,
      );
    });
}
