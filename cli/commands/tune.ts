import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command } from 'commander';
import { z } from 'zod';
import { AgreementNormalization, type CascadeConfig } from '../../core/config';
import { PROJECT_ROOT } from '../../lib/project-root';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';
import { parseOptions } from '../parse-options';
import { table } from '../render';
import { timeFrom } from './list';

/** The config `cascade tune` starts from when no `--config` is given: its models are the dataset's. */
const DEFAULT_TUNE_CONFIG = path.join(PROJECT_ROOT, 'configs', 'routerbench.yaml');
/** The RouterBench train splits whose task fits a multiple-choice route (MBPP is code). */
const DEFAULT_TUNE_FILES = ['arc_challenge_train.csv', 'winograde_train.csv'];

const Percent = z.coerce.number().min(0).max(100);

const TuneOptions = z.object({
  data: z.array(z.string().min(1)).optional(),
  route: z.string().min(1),
  models: z.array(z.string().min(1)).optional(),
  maxCostShare: Percent,
  families: z.array(z.enum(['format', 'pair', 'triple', 'two-stage'])).min(1),
  normalize: AgreementNormalization.optional(),
  macro: z.array(z.string().min(1)).optional(),
  targetRetention: Percent.optional(),
  targetSaving: Percent.optional(),
  top: z.coerce.number().int().min(1).max(1000),
  json: z.string().min(1).optional(),
  writeConfig: z.string().min(1).optional(),
});

const FLAGS: Record<string, string> = {
  data: '--data',
  route: '--route',
  models: '--models',
  maxCostShare: '--max-cost-share',
  families: '--families',
  normalize: '--normalize',
  macro: '--macro',
  targetRetention: '--target-retention',
  targetSaving: '--target-saving',
  top: '--top',
  json: '--json',
  writeConfig: '--write-config',
};

const pct = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;

/**
 * `cascade tune`: searches structural cascade policies over the config's models on recorded
 * RouterBench-format data, in memory, and prints the best trade-offs between quality retention and
 * cost saving; `--write-config` writes the best policy that meets the targets as a config that
 * `cascade eval` can confirm through the real workflows.
 */
export function registerTuneCommand(program: Command, cli: CliContext): void {
  program
    .command('tune')
    .description(
      'search structural cascade policies (format, agreement, two stages) on recorded data for the best cost/quality trade-offs',
    )
    .option('--data <csv...>', 'RouterBench-format CSV files (default: the ARC-Challenge and Winogrande train splits)')
    .option('--route <name>', 'the config route the policy is for', 'multiple_choice')
    .option(
      '--models <id...>',
      'config model ids the policies may use below the frontier (default: every dataset model under --max-cost-share)',
    )
    .option(
      '--max-cost-share <percent>',
      'default candidates cost at most this share of the frontier model on the data',
      '25',
    )
    .option('--families <family...>', 'policy shapes: format, pair, triple, two-stage', [
      'format',
      'pair',
      'triple',
      'two-stage',
    ])
    .option(
      '--normalize <kind>',
      "how answers are compared for agreement (default: the route's agreement check, else choice)",
    )
    .option('--macro <dataset...>', 'datasets (file base names) the macro averages cover (default: all)')
    .option('--target-retention <percent>', 'macro quality retention to reach, e.g. 97')
    .option('--target-saving <percent>', 'macro cost saving to reach, e.g. 65')
    .option('--top <n>', 'policies of the front to show', '12')
    .option('--json <file>', 'write the front and the verdict as JSON')
    .option('--write-config <file>', 'write the config for the policy that meets the targets with the highest saving')
    .option(
      '--from-history',
      "instead: propose each route's start tier from the cascades that ran (Temporal), at their observed acceptance",
    )
    .option('--since <time>', 'with --from-history: cascades started since an ISO date or a duration ago', '30d')
    .option('--history-query <query>', 'with --from-history: only cascades matching this visibility query')
    .option('--min-samples <n>', 'with --from-history: completed cascades a route needs to be tuned', '20')
    .option('--limit <n>', 'with --from-history: read at most this many cascades, newest first', '5000')
    .addHelpText(
      'after',
      `
With --from-history, the service's config (--config, LLM_CASCADE_CONFIG) and the cascades that
ran are read instead: per route, each tier's acceptance (answers that passed their checks) and cost
per visit, observed in the steps; the proposal is the start tier with the lowest expected cost, and
--write-config writes the config with it.

The frontier is the top tier of --route in the config (default configs/routerbench.yaml). Every
policy is replayed in memory from the recorded answers with the engine's own checks; the fold
columns give the range of macro numbers over 5 interleaved slices of the rows, a sign of how well a
choice will hold on new data. Confirm a written config with: cascade eval --config <file>.`,
    )
    .action(async (raw: Record<string, unknown>, command: Command) => {
      if (raw.fromHistory) return tuneFromHistory(cli, command, raw);
      const historyOnly = HISTORY_ONLY.filter((name) => command.getOptionValueSource(name) === 'cli');
      if (historyOnly.length > 0)
        throw new CliError(
          `${historyOnly.map((n) => HISTORY_FLAGS[n]).join(', ')}: only with --from-history`,
          EXIT_CODES.usage,
        );
      const options = parseOptions(TuneOptions, raw, FLAGS);
      // Like `cascade eval`: the dataset's models live in their own config, not the service's.
      const configFile =
        command.getOptionValueSourceWithGlobals('config') === 'cli'
          ? cli.globals(command).config!
          : DEFAULT_TUNE_CONFIG;
      const [
        { loadConfig },
        search,
        { configModelId, routeTopTier, tunedConfigYaml },
        { loadEvalDatasets },
        { resolveSharedDataDir },
        { RouterbenchDataError },
      ] = await Promise.all([
        import('../../config/load-config.js'),
        import('../../eval/policy-search.js'),
        import('../../eval/policy-config.js'),
        import('../../eval/eval-dataset.js'),
        import('../../lib/shared-data-dir.js'),
        import('../../simulator/routerbench-dataset.js'),
      ]);
      const config = await loadConfig(configFile);
      const files =
        options.data ?? DEFAULT_TUNE_FILES.map((f) => path.join(resolveSharedDataDir(), 'data', 'routerbench', f));
      const datasets = await loadEvalDatasets(files).catch((error: unknown) => {
        throw error instanceof RouterbenchDataError
          ? new CliError(`--data: ${error.message}`, EXIT_CODES.usage)
          : error;
      });
      const macro = options.macro ?? datasets.map((d) => d.name);
      const unknownMacro = macro.filter((m) => !datasets.some((d) => d.name === m));
      if (unknownMacro.length > 0)
        throw new CliError(
          `--macro: no dataset named ${unknownMacro.join(', ')} (datasets: ${datasets.map((d) => d.name).join(', ')})`,
          EXIT_CODES.usage,
        );

      const usage = (message: string) => new CliError(message, EXIT_CODES.usage);
      let frontier: string;
      let candidates: string[];
      let normalization: AgreementNormalization;
      let tables;
      try {
        const routeConfig = config.routes[options.route];
        if (!routeConfig)
          throw new search.PolicySearchError(
            `--route: the config has no route "${options.route}" (routes: ${Object.keys(config.routes).join(', ')})`,
          );
        const topTier = routeTopTier(config, options.route);
        frontier = config.models[config.tiers.find((t) => t.name === topTier)!.model]!.model;
        normalization =
          options.normalize ?? routeConfig.checks.find((c) => c.type === 'agreement')?.normalize ?? 'choice';
        const datasetModel = (id: string) => {
          const model = config.models[id];
          if (!model)
            throw new search.PolicySearchError(
              `--models: no model "${id}" in the config (models: ${Object.keys(config.models).join(', ')})`,
            );
          return model.model;
        };
        const recorded = (name: string) => datasets.every((d) => d.models.includes(name));
        candidates = options.models
          ? options.models.map(datasetModel)
          : defaultCandidates(config, datasets, frontier, options.maxCostShare / 100, recorded);
        candidates = [...new Set(candidates)].filter((m) => m !== frontier);
        if (candidates.length === 0)
          throw new search.PolicySearchError(
            'no candidate models below the frontier: name some with --models, or raise --max-cost-share',
          );
        const checks = routeConfig.checks.filter((c) => c.type !== 'agreement');
        tables = datasets.map((d) => search.replayTable(d, candidates, frontier, checks, normalization));
      } catch (error) {
        if (error instanceof search.PolicySearchError) throw usage(error.message);
        throw error;
      }

      const policies = search.enumeratePolicies(candidates, frontier, options.families);
      if (policies.length === 0)
        throw usage(
          `--families: ${options.families.join(', ')} need${options.families.length === 1 ? 's' : ''} more models than the ${candidates.length} given`,
        );
      const scored = search.scorePolicies(tables, policies, macro);
      const front = search.paretoFront(scored, (s) => s.macro);
      const perDataset = macro.length > 1 ? search.perDatasetFront(scored, macro) : [];
      const targets = {
        ...(options.targetRetention !== undefined ? { retention: options.targetRetention / 100 } : {}),
        ...(options.targetSaving !== undefined ? { saving: options.targetSaving / 100 } : {}),
      };
      const hasTargets = Object.keys(targets).length > 0;
      const meeting = front
        .filter((s) => search.meetsTargets(s.macro, targets))
        .sort((a, b) => b.macro.saving - a.macro.saving);
      const idOf = (name: string) => {
        try {
          return configModelId(config, name);
        } catch {
          return name;
        }
      };
      const name = (policy: Parameters<typeof search.describePolicy>[0]) => search.describePolicy(policy, idOf);

      // Show the front around the targets: from the highest retention down to the highest saving.
      const shown = hasTargets ? nearTargets(front, targets, options.top) : front.slice(0, options.top);
      const spreads = new Map(shown.map((s) => [s, search.foldSpread(tables, s.policy, macro)]));
      cli.out(
        `${scored.length} policies over ${candidates.length} models (${candidates.map(idOf).join(', ')}), frontier ${idOf(frontier)}, on ${datasets.map((d) => `${d.name} (${d.rows.length} rows)`).join(', ')}; ${front.length} on the front`,
      );
      cli.out('');
      cli.out(
        table(
          [
            'policy',
            ...datasets.map((d) => d.name.replace(/_train$/, '')),
            'macro retention',
            'macro saving',
            'fold retention',
            'fold saving',
          ],
          shown.map((s) => {
            const spread = spreads.get(s)!;
            return [
              name(s.policy),
              ...datasets.map((d) => `${pct(s.datasets[d.name]!.retention)} / ${pct(s.datasets[d.name]!.saving)}`),
              pct(s.macro.retention),
              pct(s.macro.saving),
              `${pct(spread.retention[0])}-${pct(spread.retention[1])}`,
              `${pct(spread.saving[0])}-${pct(spread.saving[1])}`,
            ];
          }),
        ),
      );
      const perDatasetShown = hasTargets
        ? nearTargets(perDataset, targets, Math.min(options.top, 6))
        : perDataset.slice(0, 6);
      if (perDatasetShown.length > 0) {
        cli.out('');
        cli.out('with a route per dataset (if the classifier can tell them apart):');
        cli.out(
          table(
            ['macro retention', 'macro saving', ...macro.map((d) => d.replace(/_train$/, ''))],
            perDatasetShown.map((c) => [
              pct(c.macro.retention),
              pct(c.macro.saving),
              ...macro.map(
                (d) =>
                  `${name(c.policies[d]!.policy)} ${pct(c.policies[d]!.datasets[d]!.retention)} / ${pct(c.policies[d]!.datasets[d]!.saving)}`,
              ),
            ]),
          ),
        );
      }

      const verdict = hasTargets
        ? describeVerdict(front, perDataset, targets, meeting[0] ? name(meeting[0].policy) : undefined)
        : undefined;
      if (verdict) {
        cli.out('');
        cli.out(verdict);
      }
      if (options.json) {
        const json = {
          config: configFile,
          route: options.route,
          frontier: idOf(frontier),
          candidates: candidates.map(idOf),
          datasets: datasets.map((d) => ({ name: d.name, file: d.file, rows: d.rows.length })),
          macroDatasets: macro,
          policiesSearched: scored.length,
          targets,
          targetMet: hasTargets ? meeting.length > 0 : null,
          front: front.map((s) => ({ policy: name(s.policy), family: s.family, macro: s.macro, datasets: s.datasets })),
          perDatasetFront: perDataset.map((c) => ({
            macro: c.macro,
            policies: Object.fromEntries(Object.entries(c.policies).map(([d, s]) => [d, name(s.policy)])),
          })),
        };
        await writeFile(options.json, `${JSON.stringify(json, null, 2)}\n`);
        cli.note(`written: ${options.json}`);
      }
      if (options.writeConfig) {
        const best = meeting[0] ?? (hasTargets ? undefined : front[0]);
        if (!best)
          throw new CliError(`--write-config: no policy meets the targets, so nothing was written`, EXIT_CODES.failure);
        let yaml: string;
        try {
          yaml = tunedConfigYaml(await readFile(configFile, 'utf8'), config, options.route, best.policy, normalization);
        } catch (error) {
          if (error instanceof search.PolicySearchError) throw usage(`--write-config: ${error.message}`);
          throw error;
        }
        await writeFile(options.writeConfig, yaml);
        cli.note(
          `written: ${options.writeConfig} (${name(best.policy)}); confirm it with: cascade eval --config ${options.writeConfig}`,
        );
      }
    });
}

/** Config models the data recorded, cheaper on it than `maxShare` of the frontier, by ascending cost. */
function defaultCandidates(
  config: CascadeConfig,
  datasets: readonly { rows: readonly { answers: ReadonlyMap<string, { totalCostUsd: number }> }[] }[],
  frontier: string,
  maxShare: number,
  recorded: (name: string) => boolean,
): string[] {
  const cost = (name: string) =>
    datasets.reduce((sum, d) => sum + d.rows.reduce((s, r) => s + (r.answers.get(name)?.totalCostUsd ?? 0), 0), 0);
  const frontierCost = cost(frontier);
  return [...new Set(Object.values(config.models).map((m) => m.model))]
    .filter((name) => name !== frontier && recorded(name) && cost(name) <= maxShare * frontierCost)
    .sort((a, b) => cost(a) - cost(b));
}

/** The front from the highest retention that still saves the target (or the best there is) towards more saving. */
function nearTargets<T extends { macro: { retention: number; saving: number } }>(
  front: readonly T[],
  targets: { retention?: number; saving?: number },
  count: number,
): T[] {
  const firstSaving = front.findIndex((s) => targets.saving === undefined || s.macro.saving >= targets.saving);
  const lastRetention = front.findLastIndex(
    (s) => targets.retention === undefined || s.macro.retention >= targets.retention,
  );
  const centre = Math.max(
    0,
    Math.min(firstSaving === -1 ? front.length - 1 : firstSaving, lastRetention === -1 ? 0 : lastRetention),
  );
  const start = Math.max(0, Math.min(centre - Math.floor(count / 2), front.length - count));
  return front.slice(start, start + count);
}

function describeVerdict(
  front: readonly { macro: { retention: number; saving: number } }[],
  perDataset: readonly { macro: { retention: number; saving: number } }[],
  targets: { retention?: number; saving?: number },
  bestName: string | undefined,
): string {
  const want = [
    targets.retention !== undefined ? `retention >= ${pct(targets.retention)}` : '',
    targets.saving !== undefined ? `saving >= ${pct(targets.saving)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  if (bestName) return `target met (${want}): ${bestName}`;
  const closest = (points: readonly { macro: { retention: number; saving: number } }[]) => {
    const atSaving = points
      .filter((p) => targets.saving === undefined || p.macro.saving >= targets.saving)
      .sort((a, b) => b.macro.retention - a.macro.retention)[0];
    const atRetention = points
      .filter((p) => targets.retention === undefined || p.macro.retention >= targets.retention)
      .sort((a, b) => b.macro.saving - a.macro.saving)[0];
    return [
      atSaving && targets.saving !== undefined
        ? `at saving >= ${pct(targets.saving)} the best retention is ${pct(atSaving.macro.retention)}`
        : '',
      atRetention && targets.retention !== undefined
        ? `at retention >= ${pct(targets.retention)} the best saving is ${pct(atRetention.macro.saving)}`
        : '',
    ]
      .filter(Boolean)
      .join('; ');
  };
  const lines = [
    `no searched policy meets ${want}.`,
    `  one policy for all datasets: ${closest(front) || 'nothing close'}`,
  ];
  if (perDataset.length > 0) {
    const met = perDataset.some(
      (c) =>
        (targets.retention === undefined || c.macro.retention >= targets.retention) &&
        (targets.saving === undefined || c.macro.saving >= targets.saving),
    );
    lines.push(
      `  a route per dataset: ${met ? 'a combination meets the targets (see above)' : closest(perDataset) || 'nothing close'}`,
    );
  }
  return lines.join('\n');
}

/** Options of the RouterBench search that mean nothing with --from-history. */
const SEARCH_ONLY = [
  'data',
  'route',
  'models',
  'maxCostShare',
  'families',
  'normalize',
  'macro',
  'targetRetention',
  'targetSaving',
  'top',
];
const HISTORY_ONLY = ['since', 'historyQuery', 'minSamples', 'limit'];
const HISTORY_FLAGS: Record<string, string> = {
  since: '--since',
  historyQuery: '--history-query',
  minSamples: '--min-samples',
  limit: '--limit',
};

const HistoryOptions = z.object({
  since: z.string().min(1),
  historyQuery: z.string().min(1).optional(),
  minSamples: z.coerce.number().int().min(1),
  limit: z.coerce.number().int().min(1).max(1_000_000),
  json: z.string().min(1).optional(),
  writeConfig: z.string().min(1).optional(),
});

/** `cascade tune --from-history`: start tiers learned from the cascades that ran. */
async function tuneFromHistory(cli: CliContext, command: Command, raw: Record<string, unknown>): Promise<void> {
  const conflicting = SEARCH_ONLY.filter((name) => command.getOptionValueSource(name) === 'cli');
  if (conflicting.length > 0)
    throw new CliError(
      `${conflicting.map((n) => FLAGS[n]).join(', ')}: not with --from-history (it reads the cascades that ran, not a dataset)`,
      EXIT_CODES.usage,
    );
  const options = parseOptions(HistoryOptions, raw, { ...FLAGS, ...HISTORY_FLAGS });
  const since = new Date(timeFrom(options.since));
  if (Number.isNaN(since.getTime()))
    throw new CliError(
      `--since: expected an ISO date or a duration like 30d, got "${options.since}"`,
      EXIT_CODES.usage,
    );
  const config = await cli.config(command);
  const { startTiersFromHistory, startTierConfigYaml } = await import('../../analytics/start-tier-history.js');
  const report = await startTiersFromHistory(await cli.temporalClient(command), config, {
    since,
    minSamples: options.minSamples,
    limit: options.limit,
    ...(options.historyQuery ? { query: options.historyQuery } : {}),
  });
  const money = (usd: number) => `$${usd.toFixed(6)}`;
  cli.out(`${report.cascades} completed cascades since ${since.toISOString()}`);
  if (report.routes.length > 0) {
    cli.out('');
    cli.out(
      table(
        ['route', 'cascades', 'acceptance by tier', 'start now', 'proposed', 'expected cost now → proposed', 'saving'],
        report.routes.map((r) => {
          const now = r.expectedCostByStart.find((e) => e.tier === r.currentStartTier);
          const proposed = r.expectedCostByStart.find((e) => e.tier === r.proposedStartTier);
          return [
            r.route,
            String(r.samples),
            r.tiers
              .map(
                (t) =>
                  `${t.tier} ${t.acceptance === undefined ? '-' : `${Math.round(t.acceptance * 100)}% of ${t.answers}`}`,
              )
              .join(', '),
            r.currentStartTier,
            r.proposedStartTier === r.currentStartTier ? `${r.proposedStartTier} (keep)` : r.proposedStartTier,
            r.note ?? `${now ? money(now.costUsd) : '?'} → ${proposed ? money(proposed.costUsd) : '?'}`,
            r.savingUsd > 0 ? `${money(r.savingUsd)} (${(r.savingShare * 100).toFixed(1)}%)` : '-',
          ];
        }),
      ),
    );
  }
  if (options.json) {
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    cli.note(`written: ${options.json}`);
  }
  if (options.writeConfig) {
    const { configPathFrom } = await import('../../config/load-config.js');
    const file = configPathFrom(cli.globals(command).config, cli.io.env);
    await writeFile(options.writeConfig, startTierConfigYaml(await readFile(file, 'utf8'), report));
    const changed = report.routes.filter((r) => r.proposedStartTier !== r.currentStartTier);
    cli.note(
      `written: ${options.writeConfig} (${changed.length === 0 ? 'no start tier changed' : changed.map((r) => `${r.route}: ${r.currentStartTier} -> ${r.proposedStartTier}`).join(', ')})`,
    );
  }
}
