import { type CascadeConfig } from './config';

/**
 * The part of a config a cascade on `route` decides with once its route is final: that route alone,
 * and the models something in it can call (every tier's, since tiers are kept whole for their
 * indices, the baseline, the classifier's, the route's agreement checks'). The `cascade` workflow
 * records this in its history instead of the whole config (other routes and unused models are
 * most of it), so a replay decides exactly as the first run did. Unknown route: the config as is.
 */
export function configForRoute(config: CascadeConfig, route: string): CascadeConfig {
  const routeConfig = Object.hasOwn(config.routes, route) ? config.routes[route] : undefined;
  if (!routeConfig) return config;
  const used = new Set<string>();
  for (const tier of config.tiers) {
    used.add(tier.model);
    for (const fallback of tier.fallbacks) used.add(fallback);
  }
  if (config.baselineModel) used.add(config.baselineModel);
  if (config.classifier.model) used.add(config.classifier.model.model);
  for (const check of routeConfig.checks)
    if (check.type === 'agreement') for (const model of check.models) used.add(model);
  const models = Object.fromEntries(Object.entries(config.models).filter(([id]) => used.has(id)));
  return { ...config, models, routes: { [route]: routeConfig } };
}

/**
 * `configForRoute` for one config that never changes (a worker's, a starter's), each route's part
 * made once: the worker records it for every cascade, the API sends it with every request.
 */
export function routeConfigs(config: CascadeConfig): (route: string) => CascadeConfig {
  const made = new Map<string, CascadeConfig>();
  return (route) => {
    let sliced = made.get(route);
    if (!sliced) made.set(route, (sliced = configForRoute(config, route)));
    return sliced;
  };
}
