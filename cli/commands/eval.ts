import path from 'node:path';
import { type WriteStream } from 'node:tty';
import { SingleBar } from 'cli-progress';
import { type Command } from 'commander';
import { z } from 'zod';
import { type EvalProgress } from '../../eval/eval-runner';
import { PROJECT_ROOT } from '../../lib/project-root';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';
import { parseOptions } from '../parse-options';

/** The config `cascade eval` runs when no `--config` is given: its models are the dataset's. */
const DEFAULT_EVAL_CONFIG = path.join(PROJECT_ROOT, 'configs', 'routerbench.yaml');

const Percent = z.coerce.number().min(0).max(100);

/** The command's options as commander hands them over, validated before anything starts. */
const EvalOptions = z.object({
  data: z.array(z.string().min(1)).optional(),
  limit: z.coerce.number().int().positive().optional(),
  concurrency: z.coerce.number().int().min(1).max(500),
  outDir: z.string().min(1),
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
    .optional(),
  macro: z.array(z.string().min(1)).optional(),
  taskType: z.string().min(1).optional(),
  frontier: z.string().min(1).optional(),
  targetRetention: Percent.optional(),
  targetSaving: Percent.optional(),
  perRow: z.boolean().optional(),
  progress: z.boolean(),
});

const FLAGS: Record<string, string> = {
  data: '--data',
  limit: '--limit',
  concurrency: '--concurrency',
  outDir: '--out-dir',
  name: '--name',
  macro: '--macro',
  taskType: '--task-type',
  frontier: '--frontier',
  targetRetention: '--target-retention',
  targetSaving: '--target-saving',
};

function timestampName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `eval-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
}

/**
 * The progress display: a bar on a terminal; on a pipe or a log, one line whenever a policy starts
 * on a dataset, so CI logs show where a run is without a flood of redraws.
 */
function progressReporter(cli: CliContext, enabled: boolean): { update(progress: EvalProgress): void; stop(): void } {
  const stream = cli.io.stderr as WriteStream;
  if (enabled && stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format:
        '{bar} {percentage}% | {value}/{total} cascades | {policy} on {dataset} | {errors} errors | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 200,
    });
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(p.total, 0, { policy: p.policy, dataset: p.dataset, errors: 0 });
          started = true;
        }
        bar.update(p.done, { policy: p.policy, dataset: p.dataset, errors: p.errors });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    update(p) {
      const unit = `${p.policy} on ${p.dataset}`;
      if (!enabled || unit === last) return;
      last = unit;
      cli.note(`[${p.done}/${p.total}] ${unit}`);
    },
    stop() {},
  };
}

/**
 * `cascade eval`: every row of RouterBench-format CSVs through the real cascade workflows, with the
 * simulated providers replaying the recorded answers, for one or more configs (`--config`, repeatable)
 * beside always-frontier, cheapest-only and each single model. Writes a JSON and an HTML report.
 */
export function registerEvalCommand(program: Command, cli: CliContext): void {
  // The program's global `--config` keeps only its last value; eval takes every one given.
  const configFiles: string[] = [];
  program.on('option:config', (value: string) => configFiles.push(value));

  program
    .command('eval')
    .description(
      'evaluate configs on RouterBench-format CSVs through the real workflows, replaying recorded answers (cost, quality, escalations, latency)',
    )
    .option(
      '--data <csv...>',
      'RouterBench-format CSV files (default: the three train splits in the shared data folder)',
    )
    .option('--limit <n>', 'only the first N rows of each file')
    .option('--concurrency <n>', 'cascades in flight at once', '20')
    .option('--out-dir <dir>', 'where the JSON and HTML reports go', 'reports')
    .option('--name <name>', 'base name of the report files (default: eval-<date>-<time>)')
    .option('--macro <dataset...>', 'datasets (file base names) the macro averages cover (default: all)')
    .option('--task-type <route>', 'skip the classifier: send every row with this task type')
    .option(
      '--frontier <model-id>',
      "the config model always-frontier calls (default: the first config's baseline model)",
    )
    .option('--target-retention <percent>', 'judge configs against this macro quality retention, e.g. 97')
    .option('--target-saving <percent>', 'judge configs against this macro cost saving, e.g. 65')
    .option('--per-row', "keep every row's outcome in the JSON report")
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      `
Configs: --config <file>, repeatable (several configs share one report and one chart); default
configs/routerbench.yaml. Every model a config uses must be a dataset model (its provider model name).
Temporal: an embedded in-memory dev server, unless TEMPORAL_ADDRESS or --address names a server.
Exit code 1 when some row ended without an answer or some call could not be priced.`,
    )
    .action(async (raw: Record<string, unknown>, command: Command) => {
      const options = parseOptions(EvalOptions, raw, FLAGS);
      const files = configFiles.length > 0 ? configFiles : [DEFAULT_EVAL_CONFIG];
      const { namespace } = cli.globals(command);
      const explicitAddress =
        command.getOptionValueSourceWithGlobals('address') === 'cli' ? cli.globals(command).address : undefined;
      const address = explicitAddress ?? (cli.io.env.TEMPORAL_ADDRESS || undefined);

      // Loaded here, not at start-up: the evaluator brings the worker, the simulator and the provider SDKs.
      const [
        { evaluateConfigs, writeEvalOutputs },
        { EvalConfigError },
        { renderEvalTerminal },
        { installQuietTemporalRuntime, openTemporalTarget },
        { routerbenchTrainFiles },
      ] = await Promise.all([
        import('../../eval/evaluate-configs.js'),
        import('../../eval/eval-runner.js'),
        import('../../eval/eval-terminal.js'),
        import('../../eval/temporal-target.js'),
        import('../../simulator/index.js'),
      ]);
      const temporalWarnings: string[] = [];
      installQuietTemporalRuntime((line) => temporalWarnings.push(line));
      const temporal = await openTemporalTarget({
        ...(address ? { address } : {}),
        namespace,
        log: (line) => cli.note(line),
        env: cli.io.env,
      });
      const progress = progressReporter(cli, options.progress);
      let report;
      try {
        report = await evaluateConfigs({
          configFiles: files,
          dataFiles: options.data ?? routerbenchTrainFiles(),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          concurrency: options.concurrency,
          ...(options.taskType ? { taskType: options.taskType } : {}),
          ...(options.macro ? { macroDatasets: options.macro } : {}),
          ...(options.frontier ? { frontierModel: options.frontier } : {}),
          targets: {
            ...(options.targetRetention !== undefined ? { retention: options.targetRetention / 100 } : {}),
            ...(options.targetSaving !== undefined ? { saving: options.targetSaving / 100 } : {}),
          },
          ...(options.perRow ? { includeRows: true } : {}),
          temporal,
          onProgress: (p) => progress.update(p),
          log: (line) => cli.note(line),
        });
      } catch (error) {
        // A config or option the data cannot serve is a usage error, like an invalid config.
        if (error instanceof EvalConfigError) throw new CliError(error.message, EXIT_CODES.usage);
        throw error;
      } finally {
        progress.stop();
        await temporal.close();
      }
      for (const line of temporalWarnings.slice(0, 20)) cli.note(line);
      if (temporalWarnings.length > 20) cli.note(`(${temporalWarnings.length - 20} more Temporal warnings)`);

      const outputs = await writeEvalOutputs(report, path.resolve(options.outDir), options.name ?? timestampName());
      cli.out(renderEvalTerminal(report));
      cli.out('');
      cli.out(`JSON: ${path.relative(process.cwd(), outputs.json)}`);
      cli.out(`HTML: ${path.relative(process.cwd(), outputs.html)}`);
      const incomplete = report.policies.some((p) =>
        Object.values(p.datasets).some((d) => d.errors > 0 || d.unpricedCalls > 0 || d.unattributedCalls > 0),
      );
      if (incomplete) cli.exitCode = EXIT_CODES.failure;
    });
}
