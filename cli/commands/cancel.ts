import { type Command } from 'commander';
import { type CliContext } from '../cli-context';

/** `cascade cancel <id>`: cancel a running cascade; an ended one is left as it is. */
export function registerCancelCommand(program: Command, cli: CliContext): void {
  program
    .command('cancel')
    .description('cancel a running cascade (a model call in flight is aborted)')
    .argument('<id>', 'the request id')
    .option('--json', 'print {"id", "cancelRequested"} as one JSON line')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const client = await cli.cascadeClient(command);
      const cancelRequested = await client.cancel(id);
      if (options.json) cli.out(JSON.stringify({ id, cancelRequested }));
      else cli.out(cancelRequested ? `cancellation of ${id} requested` : `${id} has already ended; nothing to cancel`);
    });
}
