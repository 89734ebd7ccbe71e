/**
 * The names a drop-in request's `model` may take, and what each asks for: `cascade` (the
 * classifier picks the route), `cascade/<route>` (that route), or a model the config's
 * `api.exposeModels` exposes (that model alone, no cascade). Pure: `GET /v1/models` lists them and
 * the drop-in endpoints map `model` with them.
 */
import { type CascadeConfig } from '../core/config';
import { CASCADE_MODEL } from '../core/exposed-models';
import { ApiError } from './api-error';

/** What a request's `model` is resolved against: the config's routes and the exposed models. */
export interface ModelScope {
  config: CascadeConfig;
  /** `exposedModels(access, config)`: config model ids a request may name. */
  exposedModels: readonly string[];
}

/** One name a request may give as `model`. */
export interface GatewayModel {
  id: string;
  description: string;
  /** OpenAI's `owned_by`: `llm-cascade` for the gateway's names, the provider for an exposed model. */
  ownedBy: string;
}

/** What a request's `model` asks for, as the cascade request's fields (none: the classifier picks the route). */
export interface ModelTarget {
  taskType?: string;
  model?: string;
}

/** The name a request gives as `model` for one route. */
function routeModelId(route: string): string {
  return `${CASCADE_MODEL}/${route}`;
}

/** Every name a request may give as `model`: `cascade`, each `cascade/<route>`, each exposed model. */
export function gatewayModels({ config, exposedModels }: ModelScope): GatewayModel[] {
  return [
    { id: CASCADE_MODEL, description: 'llm-cascade: the classifier picks the route', ownedBy: 'llm-cascade' },
    ...Object.keys(config.routes).map((route) => ({
      id: routeModelId(route),
      description: `llm-cascade: route ${route}`,
      ownedBy: 'llm-cascade',
    })),
    ...exposedModels.map((id) => ({
      id,
      description: `${id}: this model alone, no cascade`,
      ownedBy: config.models[id]?.provider ?? 'llm-cascade',
    })),
  ];
}

function quoted(ids: readonly string[]): string {
  return ids.map((id) => `"${id}"`).join(', ');
}

/**
 * The problem with a `model` that names nothing the API serves. A model of the config that is not
 * exposed gets the same words as one the config lacks: what the config holds beyond what the API
 * exposes is not the caller's business.
 */
export function unknownModelProblem(model: string, { config, exposedModels }: ModelScope): string {
  const routes = quoted(Object.keys(config.routes).map(routeModelId));
  const models = exposedModels.length > 0 ? `, or a model: ${quoted(exposedModels)}` : '';
  return `model: unknown model "${model}"; use "${CASCADE_MODEL}" (the classifier picks the route), a route: ${routes}${models}`;
}

/** What `model` asks for; a 400 naming `model` for anything `gatewayModels` does not list. */
export function modelTarget(model: string, scope: ModelScope): ModelTarget {
  if (model === CASCADE_MODEL) return {};
  const prefix = routeModelId('');
  if (model.startsWith(prefix)) {
    const route = model.slice(prefix.length);
    // Own keys only: `cascade/constructor` names no route.
    if (Object.hasOwn(scope.config.routes, route)) return { taskType: route };
    throw new ApiError({
      status: 400,
      code: 'model_not_found',
      param: 'model',
      message: `model: unknown route "${route}" in "${model}"; use "${CASCADE_MODEL}" or one of ${quoted(Object.keys(scope.config.routes).map(routeModelId))}`,
    });
  }
  if (scope.exposedModels.includes(model)) return { model };
  throw new ApiError({
    status: 400,
    code: 'model_not_found',
    param: 'model',
    message: unknownModelProblem(model, scope),
  });
}
