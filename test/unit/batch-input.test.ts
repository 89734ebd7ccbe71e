import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cursorAfter, START_CURSOR, type BatchCursor, type BatchLine } from '../../core/batch';
import { countBatchLines, MAX_LINE_BYTES, parseBatchLine, readBatchPage } from '../../batch/batch-input';

let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-batch-input-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every line of a file, read page by page from the start, as the batch reads it. */
async function readAll(
  file: string,
  pageSize: number,
  maxPageBytes = 512 * 1024,
): Promise<{ lines: BatchLine[]; pages: number; largestPage: number }> {
  const lines: BatchLine[] = [];
  let cursor: BatchCursor = START_CURSOR;
  let pages = 0;
  let largestPage = 0;
  for (;;) {
    const page = await readBatchPage({
      batchId: 'b',
      source: { kind: 'file', path: file },
      cursor,
      pageSize,
      maxPageBytes,
    });
    pages++;
    largestPage = Math.max(largestPage, Buffer.byteLength(JSON.stringify(page)));
    lines.push(...page.lines);
    cursor = page.next;
    if (page.done) return { lines, pages, largestPage };
  }
}

describe('batch input', () => {
  it('keys a line by its id, else its line number, and validates it', () => {
    const withId = parseBatchLine('{"id": "order-7", "prompt": "hi"}', 3, 'b1', 30);
    assert.equal(withId.key, 'order-7');
    assert.equal(withId.request?.id, 'b1/order-7', 'the request id is the cascade id');
    assert.match(withId.fingerprint ?? '', /^[0-9a-f]{32}$/);

    const numbered = parseBatchLine('{"prompt": "hi"}', 4, 'b1', 16);
    assert.equal(numbered.key, '4');
    assert.equal(numbered.request?.id, 'b1/4');
    assert.equal(
      parseBatchLine('{"id": "x", "prompt": "hi"}', 1, 'b1', 10).fingerprint,
      parseBatchLine('{"id": "y", "prompt": "hi"}', 2, 'b1', 10).fingerprint,
      'the id is not part of the content',
    );

    assert.match(parseBatchLine('{"prompt": ', 5, 'b1', 11).error ?? '', /^invalid JSON/);
    assert.match(parseBatchLine('[1, 2]', 6, 'b1', 6).error ?? '', /expected a JSON object/);
    assert.match(
      parseBatchLine('{"prompt": "hi", "maxCostUsd": -1}', 7, 'b1', 30).error ?? '',
      /maxCostUsd: must be greater than 0/,
    );
    assert.match(parseBatchLine('{"prompt": "hi", "colour": "red"}', 8, 'b1', 30).error ?? '', /colour/);
    assert.match(
      parseBatchLine(undefined, 9, 'b1', MAX_LINE_BYTES + 1).error ?? '',
      /more than the 1500000 a line may have/,
    );
    const longId = parseBatchLine(JSON.stringify({ id: 'x'.repeat(199), prompt: 'hi' }), 10, 'b1', 220);
    assert.match(longId.error ?? '', /too long for a cascade id/);
  });

  it('reads pages of lines with physical line numbers, skipping blank lines and CRLF endings', async () => {
    const file = path.join(dir, 'mixed.jsonl');
    await writeFile(
      file,
      ['{"prompt": "one"}', '', '   ', '{"prompt": "two"}\r', 'not json', '{"prompt": "four"}'].join('\n'),
    );
    assert.equal(await countBatchLines({ kind: 'file', path: file }), 4);
    const { lines } = await readAll(file, 2);
    assert.deepEqual(
      lines.map((l) => l.line),
      [1, 4, 5, 6],
    );
    assert.deepEqual(
      lines.map((l) => l.request?.prompt ?? l.error?.slice(0, 12)),
      ['one', 'two', 'invalid JSON', 'four'],
    );
  });

  it('records a line too large for a payload as failed, without holding it in memory', async () => {
    const file = path.join(dir, 'huge.jsonl');
    await writeFile(
      file,
      `{"prompt": "before"}\n{"prompt": "${'x'.repeat(MAX_LINE_BYTES + 10)}"}\n{"prompt": "after"}\n`,
    );
    const { lines } = await readAll(file, 10);
    assert.equal(lines.length, 3);
    assert.match(lines[1]!.error!, /more than the/);
    assert.equal(lines[2]!.request?.prompt, 'after');
  });

  it('pages 100,000 lines in bounded payloads, resumable from any cursor', async () => {
    const file = path.join(dir, 'large.jsonl');
    const count = 100_000;
    await writeFile(
      file,
      Array.from({ length: count }, (_, i) =>
        JSON.stringify({ id: `r${i + 1}`, prompt: `Request number ${i + 1}: please answer briefly.` }),
      ).join('\n') + '\n',
    );
    assert.equal(await countBatchLines({ kind: 'file', path: file }), count);

    const maxPageBytes = 64 * 1024;
    const { lines, pages, largestPage } = await readAll(file, 1000, maxPageBytes);
    assert.equal(lines.length, count);
    assert.ok(lines.every((l, i) => l.line === i + 1 && l.key === `r${i + 1}` && l.request !== undefined));
    assert.ok(pages > count / 1000, `the byte budget split pages further (${pages} pages)`);
    // A page's raw lines stay within the budget; the page as a payload (requests plus their
    // cursors and fingerprints) is a small multiple of it, far below Temporal's 2 MB limit.
    assert.ok(largestPage < 4 * maxPageBytes, `largest page payload ${largestPage} bytes`);

    const resumeAt = cursorAfter({ start: START_CURSOR }, lines[54_320]!);
    const page = await readBatchPage({
      batchId: 'b',
      source: { kind: 'file', path: file },
      cursor: resumeAt,
      pageSize: 3,
      maxPageBytes,
    });
    assert.deepEqual(
      page.lines.map((l) => l.key),
      ['r54322', 'r54323', 'r54324'],
    );
  });
});
