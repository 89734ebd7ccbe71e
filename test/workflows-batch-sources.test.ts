/**
 * The `batch` workflow's sources under the worker's limits (issue 13, medium 5): anyone who can
 * start a workflow on the task queue names the source, so a file outside the batch directories or
 * a URL outside the allowed prefixes (or redirecting out of them) fails the batch at once with a
 * clear error, and a file that is not JSONL never has its content echoed into errors or history.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { temporal as proto } from '@temporalio/proto';
import { resultsOfBatch } from '../batch/batch-results';
import { batchRunHistories, openBatchEngine, writeJsonl, type BatchEngine } from './helpers/batch-engine';
import { connectTestTemporal, type TestTemporal } from './helpers/temporal';

const SECRET = 'sk-live-4f9a0c1be7d2e3f4a5b6';

describe('batch sources (issue 13)', { timeout: 300_000 }, () => {
  let temporal: TestTemporal;
  let engine: BatchEngine;
  let server: Server;
  let origin: string;
  const requested: string[] = [];
  const wasRequested = (url: string) => requested.includes(url);

  before(async () => {
    temporal = await connectTestTemporal();
    server = createServer((request, response) => {
      requested.push(request.url ?? '');
      if (request.url === '/batches/redirect.jsonl') {
        response.writeHead(302, { location: '/private/input.jsonl' });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.end('{"prompt": "hi"}\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    engine = await openBatchEngine(temporal, {
      label: 'batch-sources',
      batchSources: { directories: [], urlPrefixes: [`${origin}/batches/`] },
    });
  });
  after(async () => {
    server?.close();
    await engine?.close();
    await temporal?.close();
  });

  /** Starts a batch and waits for it; returns its final view. */
  const run = async (label: string, source: Parameters<BatchEngine['batches']['start']>[0]['source']) => {
    const batchId = `sources-${label}-${Date.now()}`;
    await engine.batches.start({ batchId, source });
    await engine.batches.wait(batchId);
    return { batchId, view: await engine.batches.status(batchId) };
  };

  it('refuses /etc/passwd and a file outside the batch directories, without reading it', async () => {
    // The shared engine's worker allows no directory at all; the next test's allows its scratch folder.
    const { view } = await run('passwd', { kind: 'file', path: '/etc/passwd' });
    assert.equal(view.workflowStatus, 'FAILED');
    assert.match(view.error ?? '', /refused: the batch file \/etc\/passwd is outside the directories batches may read/);
    assert.match(view.error ?? '', /LLM_CASCADE_BATCH_DIRS/);
    assert.doesNotMatch(view.error ?? '', /root:/);
  });

  it('refuses a URL outside the allowed prefixes, and one that redirects out of them', async () => {
    requested.length = 0;
    const outside = await run('url-outside', { kind: 'url', url: `${origin}/private/input.jsonl` });
    assert.equal(outside.view.workflowStatus, 'FAILED');
    assert.match(outside.view.error ?? '', /refused: the batch URL is outside the URL prefixes batches may read/);
    assert.deepEqual(requested, [], 'the worker never asked for it');

    const climbing = await run('url-dots', { kind: 'url', url: `${origin}/batches/%2e%2e/private/input.jsonl` });
    assert.equal(climbing.view.workflowStatus, 'FAILED');
    assert.match(climbing.view.error ?? '', /refused/);

    const redirected = await run('url-redirect', { kind: 'url', url: `${origin}/batches/redirect.jsonl` });
    assert.equal(redirected.view.workflowStatus, 'FAILED');
    assert.match(redirected.view.error ?? '', /HTTP 302, a redirect, which batches do not follow/);
    assert.ok(!wasRequested('/private/input.jsonl'), 'the redirect was not followed');

    const inside = await run('url-inside', { kind: 'url', url: `${origin}/batches/input.jsonl` });
    assert.equal(inside.view.status, 'completed', JSON.stringify(inside.view));
    assert.equal(inside.view.totals.done, 1);
  });

  it('reports lines that are not requests by line number and kind, never their content', async () => {
    // An engine allowing its scratch folder, holding a "secrets file" given as a batch.
    const local = await openBatchEngine(temporal, { label: 'batch-secrets' });
    try {
      const file = await writeJsonl(path.join(local.workDir, 'secrets.env'), [
        `OPENAI_API_KEY=${SECRET}`,
        `{"api_key": "${SECRET}", }`,
        `{"prompt": "fine", "maxCostUsd": "${SECRET}"}`,
        `"${SECRET}`,
      ]);
      const batchId = `sources-secrets-${Date.now()}`;
      await local.batches.start({ batchId, source: { kind: 'file', path: file } });
      await local.batches.wait(batchId);
      const results = [];
      for await (const result of resultsOfBatch(local.batches, batchId)) results.push(result);
      assert.deepEqual(
        results.map((r) => [r.line, r.status]),
        [
          [1, 'failed'],
          [2, 'failed'],
          [3, 'failed'],
          [4, 'failed'],
        ],
      );
      assert.match(results[0]!.error ?? '', /^invalid JSON: unexpected character/);
      assert.match(results[1]!.error ?? '', /^invalid JSON: expected double-quoted property name at character \d+$/);
      assert.match(results[2]!.error ?? '', /^invalid request: maxCostUsd: /);
      assert.match(results[3]!.error ?? '', /^invalid JSON: unterminated string at character \d+$/);
      for (const result of results) assert.ok(!(result.error ?? '').includes('sk-live'), result.error);
      for await (const { history } of batchRunHistories(local.batches.client, batchId)) {
        const bytes = Buffer.from(proto.api.history.v1.History.encode(history).finish());
        assert.ok(!bytes.includes('sk-live'), 'no secret in the batch history');
      }
    } finally {
      await local.close();
    }
  });
});
