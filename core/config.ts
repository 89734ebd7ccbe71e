import { z } from 'zod';
import { DEFAULT_ROUTE, TASK_TYPE_PATTERN } from './task-types';
import { formatIssues } from './format-issues';

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}$/, 'must be 1-128 letters, digits or . _ / : -');
const TaskTypeName = z
  .string()
  .regex(TASK_TYPE_PATTERN, 'must be lowercase letters, digits, _ or -, starting with a letter');
const EnvVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');
const PositiveInt = z.number().int().positive();
const NonNegative = z.number().nonnegative();

export const MaxTokensField = z.enum(['max_tokens', 'max_completion_tokens']);
export type MaxTokensField = z.infer<typeof MaxTokensField>;

/** The kinds of provider; each has one entry in providers/provider-table.ts, which the compiler checks. */
export const ProviderType = z.enum(['anthropic', 'openai', 'openai-compatible']);
export type ProviderType = z.infer<typeof ProviderType>;

/** How a provider is reached. API keys are never in the file: only the name of the variable holding one. */
export const ProviderConfig = z.strictObject({
  type: ProviderType,
  /** Overrides the SDK's default endpoint; required for `openai-compatible`. */
  baseURL: z.url().optional(),
  /** Name of the environment variable that holds the key, e.g. `ANTHROPIC_API_KEY`. */
  apiKeyEnv: EnvVarName.optional(),
  /**
   * The request field that carries the output limit, for `openai` and `openai-compatible`:
   * `max_completion_tokens` (OpenAI's current name, which its reasoning models require; the default
   * for `openai`) or `max_tokens` (the older name many compatible servers know; the default for
   * `openai-compatible`). Newer vLLM, Ollama and llama.cpp servers accept both.
   */
  maxTokensField: MaxTokensField.optional(),
});
export type ProviderConfig = z.infer<typeof ProviderConfig>;

/** USD per one million tokens. */
export const Pricing = z.strictObject({
  inputPerMTok: NonNegative,
  outputPerMTok: NonNegative,
  /** Price of input tokens served from the provider's prompt cache; defaults to the input price. */
  cachedInputPerMTok: NonNegative.optional(),
});
export type Pricing = z.infer<typeof Pricing>;

/** How a model is asked for JSON when the request carries an expected schema. */
export const JsonMode = z.enum(['prompt', 'json_object', 'json_schema']);
export type JsonMode = z.infer<typeof JsonMode>;

export const ModelConfig = z.strictObject({
  provider: Name,
  /** The provider's own name for the model, e.g. `claude-haiku-4-5` or `gpt-4.1-mini`. */
  model: z.string().min(1),
  pricing: Pricing,
  timeoutMs: PositiveInt.max(600_000).default(60_000),
  maxOutputTokens: PositiveInt.max(200_000).default(1024),
  jsonMode: JsonMode.default('prompt'),
  temperature: z.number().min(0).max(2).optional(),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

export const TierConfig = z.strictObject({
  name: Name,
  /** The tier's model: the one it answers with while its provider is up. */
  model: Name,
  /** Called in order when the model keeps failing with retryable errors (an outage), ideally on another provider. */
  fallbacks: z.array(Name).default([]),
});
export type TierConfig = z.infer<typeof TierConfig>;

/** How two answers are made comparable before the agreement check compares them. */
export const AgreementNormalization = z.enum(['text', 'choice', 'number', 'json', 'code']);
export type AgreementNormalization = z.infer<typeof AgreementNormalization>;

/** The structural checks a route can run on an answer. None reads a model's self-reported confidence. */
export const CheckConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('not_empty') }),
  z.strictObject({ type: z.literal('not_refusal') }),
  /**
   * The model finished its answer: one cut off at the output limit (finish reason `length`) fails.
   * It runs on every route without being listed (and is then shown only when it fails); list it to
   * see it on every step, or with `enabled: false` to accept truncated answers.
   */
  z.strictObject({ type: z.literal('complete'), enabled: z.boolean().default(true) }),
  /**
   * Tool calls are structural output: each called tool exists, its arguments are JSON valid against
   * the tool's `parameters` schema, and the request's `toolChoice` and `parallelToolCalls` were
   * obeyed. It runs on every request that gives tools without being listed (skipped on others).
   */
  z.strictObject({ type: z.literal('tool_call') }),
  /** The answer is JSON that validates against the request's `schema` (skipped when the request has none). */
  z.strictObject({ type: z.literal('json_schema') }),
  /** No answer field named by a `groundTruth` key may differ from it (skipped without ground truth). */
  z.strictObject({ type: z.literal('ground_truth') }),
  z.strictObject({
    type: z.literal('regex'),
    name: z.string().min(1).optional(),
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'may hold only the flags i, m, s, u')
      .optional(),
    /** `true`: the answer must match; `false`: it must not. */
    mustMatch: z.boolean().default(true),
  }),
  z.strictObject({
    type: z.literal('max_length'),
    maxChars: PositiveInt,
  }),
  /** A second model answers the same request; the two normalised answers must agree. */
  z.strictObject({
    type: z.literal('agreement'),
    /** The models that must agree with the tier's answer, all of them. */
    models: z.array(Name).min(1),
    normalize: AgreementNormalization.default('text'),
    /** Tiers on which the check runs; defaults to the tier the request starts on. */
    tiers: z.array(Name).optional(),
  }),
]);
export type CheckConfig = z.infer<typeof CheckConfig>;
export type CheckType = CheckConfig['type'];

export const Complexity = z.enum(['low', 'medium', 'high']);
export type Complexity = z.infer<typeof Complexity>;

export const RouteConfig = z.strictObject({
  /** The tier the request starts on. */
  startTier: Name,
  /** Start tier by the classifier's complexity estimate, overriding `startTier` for that level. */
  startTierByComplexity: z.partialRecord(Complexity, Name).optional(),
  /** The highest tier this route may climb to; defaults to the top of the ladder. */
  maxTier: Name.optional(),
  /**
   * The tiers this route climbs, in ladder order; defaults to every tier. Lets a route skip rungs,
   * e.g. straight from a cheap pair to the frontier model.
   */
  tiers: z.array(Name).min(1).optional(),
  /** `false`: one-shot intent routing, exactly one model is called and checks only annotate the result. */
  cascade: z.boolean().default(true),
  checks: z.array(CheckConfig).default([{ type: 'not_empty' }, { type: 'not_refusal' }]),
  /** Tell the next tier why the previous answer was rejected. */
  feedbackOnEscalation: z.boolean().default(true),
  /** Default spending cap in USD for a request on this route, when the request sets none. */
  budgetUsd: z.number().positive().optional(),
  /** An instruction added to the system prompt for every call on this route. */
  system: z.string().optional(),
  /**
   * `true`: the drop-in endpoints (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`) return an answer that
   * failed its checks as a success marked `bestEffort`, instead of an error (a request header can
   * ask the same per request).
   */
  bestEffort: z.boolean().optional(),
});
export type RouteConfig = z.infer<typeof RouteConfig>;

export const StructureCondition = z.strictObject({
  minChars: z.number().int().nonnegative().optional(),
  maxChars: PositiveInt.optional(),
  hasCodeBlock: z.boolean().optional(),
  hasSchema: z.boolean().optional(),
  hasGroundTruth: z.boolean().optional(),
  minLines: PositiveInt.optional(),
  /** Counts question marks. */
  minQuestions: PositiveInt.optional(),
});
export type StructureCondition = z.infer<typeof StructureCondition>;

/** One piece of evidence for a task type: every part that is given must hold for the rule to fire. */
export const ClassifierRule = z.strictObject({
  taskType: TaskTypeName,
  /** Score added when the rule fires. */
  weight: z.number().positive().default(1),
  /** Case-insensitive whole-word or phrase matches; any one fires the rule. */
  keywords: z.array(z.string().min(1)).optional(),
  /** Case-insensitive regular expressions; any one fires the rule. */
  patterns: z.array(z.string().min(1)).optional(),
  structure: StructureCondition.optional(),
  /** Only look at the first N characters of the prompt (instructions usually come first). */
  withinFirstChars: PositiveInt.optional(),
  /** Why this rule exists, shown as the classifier's reason. */
  label: z.string().optional(),
});
export type ClassifierRule = z.infer<typeof ClassifierRule>;

export const ComplexityRule = z.strictObject({
  level: Complexity.exclude(['low']),
  weight: z.number().positive().default(1),
  keywords: z.array(z.string().min(1)).optional(),
  patterns: z.array(z.string().min(1)).optional(),
  structure: StructureCondition.optional(),
  label: z.string().optional(),
});
export type ComplexityRule = z.infer<typeof ComplexityRule>;

export const ClassifierConfig = z.strictObject({
  /** `true`: the built-in rules for the built-in task types apply, before the config's own rules. */
  builtInRules: z.boolean().default(true),
  rules: z.array(ClassifierRule).default([]),
  complexityRules: z.array(ComplexityRule).default([]),
  /** The route for requests no rule matches. */
  defaultRoute: TaskTypeName.default(DEFAULT_ROUTE),
  /** A score below this sends the request to the default route (rules only, or precise rules). */
  minScore: z.number().nonnegative().default(1),
  /**
   * The learned classifier that decides what precise rules do not: unset, the built-in model
   * (`models/task-type-classifier.json`); a path, your own (from `cascade classifier train`),
   * relative to the config file; `false`, rules only.
   */
  learnedModel: z.union([z.literal(false), z.string().min(1)]).optional(),
  /** A learned verdict whose probability is below this sends the request to the default route. */
  minProbability: z.number().min(0).max(1).default(0.3),
  /** An optional small model asked when the classifier is unsure. Never a top-tier model. */
  model: z
    .strictObject({
      model: Name,
      /** Ask the model when the best rule score beats the runner-up by less than this (rules only). */
      whenMarginBelow: z.number().nonnegative().default(1),
      /** Ask the model when the learned classifier's best probability beats the runner-up's by less than this. */
      whenLearnedMarginBelow: z.number().min(0).max(1).default(0.2),
    })
    .optional(),
});
export type ClassifierConfig = z.infer<typeof ClassifierConfig>;

/** How large a cascade's history may grow before it stops calling models (`resilience.maxHistoryBytes`): 40 MB. */
export const DEFAULT_MAX_HISTORY_BYTES = 40 * 1024 * 1024;

/** How long a cascade may run before Temporal ends it (the workflow's execution timeout): 2 hours. */
export const DEFAULT_CASCADE_TIMEOUT_MS = 2 * 60 * 60_000;

export const ResilienceConfig = z.strictObject({
  /** Attempts per model call (first try included) before the tier's fallback model is tried. */
  maxAttemptsPerModel: PositiveInt.max(20).default(3),
  initialRetryMs: PositiveInt.default(1000),
  maxRetryMs: PositiveInt.default(30_000),
  /** When every model of a tier is down, keep retrying the tier with backoff for this long before failing. */
  outageWaitMs: z
    .number()
    .int()
    .nonnegative()
    .default(15 * 60_000),
  /** A running model call reports liveness this often, so a crashed worker's call is retried within `heartbeatTimeoutMs`. */
  heartbeatTimeoutMs: PositiveInt.default(10_000),
  /**
   * A cascade still running after this long is ended by Temporal (its workflow execution timeout),
   * whatever it waits for: no request can hold a workflow open forever. Must leave room for the
   * outage waits of every tier.
   */
  cascadeTimeoutMs: PositiveInt.min(60_000).default(DEFAULT_CASCADE_TIMEOUT_MS),
  /**
   * A cascade whose history has grown past this many bytes ends `failed` (`history_limit`) instead
   * of scheduling another call, well before Temporal's own limit (50 MB by default), at which the
   * server terminates the workflow without a result. `DEFAULT_MAX_HISTORY_BYTES` when absent.
   */
  maxHistoryBytes: PositiveInt.max(50 * 1024 * 1024).optional(),
});
export type ResilienceConfig = z.infer<typeof ResilienceConfig>;

const CascadeConfigShape = z.strictObject({
  /** Shown in every result, e.g. to say that answers come from simulated providers. */
  notice: z.string().optional(),
  taskQueue: z.string().min(1).default('llm-cascade'),
  providers: z
    .record(Name, ProviderConfig)
    .refine((p) => Object.keys(p).length > 0, 'at least one provider is required'),
  models: z.record(Name, ModelConfig).refine((m) => Object.keys(m).length > 0, 'at least one model is required'),
  /** The ladder, cheapest first. */
  tiers: z.array(TierConfig).min(1),
  routes: z.record(TaskTypeName, RouteConfig),
  classifier: ClassifierConfig.default({
    builtInRules: true,
    rules: [],
    complexityRules: [],
    defaultRoute: DEFAULT_ROUTE,
    minScore: 1,
    minProbability: 0.3,
  }),
  /** The model the baseline cost is priced on; defaults to the top tier's model. */
  baselineModel: Name.optional(),
  resilience: ResilienceConfig.default({
    maxAttemptsPerModel: 3,
    initialRetryMs: 1000,
    maxRetryMs: 30_000,
    outageWaitMs: 15 * 60_000,
    heartbeatTimeoutMs: 10_000,
    cascadeTimeoutMs: DEFAULT_CASCADE_TIMEOUT_MS,
  }),
});

/**
 * The whole configuration: providers, models, the tier ladder, routes and the classifier.
 * Parsing also checks every cross-reference (a route's tier exists, a tier's model exists, ...)
 * so a bad config fails at startup, never mid-request.
 */
export const CascadeConfig = CascadeConfigShape.superRefine((config, ctx) => {
  const tierNames = config.tiers.map((t) => t.name);
  const tierIndex = new Map(tierNames.map((name, i) => [name, i]));
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const quoteList = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
  const checkModel = (path: PropertyKey[], id: string) => {
    if (!Object.hasOwn(config.models, id))
      issue(path, `unknown model "${id}" (models: ${quoteList(Object.keys(config.models))})`);
  };
  const checkTier = (path: PropertyKey[], name: string) => {
    if (!tierIndex.has(name)) issue(path, `unknown tier "${name}" (tiers: ${quoteList(tierNames)})`);
  };

  for (const [id, model] of Object.entries(config.models)) {
    const provider = config.providers[model.provider];
    if (!provider)
      issue(
        ['models', id, 'provider'],
        `unknown provider "${model.provider}" (providers: ${quoteList(Object.keys(config.providers))})`,
      );
  }
  for (const [id, provider] of Object.entries(config.providers)) {
    if (provider.type === 'openai-compatible' && !provider.baseURL)
      issue(['providers', id, 'baseURL'], 'required for an openai-compatible provider');
    if (provider.type === 'anthropic' && provider.maxTokensField)
      issue(
        ['providers', id, 'maxTokensField'],
        'only for openai and openai-compatible providers (Anthropic has max_tokens alone)',
      );
  }
  const seen = new Set<string>();
  config.tiers.forEach((tier, i) => {
    if (seen.has(tier.name)) issue(['tiers', i, 'name'], `duplicate tier "${tier.name}"`);
    seen.add(tier.name);
    checkModel(['tiers', i, 'model'], tier.model);
    tier.fallbacks.forEach((fallback, j) => checkModel(['tiers', i, 'fallbacks', j], fallback));
  });
  if (config.baselineModel) checkModel(['baselineModel'], config.baselineModel);

  for (const [name, route] of Object.entries(config.routes)) {
    const at = (...rest: PropertyKey[]) => ['routes', name, ...rest];
    checkTier(at('startTier'), route.startTier);
    if (route.maxTier) checkTier(at('maxTier'), route.maxTier);
    for (const [level, tier] of Object.entries(route.startTierByComplexity ?? {}))
      checkTier(at('startTierByComplexity', level), tier);
    if (route.tiers) {
      route.tiers.forEach((tier, i) => checkTier(at('tiers', i), tier));
      const indices = route.tiers.map((t) => tierIndex.get(t) ?? -1);
      if (indices.some((index, i) => i > 0 && index <= indices[i - 1]!))
        issue(at('tiers'), 'must list tiers in ladder order, each once');
      const used: Array<[PropertyKey[], string | undefined]> = [
        [at('startTier'), route.startTier],
        [at('maxTier'), route.maxTier],
        ...Object.entries(route.startTierByComplexity ?? {}).map(([level, tier]): [PropertyKey[], string] => [
          at('startTierByComplexity', level),
          tier,
        ]),
      ];
      for (const [path, tier] of used) {
        if (tier && tierIndex.has(tier) && !route.tiers.includes(tier))
          issue(path, `tier "${tier}" is not in this route's tiers (${quoteList(route.tiers)})`);
      }
    }
    const start = tierIndex.get(route.startTier);
    const max = route.maxTier ? tierIndex.get(route.maxTier) : tierNames.length - 1;
    if (start !== undefined && max !== undefined && start > max) {
      issue(at('maxTier'), `tier "${route.maxTier}" is below the start tier "${route.startTier}"`);
    }
    for (const [level, tier] of Object.entries(route.startTierByComplexity ?? {})) {
      const index = tierIndex.get(tier);
      if (index !== undefined && max !== undefined && index > max) {
        issue(
          at('startTierByComplexity', level),
          `tier "${tier}" is above the route's highest tier "${route.maxTier}"`,
        );
      }
    }
    route.checks.forEach((check, i) => {
      if (check.type === 'regex') {
        try {
          new RegExp(check.pattern, check.flags);
        } catch (error) {
          issue(at('checks', i, 'pattern'), `invalid regular expression: ${(error as Error).message}`);
        }
      }
      if (check.type === 'agreement') {
        check.models.forEach((m, j) => checkModel(at('checks', i, 'models', j), m));
        check.tiers?.forEach((t, j) => checkTier(at('checks', i, 'tiers', j), t));
      }
    });
  }

  if (config.resilience.cascadeTimeoutMs <= config.resilience.outageWaitMs) {
    issue(
      ['resilience', 'cascadeTimeoutMs'],
      `must be longer than outageWaitMs (${config.resilience.outageWaitMs}): a cascade must outlive the wait for a tier to recover`,
    );
  }

  const routeNames = Object.keys(config.routes);
  if (!Object.hasOwn(config.routes, config.classifier.defaultRoute)) {
    issue(
      ['classifier', 'defaultRoute'],
      `no route named "${config.classifier.defaultRoute}" (routes: ${quoteList(routeNames)})`,
    );
  }
  const checkPatterns = (path: PropertyKey[], patterns: string[] | undefined) =>
    patterns?.forEach((pattern, j) => {
      try {
        new RegExp(pattern, 'i');
      } catch (error) {
        issue([...path, 'patterns', j], `invalid regular expression: ${(error as Error).message}`);
      }
    });
  config.classifier.rules.forEach((rule, i) => {
    if (!Object.hasOwn(config.routes, rule.taskType)) {
      issue(
        ['classifier', 'rules', i, 'taskType'],
        `no route named "${rule.taskType}" (routes: ${quoteList(routeNames)})`,
      );
    }
    if (!rule.keywords && !rule.patterns && !rule.structure) {
      issue(['classifier', 'rules', i], 'a rule needs keywords, patterns or structure');
    }
    checkPatterns(['classifier', 'rules', i], rule.patterns);
  });
  config.classifier.complexityRules.forEach((rule, i) =>
    checkPatterns(['classifier', 'complexityRules', i], rule.patterns),
  );
  const classifierModel = config.classifier.model?.model;
  if (classifierModel) {
    checkModel(['classifier', 'model', 'model'], classifierModel);
    const top = config.tiers[config.tiers.length - 1];
    if (top && config.tiers.length > 1 && (top.model === classifierModel || top.fallbacks.includes(classifierModel))) {
      issue(
        ['classifier', 'model', 'model'],
        `"${classifierModel}" is a top-tier model; the classifier must use a small model`,
      );
    }
  }
});
export type CascadeConfig = z.infer<typeof CascadeConfig>;
/** What a config file holds before defaults are applied. */
export type CascadeConfigInput = z.input<typeof CascadeConfig>;

/** A config that failed validation; `problems` has one line per problem, each naming its path. */
export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    readonly source = 'config',
  ) {
    super(`invalid ${source}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates a parsed config object; throws `ConfigError` naming every problem. */
export function parseConfig(value: unknown, source?: string): CascadeConfig {
  const parsed = CascadeConfig.safeParse(value);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues), source);
  return parsed.data;
}

/** The model the baseline ("what the frontier model alone would have cost") is priced on. */
export function baselineModelId(config: CascadeConfig): string {
  return config.baselineModel ?? config.tiers[config.tiers.length - 1]!.model;
}
