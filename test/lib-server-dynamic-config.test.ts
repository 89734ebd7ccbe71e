/**
 * The server settings llm-cascade runs with (lib/server-dynamic-config.ts), checked by the Temporal
 * server's own validator (the v1.29.1 build `test/run.ts` ensures): every key one this server
 * knows, every value of its type. The validator only warns, and a server given a misspelt key would
 * start on its default; `validateDynamicConfig` turns that into a startup error naming the key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../lib/project-root';
import { renderDynamicConfigFile, SERVER_DYNAMIC_CONFIG } from '../lib/server-dynamic-config';
import { validateDynamicConfig } from '../lib/temporal-cluster';
import { ensureTemporalServer, type TemporalServerInstall } from '../lib/temporal-server';

describe('server dynamic config', () => {
  let install: TemporalServerInstall;
  let dir: string;
  before(async () => {
    install = await ensureTemporalServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-dynamic-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is valid for the Temporal server, as shipped in deploy/temporal/dynamicconfig.yaml', async () => {
    const shipped = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');
    assert.equal(await readFile(shipped, 'utf8'), renderDynamicConfigFile());
    await validateDynamicConfig(install, shipped);
    assert.ok(Object.keys(SERVER_DYNAMIC_CONFIG).length >= 2);
  });

  it('refuses an unknown key and a value of the wrong type, naming each', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'history.transferProcessorMaxPollRPSS:',
        '  - value: 200',
        'system.enableActivityEagerExecution:',
        '  - value: "sometimes"',
        '',
      ].join('\n'),
    );
    await assert.rejects(validateDynamicConfig(install, file), (error: Error) => {
      assert.match(error.message, /unregistered key "history\.transferProcessorMaxPollRPSS"/);
      assert.match(error.message, /system\.enableActivityEagerExecution/);
      return true;
    });
  });
});
