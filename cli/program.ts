import { Command } from 'commander';
import { type CliContext, DEFAULT_TEMPORAL_ADDRESS } from './cli-context';
import { COMMANDS } from './commands';

const EXIT_CODE_HELP = `
Exit codes:
  0  ok (run, status --wait: the answer was accepted)
  1  failure: no such cascade, cancelled or failed in the engine, unexpected error
  2  usage: bad arguments, invalid request or config, id reused for a different request
  3  Temporal unreachable
  4  the cascade finished without an accepted answer (exhausted, over_budget, failed)

Environment:
  TEMPORAL_ADDRESS     Temporal gRPC address (default ${DEFAULT_TEMPORAL_ADDRESS}, what npm start embeds)
  TEMPORAL_NAMESPACE   namespace (default "default")
  LLM_CASCADE_CONFIG   config file (default configs/example.yaml)`;

/**
 * The `cascade` program: global options and one subcommand per file in `cli/commands/`. Commander
 * throws instead of exiting, so `main` alone decides how the process ends.
 */
export function createProgram(cli: CliContext): Command {
  const program = new Command('cascade')
    .description('llm-cascade: route each LLM request to the cheapest model that can do it')
    .option('-c, --config <file>', 'config file (default: LLM_CASCADE_CONFIG or configs/example.yaml)')
    .option('--address <host:port>', 'Temporal address', cli.io.env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS)
    .option('--namespace <name>', 'Temporal namespace', cli.io.env.TEMPORAL_NAMESPACE || 'default')
    .addHelpText('after', EXIT_CODE_HELP)
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run cascade --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => cli.io.stdout.write(text),
      writeErr: (text) => cli.io.stderr.write(text),
    });
  for (const register of COMMANDS) register(program, cli);
  // Subcommands inherit these so every one of them throws rather than exits, and writes to our streams.
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => cli.io.stdout.write(text),
      writeErr: (text) => cli.io.stderr.write(text),
    });
  }
  return program;
}
