import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Client } from '@temporalio/client';
import { requestFingerprint } from '../client/cascade-client';
import { batchChildId, type BatchCursor, type BatchLine, type BatchPage, type BatchSource } from '../core/batch';
import { jsonSchemaProblems } from '../core/json-schema';
import { promptSizeProblem } from '../core/prompt';
import { parseRequest, REQUEST_ID_PATTERN, RequestValidationError, type CascadeRequest } from '../core/request';
import { readCascadeInput } from '../client/cascade-history';
import { CASCADE_WORKFLOW_TYPE } from '../workflows/definitions';

/**
 * Reading a batch's input a page at a time: the same code serves the worker's `readBatchPage`
 * activity and the client that lists results in input order, so both see the same lines, keys and
 * errors. A page ends at `pageSize` lines or `maxPageBytes` bytes, and always holds at least one line.
 */

/** The source cannot be read at all (no such file, HTTP 404, a bad query): retrying will not help. */
export class BatchSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchSourceError';
  }
}

/** A line longer than this is recorded as failed: its request would not fit in a Temporal payload (2 MB). */
export const MAX_LINE_BYTES = 1_500_000;

/** Visibility returns at most this many executions per page. */
const MAX_QUERY_PAGE = 1000;

export interface ReadPageOptions {
  batchId: string;
  source: BatchSource;
  cursor: BatchCursor;
  pageSize: number;
  maxPageBytes: number;
  /** Needed for a `query` source. */
  client?: Client;
}

/** Reads the page of lines that starts at `cursor`. */
export async function readBatchPage(options: ReadPageOptions): Promise<BatchPage> {
  if (options.source.kind === 'query') return readQueryPage(options, options.source);
  const stream = await openByteStream(options.source, options.cursor.offset);
  try {
    return await readLines(stream, options);
  } finally {
    stream.destroy();
  }
}

/** The input's lines that are not blank (what the batch will count as its lines). */
export async function countBatchLines(
  source: BatchSource,
  options: { client?: Client; onProgress?: () => void } = {},
): Promise<number> {
  if (source.kind === 'query') {
    const client = requireClient(options.client);
    return (await client.workflow.count(sourceQuery(source))).count;
  }
  const stream = await openByteStream(source, 0);
  let count = 0;
  let content = false;
  let chunks = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const byte of chunk) {
        if (byte === 0x0a) {
          if (content) count += 1;
          content = false;
        } else if (!content && byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) {
          content = true;
        }
      }
      if (++chunks % 64 === 0) options.onProgress?.();
    }
  } finally {
    stream.destroy();
  }
  return count + (content ? 1 : 0);
}

/**
 * One line's text as the batch sees it: a cascade request as JSON. Its `id`, if any, keys the
 * line's child; without one the line number does. The request is validated here (schema, JSON
 * Schema), so a bad line is recorded as failed with its error rather than started.
 */
export function parseBatchLine(
  text: string | undefined,
  line: number,
  batchId: string,
  byteLength: number,
): Omit<BatchLine, 'end'> {
  const numbered = { line, key: String(line) };
  if (text === undefined)
    return { ...numbered, error: `the line is ${byteLength} bytes, more than the ${MAX_LINE_BYTES} a line may have` };
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return { ...numbered, error: `invalid JSON: ${jsonErrorKind(error)}` };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { ...numbered, error: 'expected a JSON object: a cascade request like {"id": "...", "prompt": "..."}' };
  }
  const id = (record as { id?: unknown }).id;
  const keyed = typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? { line, key: id } : numbered;
  return { ...keyed, ...validateLineRequest(record, batchChildId(batchId, keyed.key)) };
}

/**
 * What kind of JSON syntax error, and where, in words of its own: the parser's message quotes the
 * input ("Unexpected token 'r', "root:x:0:0:..." is not valid JSON"), and a line of a file that
 * was never meant as a batch (a secrets file) must not come back in an error, a history or a log.
 */
export function jsonErrorKind(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /JSON at position (\d+)/.exec(message)?.[1];
  const at = position !== undefined ? ` at character ${Number(position) + 1}` : '';
  if (/^Unexpected end of JSON input/.test(message)) return 'the line ends before the JSON does';
  if (/^Unexpected (token|non-whitespace character)/.test(message)) return `unexpected character${at}`;
  if (/^Unterminated string/.test(message)) return `unterminated string${at}`;
  if (/^Bad (escaped|control) character/.test(message)) return `bad character in a string${at}`;
  // V8's fixed wordings, e.g. "Expected ',' or '}' after property value": no input in them.
  const expected =
    /^(Expected (?:double-quoted property name|',' or '[\]}]' after (?:array element|property value)|':' after property name))/.exec(
      message,
    )?.[1];
  if (expected) return `${expected.toLowerCase()}${at}`;
  return `syntax error${at}`;
}

function validateLineRequest(
  record: object,
  workflowId: string,
): { request: CascadeRequest; fingerprint: string } | { error: string } {
  try {
    const parsed = parseRequest(record);
    const problems =
      parsed.schema !== undefined
        ? jsonSchemaProblems(parsed.schema).map((p) => `schema: invalid JSON Schema: ${p}`)
        : [];
    const tooLarge = problems.length === 0 ? promptSizeProblem(parsed) : undefined;
    if (tooLarge) problems.push(tooLarge);
    if (!REQUEST_ID_PATTERN.test(workflowId))
      problems.push(`id: "${workflowId}" is too long for a cascade id (at most 200 characters with the batch id)`);
    if (problems.length > 0) return { error: `invalid request: ${problems.join('; ')}` };
    // Config-independent on purpose: an unknown task type takes the default route, as for any request.
    const request: CascadeRequest = { ...parsed, id: workflowId };
    return { request, fingerprint: requestFingerprint(request) };
  } catch (error) {
    if (error instanceof RequestValidationError) return { error: error.message };
    throw error;
  }
}

async function openByteStream(source: Exclude<BatchSource, { kind: 'query' }>, offset: number): Promise<Readable> {
  if (source.kind === 'file') {
    try {
      const info = await stat(source.path);
      if (!info.isFile()) throw new BatchSourceError(`${source.path} is not a file`);
    } catch (error) {
      if (error instanceof BatchSourceError) throw error;
      throw new BatchSourceError(
        `cannot read ${source.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    return createReadStream(source.path, { start: offset, highWaterMark: 64 * 1024 });
  }
  let response: Response;
  try {
    // Redirects are not followed: the allowed URL prefixes were checked on this URL, not on where it leads.
    response = await fetch(source.url, {
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      redirect: 'manual',
    });
  } catch (error) {
    // A network error may pass: let the activity's retry policy try again.
    throw new Error(`cannot fetch ${source.url}: ${(error as Error).message}`);
  }
  if (response.status === 416) return streamOf([]);
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new BatchSourceError(
      `cannot fetch ${source.url}: HTTP ${response.status}, a redirect, which batches do not follow`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    const message = `cannot fetch ${source.url}: HTTP ${response.status}`;
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
      throw new BatchSourceError(message);
    throw new Error(message);
  }
  const body = response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : streamOf([]);
  // A server that ignores `Range` sends the whole file: skip what was already read.
  return response.status === 206 || offset === 0 ? body : skipBytes(body, offset);
}

function streamOf(chunks: Buffer[]): Readable {
  return Readable.from(chunks);
}

function skipBytes(stream: Readable, bytes: number): Readable {
  let remaining = bytes;
  async function* skipped(): AsyncGenerator<Buffer> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (remaining >= chunk.length) {
        remaining -= chunk.length;
        continue;
      }
      yield chunk.subarray(remaining);
      remaining = 0;
    }
  }
  const result = Readable.from(skipped());
  result.on('close', () => stream.destroy());
  return result;
}

/** Splits the byte stream into lines from the cursor on, until the page is full or the input ends. */
async function readLines(stream: Readable, options: ReadPageOptions): Promise<BatchPage> {
  const lines: BatchLine[] = [];
  let offset = options.cursor.offset;
  let lineNumber = options.cursor.line;
  let pageBytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  const full = () => lines.length >= options.pageSize || (lines.length > 0 && pageBytes >= options.maxPageBytes);

  const finishLine = (terminatorBytes: number) => {
    offset += pendingBytes + terminatorBytes;
    lineNumber += 1;
    const text = oversized ? undefined : Buffer.concat(pending, pendingBytes).toString('utf8').replace(/\r$/, '');
    if (text === undefined || text.trim() !== '') {
      const parsed = parseBatchLine(text, lineNumber, options.batchId, pendingBytes);
      lines.push({ ...parsed, end: offset });
      pageBytes += payloadBytes(parsed, oversized ? 0 : pendingBytes);
    }
    pending = [];
    pendingBytes = 0;
    oversized = false;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (!oversized && pendingBytes + piece.length > MAX_LINE_BYTES) {
        oversized = true;
        pending = [];
      }
      if (!oversized) pending.push(piece);
      pendingBytes += piece.length;
      if (newline === -1) break;
      finishLine(1);
      start = newline + 1;
      if (full()) return { lines, start: options.cursor, next: { line: lineNumber, offset }, done: false };
    }
  }
  if (pendingBytes > 0) finishLine(0);
  return { lines, start: options.cursor, next: { line: lineNumber, offset }, done: true };
}

/** About what a line adds to its page's payload: the request as read, or the error, plus the line's bookkeeping. */
function payloadBytes(line: Omit<BatchLine, 'end'>, rawBytes: number): number {
  return rawBytes + (line.error?.length ?? 0) + 96;
}

function requireClient(client: Client | undefined): Client {
  if (!client) throw new BatchSourceError('a query source needs a Temporal client');
  return client;
}

/** The visibility query a `query` source lists: cascades only, started before the batch. */
function sourceQuery(source: Extract<BatchSource, { kind: 'query' }>): string {
  return `WorkflowType = '${CASCADE_WORKFLOW_TYPE}' AND StartTime < '${source.before}' AND (${source.query})`;
}

/**
 * A page of past cascades: their requests from history, keyed by their workflow ids. A page never
 * spans two visibility pages, so every line of it resumes under the page's own token.
 */
async function readQueryPage(
  options: ReadPageOptions,
  source: Extract<BatchSource, { kind: 'query' }>,
): Promise<BatchPage> {
  const client = requireClient(options.client);
  let start = options.cursor;
  for (;;) {
    const listing = await listPage(client, source, start.pageToken, Math.min(options.pageSize, MAX_QUERY_PAGE));
    const executions = listing.executions ?? [];
    const token =
      listing.nextPageToken && listing.nextPageToken.length > 0
        ? Buffer.from(listing.nextPageToken).toString('base64')
        : undefined;
    if (start.offset >= executions.length) {
      // This visibility page is used up: go on with the next one, if any.
      if (!token) return { lines: [], start, next: start, done: true };
      start = { line: start.line, offset: 0, pageToken: token };
      continue;
    }
    const lines: BatchLine[] = [];
    let pageBytes = 0;
    let position = start.offset;
    let lineNumber = start.line;
    while (position < executions.length && lines.length < options.pageSize && pageBytes < options.maxPageBytes) {
      const execution = executions[position]!;
      position += 1;
      lineNumber += 1;
      const workflowId = execution.execution?.workflowId ?? '';
      const runId = execution.execution?.runId ?? undefined;
      let text: string;
      try {
        const input = await readCascadeInput(client, { workflowId, ...(runId ? { runId } : {}) });
        text = JSON.stringify({ ...input.request, id: workflowId });
      } catch (error) {
        lines.push({
          line: lineNumber,
          key: workflowId,
          end: position,
          error: `cannot read the request from history: ${(error as Error).message}`,
        });
        continue;
      }
      const parsed = parseBatchLine(text, lineNumber, options.batchId, Buffer.byteLength(text));
      lines.push({ ...parsed, end: position });
      pageBytes += payloadBytes(parsed, Buffer.byteLength(text));
    }
    const exhausted = position >= executions.length;
    const next: BatchCursor =
      exhausted && token
        ? { line: lineNumber, offset: 0, pageToken: token }
        : { line: lineNumber, offset: position, ...(start.pageToken ? { pageToken: start.pageToken } : {}) };
    return { lines, start, next, done: exhausted && !token };
  }
}

async function listPage(
  client: Client,
  source: Extract<BatchSource, { kind: 'query' }>,
  pageToken: string | undefined,
  pageSize: number,
) {
  try {
    return await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query: sourceQuery(source),
      pageSize,
      ...(pageToken ? { nextPageToken: Buffer.from(pageToken, 'base64') } : {}),
    });
  } catch (error) {
    const message = (error as Error).message;
    if (/invalid|syntax|unknown|not defined/i.test(message))
      throw new BatchSourceError(`invalid query "${source.query}": ${message}`);
    throw error;
  }
}
