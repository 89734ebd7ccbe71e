import { type Payload, type PayloadCodec } from '@temporalio/common';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PayloadDecryptionError } from '../client/aes-gcm-payload-codec';
import { ApiError, invalidRequest } from './api-error';
import {
  CODEC_SESSION_COOKIE,
  CODEC_SESSION_MS,
  cookieValue,
  OPERATOR_KEYS_ENV,
  type CodecAccess,
} from './codec-access';
import { parseInput } from './parse-input';
import { type RouteTable } from './route-table';

/** What the codec server needs: the codec the workers use, who may call it, and from which browser origins. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  access: CodecAccess;
  corsOrigins: readonly string[];
}

/** The codec server's limit on a request body: a few payloads near Temporal's 2 MB, base64-encoded. */
export const CODEC_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const Base64 = z.string().regex(BASE64, 'must be standard base64');

/** One payload in Temporal's codec server protocol (protobuf JSON: bytes as base64). */
export const CodecPayload = z.strictObject({
  metadata: z.record(z.string().max(256), Base64).optional(),
  data: Base64.optional(),
});
export type CodecPayload = z.infer<typeof CodecPayload>;

/** The body of `POST /codec/encode` and `/codec/decode`, and of their answers. */
export const CodecPayloads = z.strictObject({ payloads: z.array(CodecPayload).max(10_000) });
export type CodecPayloads = z.infer<typeof CodecPayloads>;

function fromWire(payload: CodecPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toWire(payload: Payload): CodecPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

const LOGIN_PAGE = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>llm-cascade: codec sign-in</title>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<h1>Decode payloads in the Temporal UI</h1>
<p>Sign in with an operator key: this browser's Temporal UI can then decrypt cascade payloads for ${Math.round(
  CODEC_SESSION_MS / 3_600_000,
)} hours.</p>
<form id="f"><label>Operator key <input id="k" type="password" autocomplete="off" required></label>
<button>Sign in</button></form><p id="s" role="status"></p>
<script>
f.onsubmit = async (event) => {
  event.preventDefault();
  const response = await fetch('session', { method: 'POST', headers: { authorization: 'Bearer ' + k.value } });
  k.value = '';
  s.textContent = response.ok ? 'Signed in.' : 'Refused (' + response.status + '): not an operator key.';
};
</script></body></html>
`;

/**
 * Temporal's codec server protocol on the API: `POST /codec/encode` and `POST /codec/decode` with
 * `{"payloads": [...]}`, so the Temporal UI (and `temporal workflow show --codec-endpoint`) show
 * decrypted payloads to operators. Only operators: an operator key as a bearer token (CLI, scripts)
 * or the session cookie `/codec/login` sets (the UI, which sends cookies with
 * `TEMPORAL_CODEC_INCLUDE_CREDENTIALS`); an API key is not enough. Browsers may call it only from
 * the configured origins. Served without the API key check: this is its own.
 */
export function registerCodecRoutes(app: FastifyInstance, routes: RouteTable, options: CodecServerOptions): void {
  const { access, codec } = options;
  const origins = new Set(options.corsOrigins);

  /** CORS for an allowed origin; a browser call from any other origin is refused (a page elsewhere must not ride the cookie). */
  const applyCors = (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (!origins.has(origin)) {
      throw new ApiError({
        status: 403,
        code: 'origin_not_allowed',
        message: `the codec server does not answer pages from ${origin.slice(0, 200)}; allowed origins are set by LLM_CASCADE_CODEC_CORS_ORIGINS`,
      });
    }
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    reply.header('vary', 'Origin');
  };

  const requireOperator = (request: FastifyRequest) => {
    if (!access.open) {
      throw new ApiError({
        status: 403,
        code: 'codec_closed',
        message: `the codec server is closed: no operator keys are set (${OPERATOR_KEYS_ENV})`,
      });
    }
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      if (access.isOperatorKey(authorization)) return;
      throw new ApiError({ status: 403, code: 'not_an_operator', message: 'the codec server needs an operator key' });
    }
    if (access.isValidSession(cookieValue(request.headers.cookie, CODEC_SESSION_COOKIE), Date.now())) return;
    throw new ApiError({
      status: 401,
      code: 'operator_key_required',
      message:
        'the codec server needs an operator key: send Authorization: Bearer <operator key>, or sign in at /codec/login',
    });
  };

  const transform = (direction: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
    applyCors(request, reply);
    requireOperator(request);
    const body = parseInput(CodecPayloads, request.body ?? {}, 'body');
    let payloads: Payload[];
    try {
      payloads = await codec[direction](body.payloads.map(fromWire));
    } catch (error) {
      if (error instanceof PayloadDecryptionError) throw invalidRequest([`body.payloads: ${error.message}`]);
      throw error;
    }
    reply.header('cache-control', 'no-store');
    return { payloads: payloads.map(toWire) } satisfies CodecPayloads;
  };

  for (const direction of ['encode', 'decode'] as const) {
    const url = `/codec/${direction}`;
    routes.add(url, { POST: transform(direction) }, { public: true, bodyLimit: CODEC_BODY_LIMIT_BYTES });
    // The browser's preflight: the UI sends JSON, a namespace header and, with a token, Authorization.
    app.options(url, async (request, reply) => {
      applyCors(request, reply);
      reply.header('access-control-allow-methods', 'POST');
      reply.header('access-control-allow-headers', 'content-type, authorization, x-namespace');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    });
  }

  routes.add(
    '/codec/session',
    {
      async POST(request, reply) {
        if (request.headers.origin !== undefined) applyCors(request, reply);
        requireOperator(request);
        if (request.headers.authorization === undefined)
          throw new ApiError({
            status: 401,
            code: 'operator_key_required',
            message: 'send Authorization: Bearer <operator key>',
          });
        const secure = request.protocol === 'https' ? '; Secure' : '';
        reply.header(
          'set-cookie',
          `${CODEC_SESSION_COOKIE}=${access.issueSession(Date.now())}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=${CODEC_SESSION_MS / 1000}${secure}`,
        );
        reply.header('cache-control', 'no-store');
        return { signedIn: true, expiresInSeconds: CODEC_SESSION_MS / 1000 };
      },
    },
    { public: true },
  );
  routes.add(
    '/codec/login',
    {
      async GET(_request, reply) {
        reply.header(
          'content-security-policy',
          "default-src 'none'; script-src 'unsafe-inline'; connect-src 'self'; style-src 'unsafe-inline'",
        );
        reply.header('x-frame-options', 'DENY');
        reply.header('cache-control', 'no-store');
        return reply.type('text/html; charset=utf-8').send(LOGIN_PAGE);
      },
    },
    { public: true },
  );
}
