import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { ADMIN_PREFIX, registerAdminRoutes } from './admin-routes';
import { modelCallHandler } from './model-call-handler';
import { type SimulatorContext } from './simulator-context';
import { type OutgoingResponse, type ProviderWire } from './provider-wire';

/** Anthropic's request size limit; larger bodies are a 413, as there. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * A Fastify app speaking one provider's wire format: its model-call endpoint at `path`, errors
 * (bad JSON, unknown routes, oversized bodies) in the provider's shape, and the admin endpoints.
 */
export function createProviderApp<TWireRequest>(
  context: SimulatorContext,
  wire: ProviderWire<TWireRequest>,
  path: string,
): FastifyInstance {
  // forceCloseConnections: stop() must not wait for calls a fault keeps hanging.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, forceCloseConnections: true });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    const message =
      status === 400 ? `There was an issue with the JSON body of the request: ${error.message}` : error.message;
    return sendResponse(reply, wire.error({ status, message }));
  });
  app.setNotFoundHandler((request, reply) =>
    sendResponse(reply, wire.error({ status: 404, message: `Not found: ${request.method} ${request.url}` })),
  );
  app.post(path, modelCallHandler(context, wire));
  app.register((admin) => registerAdminRoutes(admin, context), { prefix: ADMIN_PREFIX });
  return app;
}

/** Sends a prepared (non-streaming) response through Fastify. */
export function sendResponse(reply: FastifyReply, response: OutgoingResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.chunks.join(''));
}
