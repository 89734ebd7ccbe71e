/**
 * `npm run topology [-- --requests 100] [--out file]`: runs the production topology on this machine
 * (PostgreSQL, the Temporal server built from Go modules, one API and two workers as processes) with
 * its durability scenario, prints the figures and writes them to `reports/production-topology.json`.
 * Exits 1 when anything was lost or done twice, or the report and the metrics disagree.
 */
import path from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../lib/project-root';
import { runProductionTopology, writeTopologyReport } from '../test/topology/production-topology';
import { runMain } from '../lib/run-main';

const options = new Command('topology')
  .description('Run the production topology and its durability scenario, and write the figures')
  .option('--requests <n>', 'requests in flight at the worker kill', '100')
  .option('--out <file>', 'where to write the figures', path.join(PROJECT_ROOT, 'reports', 'production-topology.json'))
  .parse()
  .opts<{ requests: string; out: string }>();

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);

async function main(): Promise<number> {
  const requests = Number(options.requests);
  if (!Number.isInteger(requests) || requests < 3) {
    console.error(`error: --requests: expected a whole number of at least 3, got "${options.requests}"`);
    return 2;
  }
  const report = await runProductionTopology({ requests, log });
  await writeTopologyReport(report, options.out);
  console.log(JSON.stringify({ figures: report.figures, durations: report.durations, totals: report.totals }, null, 2));
  log(`written: ${options.out}`);
  for (const violation of report.violations) console.error(`violation: ${violation}`);
  return report.violations.length === 0 ? 0 : 1;
}

runMain(main, { errorPrefix: 'error: ' });
