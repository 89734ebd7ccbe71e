import { type FastifyReply } from 'fastify';

/** A `text/event-stream` response opened before its content exists. */
export interface EventStream {
  /** Writes raw SSE text (one or more events). */
  write(text: string): void;
  /** Stops the keep-alives and ends the response, after `text` if given. */
  end(text?: string): void;
}

/**
 * Opens a server-sent-events response at once: status 200 and the headers go out before the
 * cascade has an answer, then an SSE comment (`: keep-alive`, which every SSE client skips) every
 * `keepAliveMs` until `end`, so a proxy with a 60 s idle timeout does not cut a cascade that
 * escalates or waits out an outage. Fastify steps aside (`hijack`): the stream owns the socket.
 */
export function openEventStream(
  reply: FastifyReply,
  options: { keepAliveMs: number; headers?: Record<string, string> },
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to; a buffered keep-alive keeps nothing alive.
    'x-accel-buffering': 'no',
    'x-request-id': String(reply.request.id),
    ...options.headers,
  });
  raw.flushHeaders();
  const timer = setInterval(() => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(': keep-alive\n\n');
  }, options.keepAliveMs);
  raw.once('close', () => clearInterval(timer));
  return {
    write(text) {
      if (!raw.writableEnded && !raw.destroyed) raw.write(text);
    },
    end(text) {
      clearInterval(timer);
      if (raw.writableEnded || raw.destroyed) return;
      raw.end(text);
    },
  };
}
