import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_CODES } from '../cli/exit-codes';
import { runCascadeCli } from './helpers/cascade-cli';

// The installed `cascade` (bin/cascade.js) loads some modules on demand with import(): the report,
// setup's search attributes, the error descriptions. Its shim must register tsx for those too.
describe('the installed cascade command', () => {
  it('loads modules on demand: report against an unreachable Temporal says so, with its exit code', async () => {
    const run = await runCascadeCli(['report', '--since', '1d', '--address', '127.0.0.1:1'], { entry: 'bin' });
    assert.equal(run.code, EXIT_CODES.temporalUnreachable, run.stderr);
    assert.match(run.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
  });
});
