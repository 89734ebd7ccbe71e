import { parseConfig, type CascadeConfig } from '../core/config';

/** The route and tier names of a one-shot reference config. */
export const ONE_SHOT_ROUTE = 'default';
export const ONE_SHOT_TIER = 'only';

/**
 * A config that sends every request to one model, once: a one-shot route with no classifier
 * rules, so the request takes the default route and the workflow calls exactly that model. Same
 * providers, model settings and resilience as `base`, so the reference runs through the very same
 * workflow, activity, SDK and simulator path as the config it is compared with.
 */
export function oneShotConfig(base: CascadeConfig, modelId: string): CascadeConfig {
  const model = base.models[modelId];
  if (!model) throw new Error(`no model "${modelId}" in the config (models: ${Object.keys(base.models).join(', ')})`);
  return parseConfig(
    {
      ...(base.notice !== undefined ? { notice: base.notice } : {}),
      taskQueue: base.taskQueue,
      providers: base.providers,
      models: { [modelId]: model },
      tiers: [{ name: ONE_SHOT_TIER, model: modelId }],
      routes: {
        [ONE_SHOT_ROUTE]: {
          startTier: ONE_SHOT_TIER,
          cascade: false,
          checks: [{ type: 'not_empty' }],
          feedbackOnEscalation: false,
        },
      },
      classifier: { builtInRules: false, rules: [], defaultRoute: ONE_SHOT_ROUTE },
      resilience: base.resilience,
    },
    `one-shot config for ${modelId}`,
  );
}

/** The model cheapest-only uses: the bottom of the config's ladder ("cheapest first"). */
export function cheapestModelId(config: CascadeConfig): string {
  return config.tiers[0]!.model;
}

/** Every model a config may call: tier models, fallbacks, agreement partners and the classifier model. */
export function modelsCalledBy(config: CascadeConfig): string[] {
  const ids = new Set<string>();
  for (const tier of config.tiers) {
    ids.add(tier.model);
    tier.fallbacks.forEach((id) => ids.add(id));
  }
  for (const route of Object.values(config.routes)) {
    for (const check of route.checks) if (check.type === 'agreement') check.models.forEach((id) => ids.add(id));
  }
  if (config.classifier.model) ids.add(config.classifier.model.model);
  return [...ids];
}
