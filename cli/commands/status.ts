import { type Command } from 'commander';
import { type CliContext } from '../cli-context';
import { EXIT_CODES } from '../exit-codes';
import { renderDescription } from '../render';

/** `cascade status <id>`: status, route, steps so far and cost; the answer once done. */
export function registerStatusCommand(program: Command, cli: CliContext): void {
  program
    .command('status')
    .description("show a cascade's status, steps so far and cost (and its answer once done)")
    .argument('<id>', 'the request id')
    .option('--wait', 'wait until the cascade has finished')
    .option('--json', 'print the description as one JSON line')
    .addHelpText('after', '\nWith --wait, the exit code is 4 when the cascade ended without an accepted answer.')
    .action(async (id: string, options: { wait?: boolean; json?: boolean }, command: Command) => {
      const client = await cli.cascadeClient(command);
      if (options.wait) await client.result(id);
      const description = await client.describe(id);
      cli.out(options.json ? JSON.stringify(description) : renderDescription(description));
      if (options.wait && description.result?.outcome !== 'accepted') cli.exitCode = EXIT_CODES.notAccepted;
    });
}
