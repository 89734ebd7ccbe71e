import { type Command } from 'commander';
import { classifyForCascade } from '../../classifier/request-classifier';
import { planCascade } from '../../core/cascade-plan';
import { type CascadeConfig } from '../../core/config';
import { parseRequest, RequestValidationError } from '../../core/request';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';
import { table } from '../render';
import { inputLines, readStream } from '../request-options';

/** The classifier's verdict on one prompt, as `classify --json` prints it. */
export interface ClassifyRow {
  id: string;
  taskType: string;
  complexity: string;
  route: string;
  /** The tier the cascade would start on. */
  startTier: string;
  /** `rules`, `learned`, `default` or `given`. */
  source: string;
  /** How sure the deciding classifier was (see `Classification.margin`); absent for a given task type. */
  margin?: number;
  reason: string;
  scores: Record<string, number>;
}

/** A line of a JSONL file that could not be classified. */
export interface ClassifyLineError {
  line: number;
  id?: string;
  error: string;
}

/**
 * Classifies one record offline exactly as the worker would (precise rules and the config's learned
 * model, or rules alone): `{ prompt }` or `{ messages }`, plus optional `system`, `schema`,
 * `groundTruth`, which the rules read too. The id is only a label here, so any string or number is fine.
 */
export async function classifyRecord(
  record: Record<string, unknown>,
  id: string,
  config: CascadeConfig,
): Promise<ClassifyRow> {
  const { id: _id, ...fields } = record;
  const request = parseRequest(fields);
  const { classification } = await classifyForCascade(request, config);
  const plan = planCascade(config, classification, request);
  return {
    id,
    taskType: classification.taskType,
    complexity: classification.complexity,
    route: classification.route,
    startTier: plan.tiers[0]?.name ?? '',
    source: classification.source,
    ...(classification.margin !== undefined ? { margin: classification.margin } : {}),
    reason: classification.reason,
    scores: classification.scores,
  };
}

function lineError(line: number, id: string | undefined, error: unknown): ClassifyLineError {
  const message = error instanceof RequestValidationError ? error.problems.join('; ') : (error as Error).message;
  return { line, ...(id !== undefined ? { id } : {}), error: message };
}

async function* classifyFile(
  file: string,
  cli: CliContext,
  config: CascadeConfig,
): AsyncGenerator<ClassifyRow | ClassifyLineError> {
  let line = 0;
  for await (const text of inputLines(file, cli.io, '--file: ')) {
    line++;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      yield { line, error: `invalid JSON: ${(error as Error).message}` };
      continue;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      yield { line, error: 'expected a JSON object like {"id": "...", "prompt": "..."}' };
      continue;
    }
    const rawId = (record as { id?: unknown }).id;
    const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : String(line);
    try {
      yield await classifyRecord(record as Record<string, unknown>, id, config);
    } catch (error) {
      yield lineError(line, id, error);
    }
  }
}

function renderOne(row: ClassifyRow): string {
  return [
    ['task type', row.taskType],
    ['complexity', row.complexity],
    ['route', `${row.route} (starts on tier ${row.startTier})`],
    ['source', row.margin !== undefined ? `${row.source} (margin ${row.margin})` : row.source],
    ['reason', row.reason],
  ]
    .map(([label, value]) => `${label!.padEnd(10)}  ${value}`)
    .join('\n');
}

/** `cascade classify`: the classifier's verdict, offline: no Temporal, no model calls. */
export function registerClassifyCommand(program: Command, cli: CliContext): void {
  program
    .command('classify')
    .description(
      'classify a prompt, or each line of a JSONL file of {"id", "prompt"}, offline with the config\'s classifier (precise rules and the learned model, as the worker does)',
    )
    .argument('[prompt]', 'the prompt ("-" reads stdin)')
    .option('--file <jsonl>', 'classify each line of a JSONL file ("-" reads stdin)')
    .option('--system <text>', 'system prompt of the single prompt')
    .option('--json', 'one JSON object (per line, for --file)')
    .addHelpText(
      'after',
      '\nExit code 2 when the prompt or any line of the file is invalid (the other lines are still classified).',
    )
    .action(
      async (
        prompt: string | undefined,
        options: { file?: string; system?: string; json?: boolean },
        command: Command,
      ) => {
        if ((prompt === undefined) === (options.file === undefined)) {
          throw new CliError('give either a prompt or --file <jsonl>', EXIT_CODES.usage);
        }
        const config = await cli.config(command);

        if (options.file === undefined) {
          const text = prompt === '-' ? (await readStream(cli.io.stdin)).replace(/\n$/, '') : prompt!;
          const row = await classifyRecord(
            { prompt: text, ...(options.system !== undefined ? { system: options.system } : {}) },
            'prompt',
            config,
          );
          cli.out(options.json ? JSON.stringify(row) : renderOne(row));
          return;
        }

        const rows: ClassifyRow[] = [];
        const errors: ClassifyLineError[] = [];
        for await (const item of classifyFile(options.file, cli, config)) {
          if ('error' in item) {
            errors.push(item);
            if (options.json) cli.out(JSON.stringify(item));
            else cli.note(`line ${item.line}${item.id !== undefined ? ` (${item.id})` : ''}: ${item.error}`);
          } else if (options.json) {
            cli.out(JSON.stringify(item));
          } else {
            rows.push(item);
          }
        }
        if (!options.json) {
          if (rows.length > 0) {
            cli.out(
              table(
                ['id', 'task type', 'complexity', 'route', 'start tier', 'reason'],
                rows.map((r) => [r.id, r.taskType, r.complexity, r.route, r.startTier, r.reason]),
                { colWidths: [null, null, null, null, null, 70] },
              ),
            );
          }
          const counts = new Map<string, number>();
          for (const row of rows) counts.set(row.taskType, (counts.get(row.taskType) ?? 0) + 1);
          const summary = [...counts.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([type, n]) => `${type} ${n}`)
            .join(', ');
          cli.out(
            `\n${rows.length} classified${summary ? `: ${summary}` : ''}${errors.length > 0 ? `; ${errors.length} invalid line(s)` : ''}`,
          );
        }
        if (errors.length > 0) cli.exitCode = EXIT_CODES.usage;
      },
    );
}
