/**
 * `npx tsx scripts/batch-durability.ts [--lines 10000] [--concurrency 50]`: the batch acceptance run
 * at full size. A batch over the simulated providers, its worker process SIGKILLed half-way and a
 * new one started; prints the figures and exits 1 on any violation (a line lost, a line run twice).
 * Then the what-if over the batch under the same config: the old costs again, no model called.
 * Uses TEMPORAL_ADDRESS when set, else a dev server of its own.
 */
import { Command } from 'commander';
import { openDurabilityContext } from '../test/durability/harness';
import { runBatchKill } from '../test/durability/batch-kill-scenario';
import { runMain } from '../lib/run-main';

async function main(): Promise<number> {
  const options = new Command('batch-durability')
    .option('--lines <n>', 'lines in the batch', '10000')
    .option('--concurrency <n>', 'children at once', '50')
    .option('--page-size <n>', 'lines per page', '200')
    .option('--latency <ms>', 'simulated model latency', '20')
    .option('--no-what-if', 'skip the what-if over the finished batch')
    .parse()
    .opts<{ lines: string; concurrency: string; pageSize: string; latency: string; whatIf: boolean }>();
  const address = process.env.TEMPORAL_ADDRESS;
  const context = await openDurabilityContext(address ? { address } : {});
  try {
    const report = await runBatchKill(context, {
      lines: Number(options.lines),
      concurrency: Number(options.concurrency),
      pageSize: Number(options.pageSize),
      latencyMs: Number(options.latency),
      whatIf: options.whatIf,
      timeoutMs: 4 * 60 * 60_000,
      log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
    });
    const { progress, violations, ...figures } = report;
    console.log(JSON.stringify({ ...figures, totals: progress.totals, violations }, null, 2));
    return violations.length === 0 ? 0 : 1;
  } finally {
    await context.close();
  }
}

runMain(main);
