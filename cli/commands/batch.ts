import { createWriteStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { type WriteStream } from 'node:tty';
import { SingleBar } from 'cli-progress';
import { type Command } from 'commander';
import { z } from 'zod';
import { batchSourcePolicyFromEnv, checkBatchSource } from '../../batch/batch-source-policy';
import { BatchId, BatchSource } from '../../core/batch';
import { type BatchClient, type BatchView } from '../../client/batch-client';
import { type BatchResultLine } from '../../batch/batch-results';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';
import { parseOptions } from '../parse-options';
import { costVsBaseline, table, usd } from '../render';

/** A whole count of at least 1, as an option's text. Shared with `reprocess`. */
export const Count = (max: number) => z.coerce.number().int().min(1).max(max);

/** `batch run`'s options as commander hands them over, validated before anything starts. */
const RunOptions = z.object({
  out: z.string().min(1).optional(),
  concurrency: Count(1000),
  pageSize: Count(10_000),
  id: BatchId.optional(),
  detach: z.boolean().optional(),
  progress: z.boolean(),
  json: z.boolean().optional(),
});
type RunOptions = z.input<typeof RunOptions>;

const FLAGS: Record<string, string> = {
  out: '--out',
  concurrency: '--concurrency',
  pageSize: '--page-size',
  id: '--id',
};

/**
 * A local path (resolved, so the worker reads the same file) or an http(s) URL, refused here when
 * the batch source limits (`LLM_CASCADE_BATCH_DIRS`, `LLM_CASCADE_BATCH_URL_PREFIXES`, as set for
 * the worker) do not allow it: the worker would refuse it too, later and less visibly.
 */
async function sourceFrom(input: string, env: NodeJS.ProcessEnv): Promise<BatchSource> {
  const policy = batchSourcePolicyFromEnv(env);
  const allowed = async (source: BatchSource): Promise<BatchSource> => {
    try {
      await checkBatchSource(source, policy);
    } catch (error) {
      throw new CliError(`cannot use "${input}" as a batch input: ${(error as Error).message}`, EXIT_CODES.usage);
    }
    return source;
  };
  if (/^https?:\/\//i.test(input)) {
    const parsed = BatchSource.safeParse({ kind: 'url', url: input });
    if (!parsed.success) throw new CliError(`"${input}" is not a valid http(s) URL`, EXIT_CODES.usage);
    return allowed(parsed.data);
  }
  const file = path.resolve(input);
  await allowed({ kind: 'file', path: file });
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new CliError(
      `cannot read "${input}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the worker reads the input at the same path`,
      EXIT_CODES.usage,
    );
  }
  return { kind: 'file', path: file };
}

/** Runs `body` with a batch client on the config's task queue, its errors turned into the CLI's exit codes. */
export async function withBatches<T>(
  cli: CliContext,
  command: Command,
  body: (batches: BatchClient) => Promise<T>,
): Promise<T> {
  const config = await cli.config(command);
  const { BatchClient, BatchConflictError, BatchNotFoundError } = await import('../../client/batch-client.js');
  const client = await cli.temporalClient(command);
  try {
    return await body(new BatchClient(client, config.taskQueue));
  } catch (error) {
    if (error instanceof BatchNotFoundError) throw new CliError(error.message, EXIT_CODES.failure);
    if (error instanceof BatchConflictError) throw new CliError(error.message, EXIT_CODES.usage);
    throw error;
  }
}

function finished(view: BatchView): number {
  return view.totals.done + view.totals.failed;
}

/** A batch's status for a person. */
export function renderBatchView(view: BatchView): string {
  const t = view.totals;
  const total = view.totalLines !== undefined ? ` of ${view.totalLines}` : '';
  const outcomes = Object.entries(t.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
  const rows: [string, string][] = [
    ['batch', view.batchId],
    [
      'status',
      `${view.workflowStatus === 'RUNNING' || view.workflowStatus === 'COMPLETED' ? view.status : view.workflowStatus.toLowerCase()} (run ${view.run})`,
    ],
    ['input', view.source],
    ['lines', `${finished(view)}${total} finished: ${t.done} done, ${t.failed} failed, ${view.running} running`],
    ['outcomes', outcomes || '-'],
    ['cost', costVsBaseline(t.costUsd, t.baselineUsd, t.savedUsd, 'the baseline model')],
    ['started', view.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')],
  ];
  if (view.error) rows.push(['error', view.error]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  if (view.recentFailures.length > 0) {
    lines.push(
      '',
      `recent failures (${t.failed} in all; \`cascade batch results ${view.batchId} --failed\` lists every one):`,
    );
    lines.push(
      table(
        ['line', 'key', 'error'],
        view.recentFailures.map((f) => [f.line, f.key, f.error]),
        { colWidths: [null, null, 90] },
      ),
    );
  }
  return lines.join('\n');
}

/** The progress display: a bar with ETA and cost on a terminal; a line every few seconds on a pipe or log. */
function progressBar(cli: CliContext, enabled: boolean): { update(view: BatchView): void; stop(): void } {
  const stream = cli.io.stderr as WriteStream;
  if (!enabled) return { update() {}, stop() {} };
  const bar = new SingleBar({
    stream,
    format:
      '{bar} {percentage}% | {value}/{total} lines | ETA {eta_formatted} | {cost} spent, {saved} saved | {failed} failed, {running} running',
    hideCursor: stream.isTTY === true,
    etaBuffer: 50,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  let started = false;
  return {
    update(view) {
      const value = finished(view);
      const total = view.totalLines ?? value + view.running;
      // Until the worker has counted the input and started a line there is nothing to measure.
      if (!started && total === 0) return;
      const payload = {
        cost: usd(view.totals.costUsd),
        saved: usd(view.totals.savedUsd),
        failed: view.totals.failed,
        running: view.running,
      };
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      }
      bar.setTotal(total);
      bar.update(value, payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** Writes every line's result, in input order, as JSONL; returns how many had each status and the first failures. */
async function writeResults(
  batches: BatchClient,
  batchId: string,
  out: NodeJS.WritableStream,
  filter: (line: BatchResultLine) => boolean = () => true,
): Promise<{ counts: Record<BatchResultLine['status'], number>; failures: BatchResultLine[] }> {
  const counts: Record<BatchResultLine['status'], number> = { ok: 0, failed: 0, pending: 0, not_run: 0 };
  const failures: BatchResultLine[] = [];
  const { resultsOfBatch } = await import('../../batch/batch-results.js');
  for await (const line of resultsOfBatch(batches, batchId)) {
    counts[line.status] += 1;
    if (line.status === 'failed' && failures.length < 10) failures.push(line);
    if (!filter(line)) continue;
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  }
  return { counts, failures };
}

/** `writeResults` into a file, closed once written. Shared with `reprocess`. */
export async function writeResultsFile(
  batches: BatchClient,
  batchId: string,
  file: string,
  filter?: (line: BatchResultLine) => boolean,
) {
  const out = createWriteStream(path.resolve(file));
  try {
    return await writeResults(batches, batchId, out, filter);
  } finally {
    out.end();
    await once(out, 'close');
  }
}

/** Line counts by status for a person, e.g. `98 ok, 2 failed` (statuses with none left out). */
export function describeCounts(counts: Record<BatchResultLine['status'], number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status.replace('_', ' ')}`)
    .join(', ');
}

/** 0: every line has a result; 4: some lines failed (listed); 1: the batch itself failed or was cancelled. */
export function exitCodeFor(view: BatchView): (typeof EXIT_CODES)[keyof typeof EXIT_CODES] {
  if (view.workflowStatus !== 'COMPLETED' || view.status === 'cancelled') return EXIT_CODES.failure;
  return view.totals.failed > 0 ? EXIT_CODES.notAccepted : EXIT_CODES.ok;
}

const BATCH_HELP = `
A batch reads a JSONL file (a path the worker can read too, or an http(s) URL the worker can reach)
of cascade requests, one per line ({"id": "...", "prompt": "..."}; the id is optional), and runs a
cascade per line, at most --concurrency at once, durably: the batch id makes every line's cascade
idempotent (<batch id>/<line id or number>), so running the same id again after any crash continues
where it stopped and never runs a line twice. Results come out in input order; invalid lines are
listed with their errors. With the global --config, every line runs under that config; without it,
under the worker's.

Exit codes of run and status --wait: 0 every line has a result, 4 some lines failed, 1 the batch
failed or was cancelled.`;

/** `cascade batch run|status|pause|resume|cancel|results`: durable batches of cascade requests. */
export function registerBatchCommand(program: Command, cli: CliContext): void {
  const batch = program
    .command('batch')
    .description('run a JSONL file of requests through the cascade as a durable batch, and follow or steer it')
    .addHelpText('after', BATCH_HELP);

  batch
    .command('run')
    .description('start a batch (or continue the one with --id) and follow it with a progress bar')
    .argument('<input>', 'JSONL file of cascade requests, or an http(s) URL')
    .option('--out <file>', "write every line's result, in input order, to this JSONL file when done")
    .option('--concurrency <n>', 'cascades running at once', '10')
    .option('--page-size <n>', 'lines the worker reads per page', '200')
    .option('--id <batchId>', 'batch id: reuse one to continue that batch (default: a new id)')
    .option('--detach', 'print the batch id and return at once')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the final status as one JSON line')
    .action(async (input: string, raw: RunOptions, command: Command) => {
      const options = parseOptions(RunOptions, raw, FLAGS);
      const source = await sourceFrom(input, cli.io.env);
      const explicitConfig = cli.globals(command).config !== undefined;
      const config = await cli.config(command);
      await withBatches(cli, command, async (batches) => {
        const { batchId, created } = await batches.start({
          ...(options.id ? { batchId: options.id } : {}),
          source,
          ...(explicitConfig ? { config } : {}),
          options: {
            concurrency: options.concurrency,
            pageSize: options.pageSize,
            cascadeTimeoutMs: config.resilience.cascadeTimeoutMs,
          },
        });
        if (options.detach) {
          cli.out(options.json ? JSON.stringify({ batchId, created }) : batchId);
          if (!options.json)
            cli.note(
              `${created ? 'started' : 'attached to'} batch ${batchId}; follow it with: cascade batch status ${batchId} --wait`,
            );
          return;
        }
        cli.note(
          `${created ? 'started' : 'attached to'} batch ${batchId} (Ctrl-C leaves it running; follow it with: cascade batch status ${batchId} --wait)`,
        );
        const view = await follow(cli, batches, batchId, options.progress);
        if (options.out) {
          const { counts } = await writeResultsFile(batches, batchId, options.out);
          cli.note(`results in input order written to ${options.out}: ${describeCounts(counts)}`);
        }
        cli.out(options.json ? JSON.stringify(view) : renderBatchView(view));
        cli.exitCode = exitCodeFor(view);
      });
    });

  batch
    .command('status')
    .description("show a batch's progress: lines done, failed, running, cost so far")
    .argument('<id>', 'the batch id')
    .option('--wait', 'follow it with a progress bar until it ends')
    .option('--json', 'print the status as one JSON line')
    .action(async (id: string, options: { wait?: boolean; json?: boolean }, command: Command) => {
      await withBatches(cli, command, async (batches) => {
        const view = options.wait ? await follow(cli, batches, id, true) : await batches.status(id);
        cli.out(options.json ? JSON.stringify(view) : renderBatchView(view));
        if (options.wait) cli.exitCode = exitCodeFor(view);
      });
    });

  const steer = (name: 'pause' | 'resume' | 'cancel', description: string, done: string) =>
    batch
      .command(name)
      .description(description)
      .argument('<id>', 'the batch id')
      .action(async (id: string, _options: unknown, command: Command) => {
        await withBatches(cli, command, async (batches) => {
          const delivered = await batches[name](id);
          cli.out(delivered ? `${done} ${id}` : `batch ${id} has already ended; nothing to ${name}`);
        });
      });
  steer('pause', 'stop starting lines (running ones finish) until resume', 'paused');
  steer('resume', 'start lines again after pause', 'resumed');
  steer(
    'cancel',
    'stop the batch: no more lines start, running ones finish, the batch ends cancelled',
    'cancel requested for',
  );

  batch
    .command('results')
    .description("print every line's result in input order as JSONL (failed lines with their errors)")
    .argument('<id>', 'the batch id')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--failed', 'only the lines without a result')
    .action(async (id: string, options: { out?: string; failed?: boolean }, command: Command) => {
      await withBatches(cli, command, async (batches) => {
        const filter = options.failed ? (line: BatchResultLine) => line.status !== 'ok' : undefined;
        const { counts } = options.out
          ? await writeResultsFile(batches, id, options.out, filter)
          : await writeResults(batches, id, cli.io.stdout, filter);
        cli.note(`${describeCounts(counts) || 'no lines'}${options.out ? `; written to ${options.out}` : ''}`);
        if (counts.failed > 0) cli.exitCode = EXIT_CODES.notAccepted;
      });
    });
}

/** Polls the batch's progress into the bar until the batch ends; returns its final status. Shared with `reprocess`. */
export async function follow(
  cli: CliContext,
  batches: BatchClient,
  batchId: string,
  showProgress: boolean,
): Promise<BatchView> {
  const bar = progressBar(cli, showProgress);
  try {
    for (;;) {
      const view = await batches.status(batchId);
      bar.update(view);
      if (view.workflowStatus !== 'RUNNING') return view;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    bar.stop();
  }
}
