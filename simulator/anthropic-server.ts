import { type FastifyInstance } from 'fastify';
import { anthropicWire } from './anthropic-wire';
import { type SimulatorContext } from './simulator-context';
import { createProviderApp, sendResponse } from './provider-app';
import { estimateTokens } from './token-estimate';

/** A stable, plausible creation date for listed models. */
const MODEL_CREATED_AT = '2025-01-01T00:00:00Z';

function modelInfo(id: string) {
  return { type: 'model', id, display_name: id, created_at: MODEL_CREATED_AT };
}

/**
 * The simulated Anthropic API: `POST /v1/messages` (also streamed), `POST /v1/messages/count_tokens`,
 * `GET /v1/models`, `GET /v1/models/{id}`, plus the admin endpoints.
 */
export function createAnthropicServer(context: SimulatorContext): FastifyInstance {
  const app = createProviderApp(context, anthropicWire, '/v1/messages');

  app.post('/v1/messages/count_tokens', async (request, reply) => {
    const headerError = anthropicWire.checkHeaders(request.headers);
    if (headerError) return sendResponse(reply, anthropicWire.error(headerError));
    // count_tokens takes a messages request without max_tokens.
    const parsed = anthropicWire.parse({ max_tokens: 1, ...(request.body as object) });
    if (!parsed.ok) return sendResponse(reply, anthropicWire.error(parsed.error));
    return { input_tokens: estimateTokens(parsed.call.chat.promptText) };
  });

  app.get('/v1/models', async (request, reply) => {
    const headerError = anthropicWire.checkHeaders(request.headers);
    if (headerError) return sendResponse(reply, anthropicWire.error(headerError));
    const data = context.responder.knownModels().map(modelInfo);
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  });

  // Model ids may hold slashes (`mistralai/mixtral-8x7b-chat`), hence the wildcard.
  app.get<{ Params: { '*': string } }>('/v1/models/*', async (request, reply) => {
    const headerError = anthropicWire.checkHeaders(request.headers);
    if (headerError) return sendResponse(reply, anthropicWire.error(headerError));
    const id = decodeURIComponent(request.params['*']);
    const script = context.responder.currentScript;
    if (script.strictModels && !context.responder.knownModels().includes(id)) {
      return sendResponse(reply, anthropicWire.error({ status: 404, message: id, code: 'model_not_found' }));
    }
    return modelInfo(id);
  });

  return app;
}
