import { CommanderError } from 'commander';
import { CliContext, type CliIo } from './cli-context';
import { EXIT_CODES } from './exit-codes';
import { createProgram } from './program';

/**
 * Runs the CLI on `argv` (the arguments after the script) and returns the exit code. Errors end as
 * one clear message on stderr, never a stack trace (`LLM_CASCADE_DEBUG=1` adds it).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const cli = new CliContext(io);
  try {
    await createProgram(cli).parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (error) {
    // Commander has already printed its own message (with the help hint) for usage errors.
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
        ? EXIT_CODES.ok
        : EXIT_CODES.usage;
    }
    // Loaded only on failure: it pulls in the Temporal client, which offline commands never need.
    const { describeFailure } = await import('./describe-failure.js');
    const { exitCode, message } = describeFailure(error);
    io.stderr.write(`error: ${message}\n`);
    if (io.env.LLM_CASCADE_DEBUG) io.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    return exitCode;
  } finally {
    await cli.close().catch(() => {});
  }
}
