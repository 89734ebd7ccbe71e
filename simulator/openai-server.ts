import { type FastifyInstance } from 'fastify';
import { type SimulatorContext } from './simulator-context';
import { openaiWire } from './openai-wire';
import { createProviderApp, sendResponse } from './provider-app';

/** A stable, plausible creation time (epoch seconds) for listed models. */
const MODEL_CREATED = 1_735_689_600;

function modelInfo(id: string) {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'system' };
}

/**
 * The simulated OpenAI API: `POST /v1/chat/completions` (also streamed), `GET /v1/models`,
 * `GET /v1/models/{id}`, plus the admin endpoints.
 */
export function createOpenaiServer(context: SimulatorContext): FastifyInstance {
  const app = createProviderApp(context, openaiWire, '/v1/chat/completions');

  app.get('/v1/models', async (request, reply) => {
    const headerError = openaiWire.checkHeaders(request.headers);
    if (headerError) return sendResponse(reply, openaiWire.error(headerError));
    return { object: 'list', data: context.responder.knownModels().map(modelInfo) };
  });

  // Model ids may hold slashes (`mistralai/mixtral-8x7b-chat`), hence the wildcard.
  app.get<{ Params: { '*': string } }>('/v1/models/*', async (request, reply) => {
    const headerError = openaiWire.checkHeaders(request.headers);
    if (headerError) return sendResponse(reply, openaiWire.error(headerError));
    const id = decodeURIComponent(request.params['*']);
    if (context.responder.currentScript.strictModels && !context.responder.knownModels().includes(id)) {
      return sendResponse(reply, openaiWire.error({ status: 404, message: id, code: 'model_not_found' }));
    }
    return modelInfo(id);
  });

  return app;
}
