import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { baselineModelId, type CascadeConfig } from '../core/config';
import { loadConfig } from '../config/load-config';
import { RouterbenchDataError } from '../simulator/routerbench-dataset';
import { bundleWorkflows } from '../worker/create-worker';
import { loadEvalDatasets, uniqueNames } from './eval-dataset';
import { renderEvalHtml } from './eval-html';
import { buildEvalReport, type EvalReport } from './eval-report';
import { EvalConfigError, runEval, type EvalPolicy, type EvalProgress, type EvalTemporal } from './eval-runner';
import { cheapestModelId, oneShotConfig } from './reference-configs';

export interface EvaluateConfigsOptions {
  /** Config files to evaluate, each a policy of its own; the first one also defines the references. */
  configFiles: readonly string[];
  /** RouterBench-format CSVs. */
  dataFiles: readonly string[];
  /** Rows per file (the first N). */
  limit?: number;
  concurrency: number;
  taskType?: string;
  /** Datasets (by name) the macro averages cover; all by default. */
  macroDatasets?: readonly string[];
  /** Fractions, e.g. `{ retention: 0.97, saving: 0.65 }`. */
  targets?: { retention?: number; saving?: number };
  /** Keep every row's outcome in the report. */
  includeRows?: boolean;
  temporal: EvalTemporal & { address: string; embedded: boolean };
  /** A prebuilt workflow bundle; the workflows are bundled once otherwise. */
  workflowBundleCode?: string;
  /** The config model id always-frontier calls; the first config's baseline (top tier) model by default. */
  frontierModel?: string;
  onProgress?: (progress: EvalProgress) => void;
  /** Progress notes (bundling, what runs). */
  log?: (line: string) => void;
}

/** Report names for config files: the base name, with `-2`, `-3`... for repeats. */
export function policyNames(files: readonly string[]): string[] {
  return uniqueNames(files.map((file) => path.basename(file).replace(/\.ya?ml$/i, '')));
}

/**
 * The policies of a run, in the order they run: always-frontier, cheapest-only (one per distinct
 * bottom-of-ladder model across the configs), then the configs themselves.
 */
export function planPolicies(
  configs: ReadonlyArray<{ name: string; config: CascadeConfig; source?: string }>,
  frontierModel?: string,
): EvalPolicy[] {
  const first = configs[0];
  if (!first) throw new Error('no config to evaluate');
  // Always-frontier calls the baseline model, the one the engine's savings are measured against.
  const frontierId = frontierModel ?? baselineModelId(first.config);
  if (!first.config.models[frontierId]) {
    throw new EvalConfigError(
      `--frontier: no model "${frontierId}" in ${first.name} (models: ${Object.keys(first.config.models).join(', ')})`,
    );
  }
  const frontierName = first.config.models[frontierId]!.model;
  const policies: EvalPolicy[] = [
    {
      name: 'always-frontier',
      kind: 'always-frontier',
      config: oneShotConfig(first.config, frontierId),
      model: frontierName,
    },
  ];
  const cheapest = new Set<string>();
  for (const { config } of configs) {
    const id = cheapestModelId(config);
    const name = config.models[id]!.model;
    if (name === frontierName || cheapest.has(name)) continue;
    cheapest.add(name);
    policies.push({
      name: cheapest.size === 1 ? 'cheapest-only' : `cheapest-only-${cheapest.size}`,
      kind: 'cheapest-only',
      config: oneShotConfig(config, id),
      model: name,
    });
  }
  for (const { name, config, source } of configs)
    policies.push({ name, kind: 'config', config, ...(source ? { source } : {}) });
  return policies;
}

/**
 * The whole eval: loads the configs and datasets, runs every row under every policy through the
 * real workflows, and builds the report (nothing is written: see `writeEvalOutputs`).
 */
export async function evaluateConfigs(options: EvaluateConfigsOptions): Promise<EvalReport> {
  const names = policyNames(options.configFiles);
  const configs = await Promise.all(
    options.configFiles.map(async (file, i) => ({
      name: names[i]!,
      config: await loadConfig(path.resolve(file)),
      source: path.relative(process.cwd(), path.resolve(file)),
    })),
  );
  const datasets = await loadEvalDatasets(options.dataFiles, options.limit).catch((error: unknown) => {
    // A missing or malformed data file is the caller's mistake, said before any cascade runs.
    throw error instanceof RouterbenchDataError ? new EvalConfigError(`--data: ${error.message}`) : error;
  });
  // Mistakes in the options fail now, not after an hour of cascades.
  const unknownMacro = (options.macroDatasets ?? []).filter((name) => !datasets.some((d) => d.name === name));
  if (unknownMacro.length > 0)
    throw new EvalConfigError(
      `--macro: unknown dataset(s) ${unknownMacro.join(', ')} (datasets: ${datasets.map((d) => d.name).join(', ')})`,
    );
  if (options.taskType) {
    const without = configs.filter(({ config }) => !config.routes[options.taskType!]).map(({ name }) => name);
    if (without.length > 0)
      throw new EvalConfigError(`--task-type: no route "${options.taskType}" in ${without.join(', ')}`);
  }
  const policies = planPolicies(configs, options.frontierModel);
  let bundle = options.workflowBundleCode;
  if (bundle === undefined) {
    options.log?.('bundling the workflow code');
    // The bundle production workers use, so the eval runs exactly their workflow code.
    bundle = (await bundleWorkflows()).code;
  }
  options.log?.(
    `running ${datasets.reduce((n, d) => n + d.rows.length, 0)} rows x ${policies.length} policies (${policies.map((p) => p.name).join(', ')})`,
  );
  const run = await runEval({
    datasets,
    policies,
    temporal: options.temporal,
    workflowBundleCode: bundle,
    concurrency: options.concurrency,
    ...(options.taskType ? { taskType: options.taskType } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return buildEvalReport({
    run,
    datasets,
    concurrency: options.concurrency,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.taskType ? { taskType: options.taskType } : {}),
    temporal: { address: options.temporal.address, embedded: options.temporal.embedded },
    ...(options.macroDatasets ? { macroDatasets: options.macroDatasets } : {}),
    ...(options.targets ? { targets: options.targets } : {}),
    ...(options.includeRows ? { includeRows: true } : {}),
  });
}

/** Writes `<name>.json` and `<name>.html` into `outDir`; returns their paths. */
export async function writeEvalOutputs(
  report: EvalReport,
  outDir: string,
  name: string,
): Promise<{ json: string; html: string }> {
  await mkdir(outDir, { recursive: true });
  const json = path.join(outDir, `${name}.json`);
  const html = path.join(outDir, `${name}.html`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderEvalHtml(report));
  return { json, html };
}
