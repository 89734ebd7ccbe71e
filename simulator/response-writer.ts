import { type ServerResponse } from 'node:http';
import { type OutgoingResponse } from './provider-wire';

/** How a fault shapes the writing of a response. */
export type WritePacing =
  | { type: 'at_once' }
  /** The body in `chunks` pieces spread over `durationMs`. */
  | { type: 'slow'; durationMs: number; chunks: number }
  /** Headers and half the body, then the connection is destroyed. */
  | { type: 'cut_mid_body' };

/** Resolves `true` once the connection closes without a complete response. */
export function connectionLost(raw: ServerResponse): Promise<true> {
  return new Promise((resolve) => {
    if (raw.destroyed && !raw.writableFinished) return resolve(true);
    raw.once('close', () => {
      if (!raw.writableFinished) resolve(true);
    });
  });
}

/** Waits `ms`; resolves `true` early when the connection is lost meanwhile. */
export async function waitUnlessLost(ms: number, lost: Promise<true>): Promise<boolean> {
  if (ms <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([elapsed, lost]);
  clearTimeout(timer);
  return result;
}

/**
 * Writes a response and reports whether it was fully handed to the network (`completed`) or the
 * connection went first (`aborted`). Only `finish` counts as completed: a response still in
 * flight when the client vanishes was not received.
 */
export async function writeResponse(
  raw: ServerResponse,
  response: OutgoingResponse,
  pacing: WritePacing,
  lost: Promise<true>,
): Promise<'completed' | 'aborted'> {
  if (raw.destroyed) return 'aborted';
  const body = response.chunks.join('');
  const isStream = response.headers['content-type']?.startsWith('text/event-stream') ?? false;
  raw.writeHead(
    response.status,
    isStream ? response.headers : { ...response.headers, 'content-length': String(Buffer.byteLength(body)) },
  );
  const finished = new Promise<'completed'>((resolve) => raw.once('finish', () => resolve('completed')));
  const outcome = Promise.race([finished, lost.then(() => 'aborted' as const)]);

  if (pacing.type === 'cut_mid_body') {
    raw.write(body.slice(0, Math.floor(body.length / 2)));
    // Let the first half reach the client before the connection drops.
    await new Promise((resolve) => setTimeout(resolve, 20));
    raw.destroy();
    return 'aborted';
  }
  if (pacing.type === 'slow') {
    const pieceLength = Math.ceil(body.length / pacing.chunks);
    const interval = pacing.durationMs / pacing.chunks;
    for (let start = 0; start < body.length; start += pieceLength) {
      if (raw.destroyed) return 'aborted';
      raw.write(body.slice(start, start + pieceLength));
      if (start + pieceLength < body.length && (await waitUnlessLost(interval, lost))) return 'aborted';
    }
    raw.end();
    return outcome;
  }
  for (const chunk of response.chunks) raw.write(chunk);
  raw.end();
  return outcome;
}
