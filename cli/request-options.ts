import { constants, createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError, EXIT_CODES } from './exit-codes';
import { type CliIo } from './cli-context';

/** The request options `run` and `submit` share. */
export interface RequestOptions {
  request?: string;
  id?: string;
  system?: string;
  taskType?: string;
  schema?: string;
  groundTruth?: string;
  maxCost?: number;
  metadata?: string[];
}

function parseUsd(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new InvalidArgumentError('must be a number of US dollars, e.g. 0.01');
  return number;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the request-building options to a command. */
export function addRequestOptions(command: Command): Command {
  return command
    .option(
      '--request <file>',
      'a JSON cascade request to start from ("-" reads stdin); the options below override its fields',
    )
    .option('--id <id>', 'request id (idempotency key): the same id again returns the same cascade')
    .option('--system <text>', 'system prompt')
    .option('--task-type <route>', 'skip the classifier and take this route')
    .option('--schema <json-or-file>', 'JSON Schema the answer must validate against (inline JSON or a file)')
    .option(
      '--ground-truth <json-or-file>',
      'facts the answer must not contradict, as a JSON object (inline or a file)',
    )
    .addOption(new Option('--max-cost <usd>', 'budget for this request in USD').argParser(parseUsd))
    .option('--metadata <key=value>', 'metadata to attach (repeatable)', collect);
}

/** All of a stream as text (stdin for "-" arguments). */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The lines of a file, or of stdin for "-" (JSONL inputs); an unreadable file is a usage error,
 * `cannot read "<file>" (<code>)` after `prefix` (e.g. the option's name).
 */
export async function* inputLines(file: string, io: CliIo, prefix = ''): AsyncGenerator<string> {
  if (file !== '-') {
    try {
      await access(file, constants.R_OK);
    } catch (error) {
      throw new CliError(
        `${prefix}cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        EXIT_CODES.usage,
      );
    }
  }
  const input = file === '-' ? io.stdin : createReadStream(file, { encoding: 'utf8' });
  yield* createInterface({ input, crlfDelay: Infinity });
}

/** Reads a file, or stdin for "-"; a missing file is a usage error naming the option. */
export async function readTextInput(pathOrDash: string, option: string, io: CliIo): Promise<string> {
  if (pathOrDash === '-') return readStream(io.stdin);
  try {
    return await readFile(pathOrDash, 'utf8');
  } catch (error) {
    throw new CliError(
      `${option}: cannot read "${pathOrDash}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      EXIT_CODES.usage,
    );
  }
}

function parseJson(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${option}: invalid JSON: ${(error as Error).message}`, EXIT_CODES.usage);
  }
}

/** Inline JSON when the value looks like JSON, else the contents of the file it names. */
async function jsonOrFile(value: string, option: string, io: CliIo): Promise<unknown> {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed === 'true' || trimmed === 'false')
    return parseJson(trimmed, option);
  return parseJson(await readTextInput(value, option, io), option);
}

function parseMetadata(pairs: string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--metadata: expected key=value, got "${pair}"`, EXIT_CODES.usage);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

/**
 * The request the options describe, not yet validated (the client validates it and names each
 * bad field). The prompt comes from the argument ("-" reads stdin) or from `--request`.
 */
export async function requestFromOptions(
  prompt: string | undefined,
  options: RequestOptions,
  io: CliIo,
): Promise<Record<string, unknown>> {
  let request: Record<string, unknown> = {};
  if (options.request !== undefined) {
    const parsed = parseJson(await readTextInput(options.request, '--request', io), '--request');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new CliError('--request: must hold a JSON object', EXIT_CODES.usage);
    request = { ...(parsed as Record<string, unknown>) };
  }
  if (prompt !== undefined) {
    request.prompt = prompt === '-' ? (await readStream(io.stdin)).replace(/\n$/, '') : prompt;
    delete request.messages;
  }
  if (request.prompt === undefined && request.messages === undefined) {
    throw new CliError('no prompt: give it as an argument ("-" reads stdin) or in a --request file', EXIT_CODES.usage);
  }
  if (options.id !== undefined) request.id = options.id;
  if (options.system !== undefined) request.system = options.system;
  if (options.taskType !== undefined) request.taskType = options.taskType;
  if (options.schema !== undefined) request.schema = await jsonOrFile(options.schema, '--schema', io);
  if (options.groundTruth !== undefined)
    request.groundTruth = await jsonOrFile(options.groundTruth, '--ground-truth', io);
  if (options.maxCost !== undefined) request.maxCostUsd = options.maxCost;
  if (options.metadata !== undefined)
    request.metadata = {
      ...(request.metadata as Record<string, unknown> | undefined),
      ...parseMetadata(options.metadata),
    };
  return request;
}
