/**
 * Which config models the HTTP API lets a request name directly (`api.exposeModels`), beside the
 * gateway's own names. Pure: the API resolves it once at startup, and a config whose setting
 * cannot be honoured stops the process there, naming the field.
 */
import { type ApiAccessConfig } from './api-access-config';
import { pinnedTier, tierModels } from './cascade-plan';
import { ConfigError, type CascadeConfig } from './config';

/** The `model` that lets the classifier pick the route; `cascade/<route>` names one route. */
export const CASCADE_MODEL = 'cascade';

/**
 * Whether an id is in the gateway's own namespace: `cascade` or anything under `cascade/`. An
 * exposed model id must not be, so a request's `model` means one thing whatever the routes are
 * (a route added later cannot take a model's name, nor a model a route's).
 */
export function isGatewayModelName(id: string): boolean {
  return id === CASCADE_MODEL || id.startsWith(`${CASCADE_MODEL}/`);
}

/**
 * The model ids `api.exposeModels` exposes, in its order (`true`: every model on the tiers, `tierModels`).
 * Throws `ConfigError` naming `api.exposeModels` (and the entry) for an id that is not a model of
 * the config, a model on no tier (a direct call is answered on its tier, `pinnedTier`), an id in
 * the gateway's own namespace (`isGatewayModelName`), or an id listed twice.
 */
export function exposedModels(
  access: Pick<ApiAccessConfig, 'exposeModels'>,
  config: Pick<CascadeConfig, 'models' | 'tiers'>,
  source?: string,
): string[] {
  const setting = access.exposeModels;
  if (setting === undefined || setting === false) return [];
  const ids = setting === true ? tierModels(config) : setting;
  const problems: string[] = [];
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const field = setting === true ? 'api.exposeModels' : `api.exposeModels[${i}]`;
    if (setting !== true && !Object.hasOwn(config.models, id))
      problems.push(`${field}: unknown model "${id}" (models: ${Object.keys(config.models).join(', ')})`);
    else if (!pinnedTier(config, id))
      problems.push(`${field}: model "${id}" is on no tier; only a tier's model or fallback can be called directly`);
    if (isGatewayModelName(id))
      problems.push(
        `${field}: model "${id}" would be read as the gateway's own "${CASCADE_MODEL}" or "${CASCADE_MODEL}/<route>"; rename the model in the config${setting === true ? ', or list the models to expose without it' : ''}`,
      );
    if (seen.has(id)) problems.push(`${field}: "${id}" is listed twice`);
    seen.add(id);
  });
  if (problems.length > 0) throw new ConfigError(problems, source);
  return [...seen];
}
