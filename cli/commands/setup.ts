import { type Command } from 'commander';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../core/search-attributes';
import { type CliContext } from '../cli-context';
import { CliError, EXIT_CODES } from '../exit-codes';

/**
 * `cascade setup`: prepares an external Temporal namespace for llm-cascade by registering its search
 * attributes. Idempotent: it adds only what is missing and says what was already there. Temporal
 * Cloud manages search attributes outside the operator API, so there it prints what to run instead.
 */
export function registerSetupCommand(program: Command, cli: CliContext): void {
  program
    .command('setup')
    .description('register the search attributes llm-cascade needs on a Temporal namespace (safe to re-run)')
    .option('--json', 'print {"namespace", "added", "present"} as one JSON line')
    .addHelpText(
      'after',
      '\nRun once per namespace before starting workers against your own Temporal server (npm start does it itself).',
    )
    .action(async (options: { json?: boolean }, command: Command) => {
      const { address, namespace } = cli.globals(command);
      const search = await import('../../lib/register-search-attributes.js');
      if (search.isTemporalCloudAddress(address)) {
        throw new CliError(
          [
            `${address} is Temporal Cloud: \`cascade setup\` cannot register search attributes there.`,
            ...search.cloudSearchAttributeInstructions(namespace),
          ].join('\n'),
          EXIT_CODES.failure,
        );
      }
      const client = await cli.temporalClient(command);
      const added = await search.registerSearchAttributes(client.connection, namespace);
      // Read back: a name registered with another type is still a problem setup cannot fix by itself.
      const problems = await search.searchAttributeProblems(client.connection, namespace);
      if (problems.length > 0) throw new search.SearchAttributesMissingError(namespace, problems);
      const present = Object.keys(SEARCH_ATTRIBUTE_DEFINITIONS).filter((name) => !added.includes(name));
      if (options.json) {
        cli.out(JSON.stringify({ namespace, added, present }));
      } else if (added.length === 0) {
        cli.out(
          `namespace ${namespace}: all ${present.length} search attributes were already registered; nothing to do`,
        );
      } else {
        cli.out(`namespace ${namespace}: registered ${added.join(', ')}`);
        if (present.length > 0) cli.out(`already registered: ${present.join(', ')}`);
      }
    });
}
