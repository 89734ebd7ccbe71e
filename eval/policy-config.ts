/**
 * A searched policy as a config: the base config's YAML with one route rewritten to climb the
 * policy's stages, so `cascade eval` can run it through the real workflows and a team can deploy
 * it. The rest of the file, comments included, stays as it was.
 */
import { parseDocument } from 'yaml';
import { planCascade } from '../core/cascade-plan';
import { parseConfig, type AgreementNormalization, type CascadeConfig, type CheckConfig } from '../core/config';
import { describePolicy, PolicySearchError, type CascadePolicy } from './policy-search';

/** The config model id for a dataset model name: the first model whose provider name it is. */
export function configModelId(config: CascadeConfig, datasetModel: string): string {
  const id = Object.entries(config.models).find(([, model]) => model.model === datasetModel)?.[0];
  if (!id)
    throw new PolicySearchError(`the config has no model for "${datasetModel}"; add one whose \`model\` is that name`);
  return id;
}

/** The tier a route ends on, the one the search treats as the frontier: the top of the engine's own plan for it. */
export function routeTopTier(config: CascadeConfig, route: string): string {
  if (!config.routes[route])
    throw new PolicySearchError(
      `the config has no route "${route}" (routes: ${Object.keys(config.routes).join(', ')})`,
    );
  // Complexity picks only the start tier; the top of the ladder is the same for every level.
  return planCascade(config, { route, complexity: 'medium' }, {}).tiers.at(-1)!.name;
}

/**
 * The base config's YAML with `route` replaced by the policy: one new tier per stage (named
 * `<route>-1`, `<route>-2`... and placed at the bottom of the ladder), the route's own answer checks
 * kept, one agreement check per stage, and the frontier tier on top. Routes that climbed the whole
 * ladder get their old ladder written out, so no other route changes. Validated before returning.
 */
export function tunedConfigYaml(
  baseYaml: string,
  base: CascadeConfig,
  route: string,
  policy: CascadePolicy,
  normalization: AgreementNormalization,
): string {
  const doc = parseDocument(baseYaml);
  const routeConfig = base.routes[route];
  if (!routeConfig)
    throw new PolicySearchError(`the config has no route "${route}" (routes: ${Object.keys(base.routes).join(', ')})`);
  const oldLadder = base.tiers.map((t) => t.name);
  const frontierTier = base.tiers.find((t) => t.name === routeTopTier(base, route))!;
  const stageTiers = policy.stages.map((stage, i) => ({
    name: `${route}-${i + 1}`.replace(/_/g, '-'),
    model: configModelId(base, stage.model),
  }));
  const taken = stageTiers.find((t) => oldLadder.includes(t.name));
  if (taken) throw new PolicySearchError(`the config already has a tier named "${taken.name}"`);

  for (const [name, other] of Object.entries(base.routes)) {
    if (name !== route && !other.tiers) doc.setIn(['routes', name, 'tiers'], oldLadder);
  }
  doc.setIn(
    ['tiers'],
    [...stageTiers, ...((doc.getIn(['tiers']) as { toJSON(): unknown[] } | undefined)?.toJSON() ?? base.tiers)],
  );

  const keptChecks = routeConfig.checks.filter((c) => c.type !== 'agreement');
  const agreements: CheckConfig[] = policy.stages.flatMap((stage, i) =>
    stage.partners.length === 0
      ? []
      : [
          {
            type: 'agreement' as const,
            models: stage.partners.map((m) => configModelId(base, m)),
            normalize: normalization,
            tiers: [stageTiers[i]!.name],
          },
        ],
  );
  const routeNode = doc.getIn(['routes', route]) as { delete(key: string): void } | undefined;
  for (const key of ['startTierByComplexity', 'maxTier']) routeNode?.delete(key);
  doc.setIn(['routes', route, 'startTier'], stageTiers[0]?.name ?? frontierTier.name);
  doc.setIn(['routes', route, 'tiers'], [...stageTiers.map((t) => t.name), frontierTier.name]);
  doc.setIn(['routes', route, 'checks'], [...keptChecks, ...agreements]);
  const byId = (datasetModel: string) => configModelId(base, datasetModel);
  doc.commentBefore = ` Route "${route}" rewritten by \`cascade tune\`: ${describePolicy(policy, byId)}${doc.commentBefore ? `\n\n${doc.commentBefore}` : ''}`;

  const text = doc.toString({ lineWidth: 0 });
  parseConfig(doc.toJS(), 'the tuned config');
  return text;
}
