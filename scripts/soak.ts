/**
 * `npm run soak`: the durability scenarios at full size, one after another, on a dev server of
 * their own: 50 requests through three worker SIGKILLs, two server restarts, a 60 s provider
 * outage, a larger 429 storm, 401s and 400s, and bad model output with 790,000-character answers.
 * Prints the figures and writes them to `reports/soak.json` (or `--out <file>`). Exits 1 when
 * anything was lost, duplicated, retried early or failed a workflow task, or any expectation broke.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../config/load-config';
import { MUST_BE_ZERO } from '../test/durability/assert-durable';
import { openDurabilityContext, type DurabilityContext } from '../test/durability/harness';
import {
  runBadModelOutput,
  runNonRetryableErrors,
  runProviderOutage,
  runRateLimitStorm,
  runServerRestart,
  runWorkerCrash,
  type DurabilityFigures,
  type ScenarioReport,
} from '../test/durability/scenarios';
import { runMain } from '../lib/run-main';

const options = new Command('soak')
  .description('Run the durability scenarios at full size and write their figures')
  .option('--out <file>', 'where to write the figures', path.join(PROJECT_ROOT, 'reports', 'soak.json'))
  .parse()
  .opts<{ out: string }>();

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);

const SCENARIOS: Array<{ name: string; run: (context: DurabilityContext) => Promise<ScenarioReport> }> = [
  { name: 'worker-crash', run: (context) => runWorkerCrash(context, { requests: 50, kills: 3, log }) },
  { name: 'server-restart', run: (context) => runServerRestart(context, { requests: 24, restarts: 2, log }) },
  {
    name: 'provider-outage',
    run: (context) => runProviderOutage(context, { outageMs: 60_000, requestsPerWave: 12, log }),
  },
  {
    name: 'rate-limit-storm',
    run: (context) => runRateLimitStorm(context, { requestsPerRoute: 20, rateLimitsPerRequest: 4, log }),
  },
  { name: 'non-retryable-errors', run: (context) => runNonRetryableErrors(context, { requestsPerKind: 5, log }) },
  {
    name: 'bad-model-output',
    run: (context) => runBadModelOutput(context, { requestsPerKind: 4, hugeAnswerChars: 790_000, log }),
  },
];

type Totals = Pick<DurabilityFigures, 'requests' | 'kills' | 'restarts' | 'modelCalls' | (typeof MUST_BE_ZERO)[number]>;

async function main(): Promise<number> {
  const started = Date.now();
  log('starting a Temporal dev server and bundling the workflows');
  const context = await openDurabilityContext({});
  const reports: Array<{ name: string; report?: ScenarioReport; error?: string }> = [];
  try {
    for (const scenario of SCENARIOS) {
      log(`--- ${scenario.name}`);
      try {
        const report = await scenario.run(context);
        reports.push({ name: scenario.name, report });
        log(
          `${scenario.name}: ${report.figures.completed}/${report.figures.requests} completed, ${report.violations.length} violations, ${Math.round(report.durationMs / 1000)} s`,
        );
        for (const violation of report.violations.slice(0, 20)) log(`  violation: ${violation}`);
      } catch (error) {
        reports.push({ name: scenario.name, error: (error as Error).stack ?? String(error) });
        log(`${scenario.name}: did not finish: ${(error as Error).message}`);
      }
    }
  } finally {
    await context.close();
  }

  const totals: Totals = {
    requests: 0,
    kills: 0,
    restarts: 0,
    modelCalls: 0,
    lost: 0,
    duplicateRuns: 0,
    completedCallsRepeated: 0,
    answersPaidTwice: 0,
    retriesBeforeRetryAfter: 0,
    workflowTaskFailures: 0,
  };
  for (const { report } of reports) {
    if (!report) continue;
    for (const key of Object.keys(totals) as Array<keyof Totals>) totals[key] += report.figures[key];
  }
  const failed = reports.filter((r) => r.error || r.report!.violations.length > 0).map((r) => r.name);
  const passed = failed.length === 0 && MUST_BE_ZERO.every((key) => totals[key] === 0);

  const document = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    passed,
    totals,
    scenarios: reports.map(({ name, report, error }) =>
      report
        ? {
            name,
            durationSeconds: Math.round(report.durationMs / 1000),
            figures: report.figures,
            details: report.details,
            violations: report.violations,
          }
        : { name, error },
    ),
  };
  await mkdir(path.dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(document, null, 2)}\n`);

  console.log('');
  console.table(
    Object.fromEntries(reports.filter((r) => r.report).map(({ name, report }) => [name, { ...report!.figures }])),
  );
  console.log('');
  const width = Math.max(...Object.keys(totals).map((key) => key.length));
  for (const [key, value] of Object.entries(totals)) console.log(`  ${key.padEnd(width)}  ${value}`);
  console.log('');
  console.log(
    passed
      ? `PASSED: nothing lost, nothing done twice, no early retry, no workflow task failure (${document.durationSeconds} s)`
      : `FAILED: ${failed.join(', ') || 'non-zero loss or duplication figures'}`,
  );
  console.log(`figures written to ${path.relative(process.cwd(), options.out) || options.out}`);
  return passed ? 0 : 1;
}

runMain(main, { errorPrefix: 'soak failed to run: ' });
