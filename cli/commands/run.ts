import { type Command } from 'commander';
import { type CliContext } from '../cli-context';
import { EXIT_CODES } from '../exit-codes';
import { renderResult } from '../render';
import { addRequestOptions, requestFromOptions, type RequestOptions } from '../request-options';

/** `cascade run <prompt>`: submit, wait, print the answer, the steps, the outcome and the saving. */
export function registerRunCommand(program: Command, cli: CliContext): void {
  addRequestOptions(
    program
      .command('run')
      .description('run one request through the cascade and print the answer, its steps and what it cost')
      .argument('[prompt]', 'the prompt ("-" reads stdin)'),
  )
    .option('--json', 'print the whole result as one JSON line')
    .addHelpText(
      'after',
      '\nExit code 0 when the answer was accepted, 4 when the cascade ended exhausted, over budget or failed.',
    )
    .action(async (prompt: string | undefined, options: RequestOptions & { json?: boolean }, command: Command) => {
      const input = await requestFromOptions(prompt, options, cli.io);
      // Validate before connecting, so a bad request is reported as such even with no server around.
      await cli.validateRequest(command, input);
      const client = await cli.cascadeClient(command);
      const { id, created } = await client.submit(input);
      if (!options.json)
        cli.note(
          created
            ? `cascade ${id} submitted; waiting for the result...`
            : `cascade ${id} was already submitted with this request; waiting for its result...`,
        );
      const result = await client.result(id);
      cli.out(options.json ? JSON.stringify(result) : renderResult(result));
      cli.exitCode = result.outcome === 'accepted' ? EXIT_CODES.ok : EXIT_CODES.notAccepted;
    });
}
