/**
 * The `cascade` CLI entry point: `npm run cascade -- <command>`, or `cascade <command>` through
 * `bin/cascade.js` (which runs this file compiled, from `dist/`). Exit codes are documented in `cli/exit-codes.ts` and in `cascade --help`.
 */
import { EXIT_CODES } from './exit-codes';
import { runCli } from './run-cli';

async function flush(stream: NodeJS.WriteStream): Promise<void> {
  await new Promise<void>((resolve) => stream.write('', () => resolve()));
}

// `cascade list | head` closes the pipe early: that ends the output, it is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_CODES.ok);
    throw error;
  });
}

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then(
  async (code) => {
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
    // Exit explicitly: the Temporal SDK's native runtime can keep the event loop alive after close().
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(EXIT_CODES.failure);
  },
);
