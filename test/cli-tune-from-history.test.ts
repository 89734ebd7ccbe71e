/**
 * `cascade tune --from-history`: start tiers learned from cascades that ran on a real Temporal
 * server with the simulated providers, proposed by the installed CLI as a person runs it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { proposeStartTiers, type StartTierReport } from '../analytics/start-tier-history';
import { parseConfig } from '../core/config';
import { type CascadeResult, type Step } from '../core/result';
import { runCascadeCli } from './helpers/cascade-cli';
import { threeTierConfig, withEngine } from './helpers/engine';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

let temporal: TestTemporal;
let dir: string;
before(async () => {
  temporal = await connectTestTemporal();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tune-history-'));
});
after(async () => {
  await temporal?.close();
  await rm(dir, { recursive: true, force: true });
});

const SCHEMA = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };

describe('cascade tune --from-history', () => {
  it('proposes mid for a route whose small tier always fails and keeps small for the others, and writes the config', async () => {
    const config = threeTierConfig({
      routes: {
        extraction: { startTier: 'small', checks: [{ type: 'not_empty' }, { type: 'json_schema' }] },
        default: { startTier: 'small', checks: [{ type: 'not_empty' }] },
      },
    });
    // The small model never writes valid JSON: the extraction route's schema check always sends
    // it up; the default route only needs a non-empty answer, which small always gives.
    const script = {
      models: {
        'sim-small': { defaultAnswer: { type: 'invalid_json' as const } },
        'sim-mid': { defaultAnswer: { type: 'schema_json' as const, facts: 'use' as const } },
      },
    };
    await withEngine(temporal, { config, script, label: 'tune-history' }, async (engine) => {
      const requests = [
        ...Array.from({ length: 4 }, (_, i) => ({
          prompt: `Extract the total as JSON: total ${i}.5`,
          taskType: 'extraction',
          schema: SCHEMA,
        })),
        ...Array.from({ length: 4 }, (_, i) => ({ prompt: `Say hello to person ${i}.`, taskType: 'default' })),
      ];
      const results = await Promise.all(
        requests.map(async (request) => engine.client.result((await engine.client.submit(request)).id)),
      );
      assert.deepEqual(
        results.map((r) => r.finalTier),
        ['mid', 'mid', 'mid', 'mid', 'small', 'small', 'small', 'small'],
      );
      const query = `TaskQueue = '${engine.config.taskQueue}'`;
      const deadline = Date.now() + 60_000;
      while ((await temporal.client.workflow.count(`${query} AND ExecutionStatus = 'Completed'`)).count < 8) {
        assert.ok(Date.now() < deadline, 'the cascades reach visibility');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }

      const configFile = path.join(dir, 'config.yaml');
      await writeFile(configFile, JSON.stringify(engine.config));
      const jsonFile = path.join(dir, 'proposal.json');
      const written = path.join(dir, 'tuned.yaml');
      const run = await runCascadeCli(
        [
          'tune',
          '--from-history',
          '--since',
          '1h',
          '--history-query',
          query,
          '--min-samples',
          '3',
          '--json',
          jsonFile,
          '--write-config',
          written,
          '--config',
          configFile,
        ],
        { env: { TEMPORAL_ADDRESS: temporal.address } },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^8 completed cascades since /m);
      assert.match(run.stdout, /extraction\s+│?\s*4\s+│?\s*small 0% of 4, mid 100% of 4/);
      assert.match(run.stderr, /written: .*tuned\.yaml \(extraction: small -> mid\)/);

      const report = JSON.parse(await readFile(jsonFile, 'utf8')) as StartTierReport;
      const byRoute = Object.fromEntries(report.routes.map((r) => [r.route, r]));
      assert.equal(byRoute.extraction!.proposedStartTier, 'mid');
      assert.ok(byRoute.extraction!.savingUsd > 0, 'skipping the small tier saves its wasted call');
      assert.equal(byRoute.default!.proposedStartTier, 'small');
      assert.equal(byRoute.default!.savingUsd, 0);

      const tuned = parseConfig(parseYaml(await readFile(written, 'utf8')));
      assert.equal(tuned.routes.extraction!.startTier, 'mid');
      assert.equal(tuned.routes.default!.startTier, 'small');
    });
  });

  it('refuses the RouterBench search options with --from-history, and --since without it', async () => {
    const mixed = await runCascadeCli(['tune', '--from-history', '--data', 'x.csv'], {
      env: { TEMPORAL_ADDRESS: temporal.address },
    });
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--data: not with --from-history/);
    const alone = await runCascadeCli(['tune', '--since', '7d'], { env: { TEMPORAL_ADDRESS: temporal.address } });
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--since: only with --from-history/);
  });
});

describe('proposeStartTiers', () => {
  const config = parseConfig(threeTierConfig());
  const step = (tier: string, tierIndex: number, costUsd: number, failed: boolean): Step => ({
    index: 0,
    kind: 'answer',
    tier,
    tierIndex,
    model: tier,
    provider: 'p',
    reason: '',
    attempts: 1,
    latencyMs: 1,
    usage: { inputTokens: 100, cachedInputTokens: 0, outputTokens: 50 },
    costUsd,
    checks: [{ check: 'json_schema', status: failed ? 'fail' : 'pass', reason: '' }],
    text: '',
  });
  const run = (steps: Step[]): CascadeResult =>
    ({
      classification: {
        taskType: 'extraction',
        route: 'extraction',
        complexity: 'low',
        source: 'given',
        reason: '',
        scores: {},
      },
      steps,
    }) as unknown as CascadeResult;

  it('starts at mid when small fails 80% of the time, at small when it fails 20%', () => {
    const failing = (share: number) =>
      Array.from({ length: 10 }, (_, i) =>
        i < share * 10
          ? run([step('small', 0, 0.001, true), step('mid', 1, 0.003, false)])
          : run([step('small', 0, 0.001, false)]),
      );
    const high = proposeStartTiers(config, failing(0.8), { minSamples: 5 }).routes[0]!;
    assert.equal(high.proposedStartTier, 'mid');
    // small first: 0.001 + 0.8 × 0.003 = 0.0034; mid first: 0.003.
    assert.deepEqual(
      high.expectedCostByStart.map((e) => [e.tier, e.costUsd]),
      [
        ['small', 0.0034],
        ['mid', 0.003],
        ['frontier', high.tiers[2]!.costUsd],
      ],
    );
    assert.equal(high.tiers[2]!.costFrom, 'priced');
    assert.equal(proposeStartTiers(config, failing(0.2), { minSamples: 5 }).routes[0]!.proposedStartTier, 'small');
    const few = proposeStartTiers(config, failing(0.8).slice(0, 3), { minSamples: 5 }).routes[0]!;
    assert.equal(few.proposedStartTier, 'small');
    assert.match(few.note!, /fewer than 5/);
  });

  it('leaves out cascades that named their model: they did not climb the route', () => {
    const named = Array.from({ length: 10 }, () => ({
      ...run([step('small', 0, 0.001, true)]),
      namedModel: 'small',
    }));
    const accepted = Array.from({ length: 10 }, () => run([step('small', 0, 0.001, false)]));
    const proposal = proposeStartTiers(config, [...named, ...accepted], { minSamples: 5 }).routes[0]!;
    assert.equal(proposal.samples, 10);
    assert.equal(proposal.tiers[0]!.rejected, 0);
    assert.equal(proposal.proposedStartTier, 'small');
  });
});
