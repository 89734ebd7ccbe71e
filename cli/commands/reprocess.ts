import { type Command } from 'commander';
import { z } from 'zod';
import { type WhatIfReport, type WhatIfRow } from '../../analytics/what-if';
import { type ProviderRegistry } from '../../providers/provider-registry';
import { BatchId, type BatchSource } from '../../core/batch';
import { type CliContext } from '../cli-context';
import { parseOptions } from '../parse-options';
import { table, usd } from '../render';
import { Count, describeCounts, exitCodeFor, follow, renderBatchView, withBatches, writeResultsFile } from './batch';

const ReprocessOptions = z.object({
  query: z.string().trim().min(1, 'give a visibility query, e.g. "CascadeBatchId = \'b1\'"'),
  whatIf: z.boolean().optional(),
  id: BatchId.optional(),
  concurrency: Count(1000),
  out: z.string().min(1).optional(),
  detach: z.boolean().optional(),
  progress: z.boolean(),
  limit: Count(1_000_000).optional(),
  maxCalls: z.coerce.number().int().min(0).optional(),
  rows: z.coerce.number().int().min(0),
  json: z.boolean().optional(),
});
type ReprocessOptions = z.input<typeof ReprocessOptions>;

const FLAGS: Record<string, string> = {
  query: '--query',
  id: '--id',
  concurrency: '--concurrency',
  out: '--out',
  limit: '--limit',
  maxCalls: '--max-calls',
  rows: '--rows',
};

function shortPath(path: readonly string[]): string {
  // `answer small@small rejected` -> `small✗`; failed calls and agreement partners stay readable.
  return path
    .map((step) => {
      const [kind, at, ...rest] = step.split(' ');
      const model = (at ?? '').split('@')[0];
      const mark = rest.includes('rejected') ? '✗' : rest[0] === 'failed' ? '!' : '';
      return kind === 'answer' ? `${model}${mark}` : `${kind}:${model}${mark}`;
    })
    .join(' → ');
}

/** The what-if for a person: totals, then the requests whose path or cost changed. */
function renderWhatIf(report: WhatIfReport, rows: number): string {
  const t = report.totals;
  // Relative to the old cost; none when nothing was spent before.
  const change = t.oldCostUsd > 0 ? (t.newCostUsd - t.oldCostUsd) / t.oldCostUsd : undefined;
  const delta = change === undefined ? '' : ` (${change >= 0 ? '+' : ''}${Math.round(change * 1000) / 10}%)`;
  const changes = Object.entries(t.outcomeChanges)
    .map(([change, n]) => `${change}: ${n}`)
    .join(', ');
  const lines = [
    `what-if over ${t.requests} past cascades (${report.query})`,
    '',
    `compared        ${t.compared} of ${t.requests}${t.compared < t.requests ? ` (${t.requests - t.compared} could not be: see below)` : ''}`,
    `old cost        ${usd(t.oldCostUsd)} (baseline ${usd(t.oldBaselineUsd)})`,
    `new cost        ${usd(t.newCostUsd)}${delta} (baseline ${usd(t.newBaselineUsd)})`,
    `outcomes        ${changes || 'no outcome changes'}`,
    `paths changed   ${t.pathChanges} (final model changed for ${t.finalModelChanges})`,
    `model answers   ${t.reusedExact + t.reusedSimilar} reused from history (${t.reusedSimilar} with other system text), ${t.liveCalls} model calls made now`,
  ];
  const changed = report.rows.filter(
    (r) =>
      r.error !== undefined ||
      (r.new &&
        (r.new.costUsd !== r.old.costUsd ||
          r.new.outcome !== r.old.outcome ||
          shortPath(r.new.path) !== shortPath(r.old.path))),
  );
  if (changed.length > 0 && rows > 0) {
    lines.push('', `requests that changed (${changed.length}${changed.length > rows ? `, first ${rows}` : ''}):`);
    lines.push(
      table(
        ['id', 'old path', 'new path', 'old cost', 'new cost', 'outcome'],
        changed
          .slice(0, rows)
          .map((r: WhatIfRow) => [
            r.id,
            shortPath(r.old.path),
            r.new ? shortPath(r.new.path) : `- (${r.error})`,
            usd(r.old.costUsd),
            r.new ? usd(r.new.costUsd) : '-',
            r.new
              ? r.new.outcome === r.old.outcome
                ? r.old.outcome
                : `${r.old.outcome} → ${r.new.outcome}`
              : r.old.outcome,
          ]),
        { colWidths: [null, 40, 40, null, null, null] },
      ),
    );
  }
  return lines.join('\n');
}

const REPROCESS_HELP = `
Reprocess re-runs the cascades a visibility query matches (their requests read from history) as a
batch under the config given with the global --config (else the worker's). The batch is durable
like any other: follow it with cascade batch status <id>, results with cascade batch results <id>.

--what-if runs nothing: for each completed cascade it works out what the config would have done,
with the cascade's own decision logic over the answers recorded in history. A model the old run
called answers from the record; only calls the old runs never made go to the provider (counted,
capped by --max-calls). Old and new cost and outcomes are compared. Run with the config the
requests ran under, it reproduces their costs exactly.

Queries use Temporal's visibility syntax over the search attributes, e.g.
  "CascadeBatchId = 'batch-1'"   "CascadeTaskType = 'extraction' AND CascadeEscalations >= 1"`;

/** `cascade reprocess --query <q> [--what-if]`: re-run past requests under a new config, or compare what it would do. */
export function registerReprocessCommand(program: Command, cli: CliContext): void {
  program
    .command('reprocess')
    .description(
      're-run past cascades (inputs from history) under a config as a batch, or --what-if compare old and new path and cost',
    )
    .requiredOption('--query <query>', 'visibility query selecting the past cascades')
    .option(
      '--what-if',
      'compare instead of re-running: reuse the recorded answers, call only models the old runs never called',
    )
    .option('--id <batchId>', 'batch id of the reprocessing (reuse one to continue it)')
    .option('--concurrency <n>', 'cascades (or, with --what-if, histories) at once', '10')
    .option('--out <file>', "write every line's result (or, with --what-if, the JSON report) to this file")
    .option('--detach', 'start the reprocessing batch and return at once')
    .option('--no-progress', 'no progress bar')
    .option('--limit <n>', 'what-if: at most this many cascades, newest first')
    .option('--max-calls <n>', 'what-if: at most this many model calls in all (0: answers from history only)')
    .option('--rows <n>', 'what-if: requests listed in the table', '20')
    .option('--json', 'print the batch status, or the what-if report, as one JSON line')
    .addHelpText('after', REPROCESS_HELP)
    .action(async (raw: ReprocessOptions, command: Command) => {
      const options = parseOptions(ReprocessOptions, raw, FLAGS);
      if (options.whatIf) await whatIf(cli, command, options);
      else await reprocess(cli, command, options);
    });
}

async function whatIf(cli: CliContext, command: Command, options: z.infer<typeof ReprocessOptions>): Promise<void> {
  const config = await cli.config(command);
  const [{ runWhatIf }, { createProviderRegistry, MissingApiKeyError }, { writeFile }] = await Promise.all([
    import('../../analytics/what-if.js'),
    import('../../providers/provider-registry.js'),
    import('node:fs/promises'),
  ]);
  let providers: ProviderRegistry | undefined;
  try {
    providers = createProviderRegistry(config, cli.io.env);
  } catch (error) {
    if (!(error instanceof MissingApiKeyError)) throw error;
    cli.note(
      `no API keys for the config's providers: only answers recorded in history are used (${error.problems.join('; ')})`,
    );
  }
  const report = await runWhatIf({
    client: await cli.temporalClient(command),
    query: options.query,
    config,
    ...(providers ? { providers } : {}),
    ...(options.maxCalls !== undefined ? { maxCalls: options.maxCalls } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    concurrency: options.concurrency,
    onProgress: (done) => {
      if (options.progress && done % 100 === 0) cli.note(`${done} cascades compared...`);
    },
  });
  if (options.out) await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
  cli.out(options.json ? JSON.stringify(report) : renderWhatIf(report, options.rows));
  if (report.totals.requests === 0) cli.note('no completed cascade matches the query');
}

async function reprocess(cli: CliContext, command: Command, options: z.infer<typeof ReprocessOptions>): Promise<void> {
  const explicitConfig = cli.globals(command).config !== undefined;
  const config = await cli.config(command);
  const { newBatchId } = await import('../../client/batch-client.js');
  await withBatches(cli, command, async (batches) => {
    const batchId = options.id ?? newBatchId().replace(/^batch-/, 'reprocess-');
    // Continuing a reprocessing keeps its original time bound, so it selects the same cascades.
    let source: BatchSource = { kind: 'query', query: options.query, before: new Date().toISOString() };
    if (options.id) {
      const existing = await batches.source(options.id).catch(() => undefined);
      if (existing?.kind === 'query' && existing.query === options.query) source = existing;
    }
    const { created } = await batches.start({
      batchId,
      source,
      ...(explicitConfig ? { config } : {}),
      options: { concurrency: options.concurrency },
    });
    if (options.detach) {
      cli.out(options.json ? JSON.stringify({ batchId, created }) : batchId);
      return;
    }
    cli.note(
      `${created ? 'started' : 'attached to'} reprocessing batch ${batchId} (Ctrl-C leaves it running; follow it with: cascade batch status ${batchId} --wait)`,
    );
    const view = await follow(cli, batches, batchId, options.progress);
    if (options.out) {
      const { counts } = await writeResultsFile(batches, batchId, options.out);
      cli.note(`results written to ${options.out}: ${describeCounts(counts)}`);
    }
    cli.out(options.json ? JSON.stringify(view) : renderBatchView(view));
    cli.exitCode = exitCodeFor(view);
  });
}
