import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { type FastifyInstance, type FastifyRequest } from 'fastify';
import { CASCADE_ID_ATTRIBUTE } from './tracing';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span per HTTP request, continuing the caller's trace when it sends a W3C `traceparent`
 * (and `tracestate`), named `METHOD /route/pattern`, with the request id the response echoes in
 * `x-request-id`. The span is made current for the handler (from `preHandler`, once the body has
 * been read), so the Temporal client's span, and through it the workflow's, become its children.
 */
export function registerHttpTracing(app: FastifyInstance, tracer: Tracer): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      `${request.method}${route ? ` ${route}` : ''}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.url.split('?')[0]!,
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
          'http.request.header.x-request-id': [String(request.id)],
        },
      },
      parent,
    );
    spans.set(request, span);
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    spans.delete(request);
  });
  app.addHook('onRequestAbort', async (request) => {
    const span = spans.get(request);
    if (!span) return;
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    span.end();
    spans.delete(request);
  });
}

/** Puts the cascade id on the current request's span (when tracing is on; otherwise does nothing). */
export function annotateCascadeId(id: string): void {
  trace.getActiveSpan()?.setAttribute(CASCADE_ID_ATTRIBUTE, id);
}
