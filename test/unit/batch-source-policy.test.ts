import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseBatchLine } from '../../batch/batch-input';
import {
  BATCH_DIRS_ENV,
  BATCH_URL_PREFIXES_ENV,
  batchSourcePolicyFromEnv,
  batchSourceProblem,
  checkBatchSource,
  isPathUnder,
  isUrlUnder,
  type BatchSourcePolicy,
} from '../../batch/batch-source-policy';
import { ConfigError } from '../../core/config';

describe('batch source policy from the environment', () => {
  it('defaults to the working directory and no URLs', () => {
    assert.deepEqual(batchSourcePolicyFromEnv({}, '/srv/app'), { directories: ['/srv/app'], urlPrefixes: [] });
  });

  it('reads directories and URL prefixes, normalised', () => {
    const policy = batchSourcePolicyFromEnv(
      {
        [BATCH_DIRS_ENV]: '/data/batches/, /mnt/in/../in2',
        [BATCH_URL_PREFIXES_ENV]: 'https://Data.Example.com/batches/,http://127.0.0.1:9000',
      },
      '/srv/app',
    );
    assert.deepEqual(policy.directories, ['/data/batches', '/mnt/in2']);
    assert.deepEqual(policy.urlPrefixes, ['https://data.example.com/batches/', 'http://127.0.0.1:9000/']);
  });

  it('refuses relative directories and prefixes that are not plain http(s) URLs, naming each', () => {
    assert.throws(
      () =>
        batchSourcePolicyFromEnv({
          [BATCH_DIRS_ENV]: 'batches',
          [BATCH_URL_PREFIXES_ENV]: 'file:///etc/,https://u:p@h/,https://h/x?y=1,nope',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.problems.map((p) => p.replace(/ \(".*"\)/, '')),
          [
            `${BATCH_DIRS_ENV}: entry 1 is not an absolute path`,
            `${BATCH_URL_PREFIXES_ENV}: entry 1 is not an http(s) URL`,
            `${BATCH_URL_PREFIXES_ENV}: entry 2 may not carry credentials, a query or a fragment`,
            `${BATCH_URL_PREFIXES_ENV}: entry 3 may not carry credentials, a query or a fragment`,
            `${BATCH_URL_PREFIXES_ENV}: entry 4 is not a URL`,
          ],
        );
        return true;
      },
    );
  });
});

describe('batch source checks', () => {
  const policy: BatchSourcePolicy = { directories: ['/data/batches'], urlPrefixes: ['https://h.example/batches/'] };

  it('keeps files under the allowed directories', () => {
    assert.equal(isPathUnder('/data/batches/a.jsonl', '/data/batches'), true);
    assert.equal(isPathUnder('/data/batches', '/data/batches'), true);
    assert.equal(isPathUnder('/data/batches-secret/a.jsonl', '/data/batches'), false);
    assert.equal(batchSourceProblem({ kind: 'file', path: '/data/batches/sub/a.jsonl' }, policy), undefined);
    for (const file of ['/etc/passwd', '/data/batches/../secrets.json', '/data/batchesX/a.jsonl']) {
      assert.match(
        batchSourceProblem({ kind: 'file', path: file }, policy) ?? '',
        /is outside the directories batches may read \(\/data\/batches\); LLM_CASCADE_BATCH_DIRS/,
        file,
      );
    }
    assert.match(batchSourceProblem({ kind: 'file', path: 'a.jsonl' }, policy) ?? '', /not an absolute path/);
  });

  it('keeps URLs under the allowed prefixes, and refuses every URL when none is set', () => {
    assert.equal(isUrlUnder('https://h.example/batches/a.jsonl', 'https://h.example/batches/'), true);
    assert.equal(isUrlUnder('https://h.example/batches', 'https://h.example/batches'), true);
    assert.equal(isUrlUnder('https://h.example/batches-secret', 'https://h.example/batches'), false);
    assert.equal(isUrlUnder('https://h.example/batches/../admin', 'https://h.example/batches/'), false);
    assert.equal(isUrlUnder('https://h.example/batches/%2e%2e/admin', 'https://h.example/batches/'), false);
    assert.equal(isUrlUnder('https://h.example@evil.example/batches/a', 'https://h.example/batches/'), false);
    assert.equal(isUrlUnder('https://h.example:444/batches/a', 'https://h.example/batches/'), false);
    assert.equal(isUrlUnder('http://h.example/batches/a', 'https://h.example/batches/'), false);
    assert.match(
      batchSourceProblem({ kind: 'url', url: 'http://169.254.169.254/latest/meta-data/' }, policy) ?? '',
      /outside the URL prefixes batches may read \(https:\/\/h\.example\/batches\/\)/,
    );
    assert.match(
      batchSourceProblem({ kind: 'url', url: 'https://h.example/batches/a' }, { ...policy, urlPrefixes: [] }) ?? '',
      /URLs are not allowed: LLM_CASCADE_BATCH_URL_PREFIXES/,
    );
  });

  describe('on the filesystem', () => {
    let root: string;
    before(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-batch-policy-'));
      await mkdir(path.join(root, 'allowed'));
      await writeFile(path.join(root, 'allowed', 'in.jsonl'), '{"prompt":"hi"}\n');
      await writeFile(path.join(root, 'secret.txt'), 'top secret\n');
      await symlink(path.join(root, 'secret.txt'), path.join(root, 'allowed', 'link.jsonl'));
    });
    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('follows symlinks before deciding', async () => {
      const allowed: BatchSourcePolicy = { directories: [path.join(root, 'allowed')], urlPrefixes: [] };
      await checkBatchSource({ kind: 'file', path: path.join(root, 'allowed', 'in.jsonl') }, allowed);
      await assert.rejects(
        checkBatchSource({ kind: 'file', path: path.join(root, 'allowed', 'link.jsonl') }, allowed),
        /refused: the batch file .*secret\.txt is outside .* \(after following symlinks\)/,
      );
      await assert.rejects(checkBatchSource({ kind: 'file', path: '/etc/passwd' }, allowed), {
        name: 'BatchSourceError',
        message: /^refused: the batch file \/etc\/passwd is outside/,
      });
    });
  });
});

describe('batch line errors', () => {
  it('name the line and the kind of error, never the content', () => {
    const secrets = [
      'root:x:0:0:root:/root:/bin/bash',
      'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG',
      '{"api_key": "sk-live-abcdef0123456789", oops}',
      '"sk-live-abcdef0123456789',
      '{"prompt": "x"} sk-live-abcdef0123456789',
      '{"prompt": "x", "maxCostUsd": "sk-live-abcdef0123456789"}',
    ];
    for (const [i, text] of secrets.entries()) {
      const error = parseBatchLine(text, i + 1, 'b', Buffer.byteLength(text)).error ?? '';
      assert.match(error, /^invalid (JSON|request)/, text);
      for (const fragment of ['root', 'wJalr', 'sk-live', 'abcdef', 'AWS', '/bin/bash', ':x:0'])
        assert.ok(!error.includes(fragment), `"${error}" echoes the line`);
    }
    assert.match(parseBatchLine(secrets[0], 1, 'b', 31).error ?? '', /^invalid JSON: unexpected character$/);
    assert.match(parseBatchLine(secrets[3], 4, 'b', 26).error ?? '', /^invalid JSON: unterminated string at character/);
  });
});
