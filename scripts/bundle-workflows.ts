/**
 * `npm run bundle -- <file>`: writes the workflow bundle once (the Docker image does this at build
 * time), so workers load it with LLM_CASCADE_WORKFLOW_BUNDLE instead of bundling at every start.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflows } from '../worker/create-worker';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: bundle-workflows <output file>');
  const { code } = await bundleWorkflows();
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, code);
  console.error(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
});
