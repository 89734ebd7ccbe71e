import { z } from 'zod';
import { type ApiContext } from './api-context';
import { ApiError } from './api-error';
import { gatewayModels } from './gateway-models';
import { type RouteTable } from './route-table';

/** Where OpenAI and Anthropic clients list the models they may name (both SDKs use the same path). */
export const MODELS_PATH = '/v1/models';

/** One model as OpenAI's `GET /v1/models` lists it. */
export const OpenAIModel = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
});
export const OpenAIModelList = z.object({ object: z.literal('list'), data: z.array(OpenAIModel) });
export type OpenAIModelList = z.infer<typeof OpenAIModelList>;

/** One model as Anthropic's `GET /v1/models` lists it. */
export const AnthropicModel = z.object({
  type: z.literal('model'),
  id: z.string(),
  display_name: z.string(),
  created_at: z.string(),
});
export const AnthropicModelList = z.object({
  data: z.array(AnthropicModel),
  has_more: z.boolean(),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
});
export type AnthropicModelList = z.infer<typeof AnthropicModelList>;

/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the gateway's models, so clients that list models
 * first (Open WebUI, LangChain, LibreChat) find them: `cascade`, each `cascade/<route>`, and each
 * config model `api.exposeModels` exposes. A request with an `anthropic-version` header
 * (the Anthropic SDK) gets Anthropic's list shape, any other OpenAI's. Models are listed with the
 * API's start time, as the routes exist since then.
 */
export function registerModelRoutes(routes: RouteTable, context: ApiContext): void {
  const models = gatewayModels(context);
  const startedAt = new Date();
  const created = Math.floor(startedAt.getTime() / 1000);
  const openai = (id: string, ownedBy: string) => ({ id, object: 'model' as const, created, owned_by: ownedBy });
  const anthropic = (id: string, description: string) => ({
    type: 'model' as const,
    id,
    display_name: description,
    created_at: startedAt.toISOString(),
  });

  routes.add(MODELS_PATH, {
    async GET(request): Promise<OpenAIModelList | AnthropicModelList> {
      if (request.headers['anthropic-version'] !== undefined) {
        const data = models.map((m) => anthropic(m.id, m.description));
        return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
      }
      return { object: 'list', data: models.map((m) => openai(m.id, m.ownedBy)) };
    },
  });
  const retrieve = async (id: string, anthropicShape: boolean) => {
    const model = models.find((m) => m.id === id);
    if (!model) {
      throw new ApiError({
        status: 404,
        code: 'model_not_found',
        param: 'model',
        message: `model: no model "${id}"; models: ${models.map((m) => m.id).join(', ')}`,
      });
    }
    return anthropicShape ? anthropic(model.id, model.description) : openai(model.id, model.ownedBy);
  };
  // Any number of segments: `cascade/<route>` is two, and a config model's id may hold slashes of its own.
  routes.add(`${MODELS_PATH}/*`, {
    async GET(request) {
      const { '*': id } = request.params as { '*': string };
      return retrieve(id, request.headers['anthropic-version'] !== undefined);
    },
  });
}
