import { type Command } from 'commander';
import { ListCascadesQuery } from '../../api/cascade-schemas';
import { type CascadeListFilter } from '../../client/cascade-client';
import { type CliContext } from '../cli-context';
import { parseOptions } from '../parse-options';
import { renderList } from '../render';

interface ListOptions {
  outcome?: string;
  taskType?: string;
  route?: string;
  escalated?: boolean;
  minEscalations?: string;
  status?: string;
  batch?: string;
  since?: string;
  until?: string;
  limit: string;
  json?: boolean;
}

/** The option each filter field comes from, to name it in an error. */
const FLAGS: Record<string, string> = {
  outcome: '--outcome',
  taskType: '--task-type',
  route: '--route',
  minEscalations: '--min-escalations',
  status: '--status',
  batchId: '--batch',
  startedAfter: '--since',
  startedBefore: '--until',
  limit: '--limit',
};

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `2h`, `30m`, `7d` ago as an ISO time; anything else is passed on as a date to be validated. */
export function timeFrom(value: string, now = Date.now()): string {
  const match = /^(\d+)([smhdw])$/.exec(value.trim());
  return match ? new Date(now - Number(match[1]) * DURATION_UNITS[match[2]!]!).toISOString() : value;
}

/** The filter the options describe, validated by the same schema as the HTTP API's query. */
export function listFilterFromOptions(options: ListOptions): CascadeListFilter {
  const query = {
    outcome: options.outcome,
    taskType: options.taskType,
    route: options.route,
    escalated: options.escalated === undefined ? undefined : String(options.escalated),
    minEscalations: options.minEscalations,
    status: options.status,
    batchId: options.batch,
    startedAfter: options.since === undefined ? undefined : timeFrom(options.since),
    startedBefore: options.until === undefined ? undefined : timeFrom(options.until),
    limit: options.limit,
  };
  const { status, ...filter } = parseOptions(
    ListCascadesQuery,
    Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)),
    FLAGS,
  );
  return { ...filter, ...(status ? { status: status.toUpperCase() as Uppercase<typeof status> } : {}) };
}

/** `cascade list`: cascades from Temporal's visibility store, newest first, filtered by the search attributes. */
export function registerListCommand(program: Command, cli: CliContext): void {
  program
    .command('list')
    .description('list cascades, newest first, filtered by outcome, task type, escalations, time...')
    .option('--outcome <outcome>', 'accepted, exhausted, over_budget, failed or cancelled')
    .option('--task-type <type>', 'task type the classifier chose (or the request gave)')
    .option('--route <route>', 'route taken')
    .option('--escalated', 'only cascades that escalated at least once')
    .option('--no-escalated', 'only cascades that never escalated')
    .option('--min-escalations <n>', 'only cascades with at least n escalations')
    .option('--status <status>', 'running, completed, failed, cancelled, terminated, timed_out')
    .option('--batch <id>', 'only cascades of this batch')
    .option('--since <time>', 'started at or after: an ISO date, or a duration ago (30m, 2h, 7d)')
    .option('--until <time>', 'started before: an ISO date, or a duration ago')
    .option('--limit <n>', 'at most this many', '20')
    .option('--json', 'print one JSON line per cascade')
    .action(async (options: ListOptions, command: Command) => {
      const filter = listFilterFromOptions(options);
      const client = await cli.cascadeClient(command);
      const rows = await client.list(filter);
      if (options.json) for (const row of rows) cli.out(JSON.stringify(row));
      else cli.out(renderList(rows));
    });
}
