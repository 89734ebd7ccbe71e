import { ensureTemporalCli, TemporalCliError } from '../lib/temporal-cli';

/** `npm run temporal:ensure`: makes the pinned Temporal CLI available and prints its path. */
async function main(): Promise<void> {
  try {
    const cli = await ensureTemporalCli({ log: (line) => console.error(line) });
    console.log(cli.path);
    console.error(`Temporal CLI from ${cli.source}.`);
  } catch (error) {
    if (error instanceof TemporalCliError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

void main();
