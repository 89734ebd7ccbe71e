import { type Command } from 'commander';
import { type CliContext } from '../cli-context';
import { addRequestOptions, requestFromOptions, type RequestOptions } from '../request-options';

/** `cascade submit <prompt>`: enqueue and print the id at once (`id=$(cascade submit ...)` works). */
export function registerSubmitCommand(program: Command, cli: CliContext): void {
  addRequestOptions(
    program
      .command('submit')
      .description('enqueue one request and print its id without waiting')
      .argument('[prompt]', 'the prompt ("-" reads stdin)'),
  )
    .option('--json', 'print {"id", "created"} as one JSON line')
    .action(async (prompt: string | undefined, options: RequestOptions & { json?: boolean }, command: Command) => {
      const input = await requestFromOptions(prompt, options, cli.io);
      await cli.validateRequest(command, input);
      const client = await cli.cascadeClient(command);
      const submission = await client.submit(input);
      if (options.json) {
        cli.out(JSON.stringify(submission));
        return;
      }
      cli.out(submission.id);
      cli.note(
        `${submission.created ? 'submitted' : 'already submitted with this request'}; see it with: cascade status ${submission.id}`,
      );
    });
}
