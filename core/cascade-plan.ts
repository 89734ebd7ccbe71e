import { budgetCeiling } from './budget-ceiling';
import { classifyRequest, type ClassifyInput, type RuleClassification } from './classifier';
import { type AgreementCheckConfig } from './checks';
import { Complexity, type CascadeConfig, type CheckConfig, type RouteConfig } from './config';
import { worstCaseCallCost } from './cost';
import { lastUserText, type CascadeRequest } from './request';
import { type CheckResult, type Classification } from './result';
import { predictTaskType, type TaskTypeModel } from './task-type-model';

/** One rung of a request's ladder: the tier's models in the order they are tried. */
export interface PlannedTier {
  name: string;
  /** Position in the config's whole ladder (0 = cheapest): what `CascadeFinalTier` records. */
  index: number;
  /** The tier's model first, then its fallbacks. */
  models: string[];
  /** The agreement check that runs on this tier, if any. */
  agreement?: AgreementCheckConfig;
}

/** Everything decided before the first model call: route, ladder and budget. */
export interface CascadePlan {
  route: string;
  routeConfig: RouteConfig;
  tiers: PlannedTier[];
  budgetUsd?: number;
}

/** Every model on the tiers, each once, cheapest tier first: the models a request may name (`pinnedTier`). */
export function tierModels(config: Pick<CascadeConfig, 'tiers'>): string[] {
  return [...new Set(config.tiers.flatMap((tier) => [tier.model, ...tier.fallbacks]))];
}

/**
 * The one rung a request that names a model (`request.model`) is called on: the first tier whose
 * models include it, from that model on. Its fallbacks are the tier's fallbacks listed after it, so
 * an outage of the named model is ridden out as the tier's would be (and the answer says which
 * model gave it); a failed check never moves past it. Undefined when no tier has the model.
 */
export function pinnedTier(config: Pick<CascadeConfig, 'tiers'>, modelId: string): PlannedTier | undefined {
  for (const [index, tier] of config.tiers.entries()) {
    const models = [tier.model, ...tier.fallbacks];
    const at = models.indexOf(modelId);
    if (at >= 0) return { name: tier.name, index, models: models.slice(at) };
  }
  return undefined;
}

/** The route a task type takes: its own if the config has one, else the classifier's default route. */
export function routeForTaskType(taskType: string, config: CascadeConfig): string {
  return Object.hasOwn(config.routes, taskType) ? taskType : config.classifier.defaultRoute;
}

/** A classification plus the rule margin, which decides whether a small-model classifier is asked. */
export interface InitialClassification {
  classification: Classification;
  margin: number;
}

function classifyInput(request: CascadeRequest): ClassifyInput {
  return {
    text: lastUserText(request),
    hasSchema: request.schema !== undefined,
    hasGroundTruth: request.groundTruth !== undefined && Object.keys(request.groundTruth).length > 0,
    ...(request.system !== undefined ? { system: request.system } : {}),
  };
}

/**
 * The rules' answer when the learned model could not classify (its file unreadable): a worker that
 * cannot read its model must not hold requests back, and the reason says why the rules decided.
 */
export function classifyByRulesAfterModelFailure(
  request: CascadeRequest,
  config: CascadeConfig,
  failure: string,
): InitialClassification {
  const rules = classifyByRules(request, config);
  return {
    ...rules,
    classification: {
      ...rules.classification,
      reason: `${rules.classification.reason}; learned classifier failed (${failure})`,
    },
  };
}

/** Classifies by rules, or takes the request's `taskType` as given (skipping the classifier). */
export function classifyByRules(request: CascadeRequest, config: CascadeConfig): InitialClassification {
  const input = classifyInput(request);
  const rules = classifyRequest(input, config.classifier);
  if (request.taskType) {
    return {
      classification: {
        taskType: request.taskType,
        route: routeForTaskType(request.taskType, config),
        complexity: rules.complexity,
        source: 'given',
        reason: `task type given by the request`,
        scores: {},
      },
      margin: Number.POSITIVE_INFINITY,
    };
  }
  return byRules(rules, config, '');
}

/**
 * Where the learned model is unsure (best probability below `UNSURE_MODEL_PROBABILITY`) and the
 * rules are clear (best score ahead by `CLEAR_RULES_MARGIN`), the rules decide. Measured on
 * prompts the model was not trained on (MT-Bench, and human-written seed instructions of another
 * project), this took 3 to 4 points more than the model alone; rules that are merely ahead are
 * wrong too often (55.8% on the held-back check) to overrule a sure model.
 */
export const CLEAR_RULES_MARGIN = 2;
export const UNSURE_MODEL_PROBABILITY = 0.7;

/** A fenced code block: like an expected schema, evidence precise enough for the rules to decide. */
const CODE_FENCE = /(?:^|\n)[ \t]*(?:```|~~~)/;

function byRules(rules: RuleClassification, config: CascadeConfig, why: string): InitialClassification {
  return {
    classification: {
      taskType: rules.taskType,
      route: routeForTaskType(rules.taskType, config),
      complexity: rules.complexity,
      source: rules.matched ? 'rules' : 'default',
      reason: `${why}${rules.reason}`,
      scores: rules.scores,
      margin: rules.margin,
    },
    margin: rules.margin,
  };
}

/**
 * Classifies with precise rules first and the learned model for the rest: the request's own
 * `taskType` stands; an expected JSON Schema or a fenced code block lets the rules decide (they
 * read both reliably), and so does any of the config's own rules that fires (an operator's rule is
 * meant to win), and clear rules where the model is unsure; otherwise the learned model picks the
 * task type, or the default route when its best probability is below `classifier.minProbability`. Complexity always comes from the rules.
 * Pure: the same model and request give the same answer. It runs on the worker, never in workflow
 * code, because the model is read from a file that may change while a cascade runs.
 */
export function classifyWithLearnedModel(
  request: CascadeRequest,
  config: CascadeConfig,
  model: TaskTypeModel,
): InitialClassification {
  if (request.taskType) return classifyByRules(request, config);
  const input = classifyInput(request);
  const rules = classifyRequest(input, config.classifier);
  const precise = input.hasSchema ? 'an expected schema' : CODE_FENCE.test(input.text) ? 'a code block' : undefined;
  if (precise && rules.matched) return byRules(rules, config, `precise rules (${precise}): `);
  if (config.classifier.rules.length > 0) {
    const own = classifyRequest(input, { ...config.classifier, builtInRules: false });
    if (own.matched) return byRules({ ...own, complexity: rules.complexity }, config, 'config rules: ');
  }

  const predicted = predictTaskType(model, input.text);
  const probability = predicted.scores[predicted.taskType]!;
  if (rules.matched && rules.margin >= CLEAR_RULES_MARGIN && probability < UNSURE_MODEL_PROBABILITY)
    return byRules(
      rules,
      config,
      `rules clear (margin ${rules.margin}), learned model unsure (${probability.toFixed(2)}): `,
    );
  const top = Object.entries(predicted.scores)
    .slice(0, 3)
    .map(([type, p]) => `${type} ${p.toFixed(2)}`)
    .join(', ');
  const confident = probability >= config.classifier.minProbability;
  const taskType = confident ? predicted.taskType : config.classifier.defaultRoute;
  return {
    classification: {
      taskType,
      route: routeForTaskType(taskType, config),
      complexity: rules.complexity,
      source: confident ? 'learned' : 'default',
      reason: confident
        ? `learned model ${model.id}: ${top} (margin ${predicted.margin.toFixed(2)})`
        : `learned model ${model.id} unsure: ${top}, best below ${config.classifier.minProbability}; default route "${config.classifier.defaultRoute}"`,
      scores: predicted.scores,
      margin: predicted.margin,
      learnedModel: model.id,
    },
    margin: predicted.margin,
  };
}

/** The tier a route starts on for a complexity level. */
export function startTierFor(route: RouteConfig, complexity: Complexity): string {
  return route.startTierByComplexity?.[complexity] ?? route.startTier;
}

function agreementChecks(checks: readonly CheckConfig[]): AgreementCheckConfig[] {
  return checks.filter((c): c is AgreementCheckConfig => c.type === 'agreement');
}

/**
 * The ladder for one request: from the route's start tier (by complexity) up to its highest
 * allowed tier, through the route's own tiers if it lists them, or only the start tier on a
 * one-shot route, or only the rung of the model the request names (`pinnedTier`). The budget is
 * the smaller of the request's and the route's: a request cannot raise its route's budget
 * (`requestOverridesRouteBudget` keeps the earlier rule, where the request's replaced the route's,
 * for cascades started under it).
 */
export function planCascade(
  config: CascadeConfig,
  classification: Pick<Classification, 'route' | 'complexity'>,
  request: Pick<CascadeRequest, 'maxCostUsd' | 'model'>,
  options: { requestOverridesRouteBudget?: boolean } = {},
): CascadePlan {
  // Own keys only: `constructor` is no route, whatever the routes object inherits.
  const routeConfig = Object.hasOwn(config.routes, classification.route)
    ? config.routes[classification.route]
    : undefined;
  if (!routeConfig) throw new Error(`no route named "${classification.route}"`);
  const budgetUsd = options.requestOverridesRouteBudget
    ? (request.maxCostUsd ?? routeConfig.budgetUsd)
    : budgetCeiling(request.maxCostUsd, routeConfig.budgetUsd);
  const budget = budgetUsd !== undefined ? { budgetUsd } : {};
  if (request.model !== undefined) {
    // A named model is a one-shot route on its own rung: the route's checks annotate its answer, its
    // instruction and budget apply, and nothing climbs (so no agreement check runs either).
    const pinned = pinnedTier(config, request.model);
    if (!pinned) throw new Error(`no tier has the model "${request.model}"`);
    return { route: classification.route, routeConfig: { ...routeConfig, cascade: false }, tiers: [pinned], ...budget };
  }
  const names = config.tiers.map((t) => t.name);
  const start = names.indexOf(startTierFor(routeConfig, classification.complexity));
  const max = routeConfig.maxTier ? names.indexOf(routeConfig.maxTier) : names.length - 1;
  const last = routeConfig.cascade ? Math.max(start, max) : start;
  const allowed = new Set(routeConfig.tiers ?? names);
  const agreements = agreementChecks(routeConfig.checks);
  const ladder = config.tiers
    .map((tier, index) => ({ tier, index }))
    .filter(({ tier, index }) => index >= start && index <= last && (index === start || allowed.has(tier.name)));
  const startName = names[start]!;
  const tiers: PlannedTier[] = ladder.map(({ tier, index }) => {
    const planned: PlannedTier = { name: tier.name, index, models: [tier.model, ...tier.fallbacks] };
    // A one-shot route calls exactly one model, so its agreement checks never run.
    const agreement = routeConfig.cascade
      ? agreements.find((check) => (check.tiers ?? [startName]).includes(tier.name))
      : undefined;
    if (agreement) planned.agreement = agreement;
    return planned;
  });
  return { route: classification.route, routeConfig, tiers, ...budget };
}

/**
 * The most a tier can cost for a prompt of `inputTokens`: its dearest model spending every output
 * token (a fallback may be dearer than the primary), plus every agreement partner doing the same.
 */
/**
 * Every model a request on this route may call for an answer, whatever its complexity: each
 * reachable tier's model and fallbacks, and the agreement partners. (The small-model classifier is
 * not among them: it reads the request, it does not answer it.)
 */
export function reachableModels(config: CascadeConfig, route: string): string[] {
  const models = new Set<string>();
  for (const complexity of Complexity.options) {
    for (const tier of planCascade(config, { route, complexity }, {}).tiers) {
      tier.models.forEach((model) => models.add(model));
      tier.agreement?.models.forEach((model) => models.add(model));
    }
  }
  return [...models];
}

export function worstCaseTierCost(config: CascadeConfig, tier: PlannedTier, inputTokens: number): number {
  const answer = Math.max(...tier.models.map((id) => worstCaseCallCost(config.models[id]!, inputTokens)));
  const partners = (tier.agreement?.models ?? []).reduce(
    (sum, id) => sum + worstCaseCallCost(config.models[id]!, inputTokens),
    0,
  );
  return answer + partners;
}

/** Where a request stands against its budget before a tier is called. */
export interface BudgetState {
  budgetUsd: number;
  /** What the steps so far cost. */
  spentUsd: number;
  /** The prompt the tier would be sent, in (estimated) tokens. */
  inputTokens: number;
}

/**
 * The budget rule: a tier is called only if its worst case (`worstCaseTierCost`) fits in what is
 * left of the budget, so a cascade never spends past its cap, whatever the models answer. Returns
 * why the tier is over budget, or `undefined` when it may be called.
 */
export function overBudgetReason(config: CascadeConfig, tier: PlannedTier, budget: BudgetState): string | undefined {
  const worstCase = worstCaseTierCost(config, tier, budget.inputTokens);
  const remaining = budget.budgetUsd - budget.spentUsd;
  if (worstCase <= remaining) return undefined;
  return `tier ${tier.name} could cost up to $${worstCase.toFixed(6)} but only $${Math.max(0, remaining).toFixed(6)} of the $${budget.budgetUsd} budget remains; spent $${budget.spentUsd.toFixed(6)}`;
}

/** What happens after a tier's answer has been checked. */
export type Verdict =
  { kind: 'accept' } | { kind: 'escalate'; reasons: string[] } | { kind: 'exhausted'; reasons: string[] };

/** One line per failed check, `check: reason`: the escalation reason and the next tier's feedback. */
export function failedCheckReasons(checks: readonly CheckResult[]): string[] {
  return checks.filter((c) => c.status === 'fail').map((c) => `${c.check}: ${c.reason}`);
}

/**
 * Accept when no check failed; otherwise climb while there is a tier above, else the cascade is
 * exhausted and the last answer is returned as such, never passed off as good.
 */
export function judgeAnswer(checks: readonly CheckResult[], hasHigherTier: boolean): Verdict {
  const reasons = failedCheckReasons(checks);
  if (reasons.length === 0) return { kind: 'accept' };
  return hasHigherTier ? { kind: 'escalate', reasons } : { kind: 'exhausted', reasons };
}
