import { type Client, type Connection } from '@temporalio/client';
import { type Command } from 'commander';
import { type CascadeClient } from '../client/cascade-client';
import { type CascadeConfig } from '../core/config';
import { type CascadeRequest } from '../core/request';
import { EXIT_CODES, type ExitCode } from './exit-codes';

/** The process streams and environment, injectable so commands can be run in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

/** The options every command understands, set on the program. */
export interface GlobalOptions {
  config?: string;
  address: string;
  namespace: string;
}

/** The address the CLI connects to without `--address`: what `npm start` embeds. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** How long connecting may take before the CLI reports Temporal unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;
const UNREACHABLE_HINT = 'Is `npm start` (or your Temporal server) running? Check --address or TEMPORAL_ADDRESS.';

/**
 * What a command needs besides its own options: output, the config, and a client, each made on
 * first use so that offline commands (`classify`) never touch Temporal. `close()` releases them.
 */
export class CliContext {
  /** What the process exits with when the command returns normally; commands lower their verdict into it. */
  exitCode: ExitCode = EXIT_CODES.ok;
  private configPromise: Promise<CascadeConfig> | undefined;
  private connection: Connection | undefined;

  constructor(readonly io: CliIo) {}

  /** Writes one line to stdout. */
  out(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Writes one line to stderr (progress and notes that must not pollute piped output). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  globals(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
  }

  /** The config from `--config`, else `LLM_CASCADE_CONFIG`, else `configs/example.yaml`. */
  config(command: Command): Promise<CascadeConfig> {
    // Loaded on first use: the YAML parser and the config schemas are a third of `cascade --help`'s start-up.
    this.configPromise ??= import('../config/load-config.js').then(({ configPathFrom, loadConfig }) =>
      loadConfig(configPathFrom(this.globals(command).config, this.io.env), this.io.env),
    );
    return this.configPromise;
  }

  /** Validates a request against the config (its routes) before anything connects; Ajv is loaded on first use. */
  async validateRequest(command: Command, input: unknown): Promise<CascadeRequest> {
    const [{ validateRequest }, config] = await Promise.all([
      import('../client/validate-request.js'),
      this.config(command),
    ]);
    return validateRequest(input, config);
  }

  /**
   * A Temporal client on `--address` and `--namespace`, for commands that need the raw client
   * (batches, reports). The connection is made once, on first use, and released by `close()`. Every
   * command says the same thing when nothing answers: what to start, and which flag names the server.
   */
  async temporalClient(command: Command): Promise<Client> {
    const { address, namespace } = this.globals(command);
    // Loaded on first use: the Temporal SDK takes a second or more to load, and offline commands never need it.
    const [{ Client }, { connectClient }, { cascadeDataConverter }, { codecKeysFromEnv }] = await Promise.all([
      import('@temporalio/client'),
      import('../lib/temporal-connection.js'),
      import('../client/cascade-data-converter.js'),
      import('../client/codec-keys.js'),
    ]);
    // The keys first: a malformed LLM_CASCADE_CODEC_KEYS is a clear error before anything connects.
    const dataConverter = cascadeDataConverter(codecKeysFromEnv(this.io.env));
    this.connection ??= await connectClient(address, { timeoutMs: CONNECT_TIMEOUT_MS, hint: UNREACHABLE_HINT });
    return new Client({ connection: this.connection, namespace, dataConverter });
  }

  /** A `CascadeClient` on the configured task queue; throws `TemporalUnreachableError` when nothing answers. */
  async cascadeClient(command: Command): Promise<CascadeClient> {
    const config = await this.config(command);
    const [client, { CascadeClient }] = await Promise.all([
      this.temporalClient(command),
      import('../client/cascade-client.js'),
    ]);
    return new CascadeClient({ client, taskQueue: config.taskQueue, config });
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }
}

/** How a command file adds its command to the program: one file per command under `cli/commands/`. */
export type RegisterCommand = (program: Command, cli: CliContext) => void;
