import { z } from 'zod';

/**
 * The script that decides how each simulated model answers: rules on the prompt, answers, latency.
 * It is plain data (JSON or YAML), so it can be set at start, loaded from a file, or replaced at run
 * time over the admin endpoint. Every random-looking choice is a hash of the script's `seed` and
 * the request, so a run repeats exactly.
 */

/**
 * Script inputs as written in code: `as const` literals (readonly arrays) are welcome, since
 * validation copies them anyway.
 */
type DeepReadonly<T> = T extends readonly (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

const Milliseconds = z.number().nonnegative().max(600_000);

/** How long a model takes before it answers. */
export const LatencySpec = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('fixed'), ms: Milliseconds }),
    z.strictObject({ type: z.literal('uniform'), minMs: Milliseconds, maxMs: Milliseconds }),
    z.strictObject({ type: z.literal('normal'), meanMs: Milliseconds, stdDevMs: Milliseconds }),
    /** Long-tailed, like real model latency: half the calls take less than `medianMs`. */
    z.strictObject({
      type: z.literal('lognormal'),
      medianMs: Milliseconds.positive(),
      sigma: z.number().positive().max(4),
    }),
    /** No answer until the simulator's `release()` (admin: `POST /_admin/release`), however long that takes. */
    z.strictObject({ type: z.literal('until_released') }),
  ])
  .refine((spec) => spec.type !== 'uniform' || spec.minMs <= spec.maxMs, { message: 'minMs must not exceed maxMs' });
export type LatencySpec = z.infer<typeof LatencySpec>;

/** A regular expression given as data. */
export const PatternSpec = z
  .strictObject({
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'may hold only the flags i, m, s, u')
      .optional(),
  })
  .superRefine((spec, ctx) => {
    try {
      new RegExp(spec.pattern, spec.flags);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: `invalid regular expression: ${(error as Error).message}`,
      });
    }
  });
export type PatternSpec = z.infer<typeof PatternSpec>;

/** When a rule fires: every condition given must hold (none given: always). */
export const PromptCondition = z.strictObject({
  /** The last user message contains this text (case-sensitive). */
  promptContains: z.string().min(1).optional(),
  promptMatches: PatternSpec.optional(),
  /** The system prompt contains this text (case-sensitive). */
  systemContains: z.string().min(1).optional(),
  systemMatches: PatternSpec.optional(),
  /** The request asks for JSON: an OpenAI `response_format`, an Anthropic `output_config.format`, or the engine's JSON instruction in the prompt. */
  jsonRequested: z.boolean().optional(),
  /** The request offers tools (OpenAI `tools`, Anthropic `tools`). */
  toolsOffered: z.boolean().optional(),
  /** The conversation's last turn is a tool's result (OpenAI `role: "tool"`, Anthropic `tool_result`). */
  toolResultGiven: z.boolean().optional(),
  /**
   * Fires for this share of prompts, picked by a hash of the seed, model and last user message:
   * the same prompt always gets the same verdict. Consecutive rules share the hash, so fractions
   * 0.2 then 0.5 split prompts into bands of 20% and 30%.
   */
  fraction: z.number().min(0).max(1).optional(),
});
export type PromptCondition = z.infer<typeof PromptCondition>;

/** The placeholders a `text` answer may use. */
export const TEMPLATE_VARIABLES = ['prompt', 'promptExcerpt', 'system', 'model', 'provider'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const Template = z.string().superRefine((text, ctx) => {
  for (const [, name] of text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name ?? '')) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {{${name}}} (known: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`,
      });
    }
  }
});

/** Whether a generated JSON answer takes `key: value` facts from the prompt, or contradicts them. */
export const FactMode = z.enum(['use', 'contradict']);
export type FactMode = z.infer<typeof FactMode>;

/** How an `invalid_json` answer gets JSON wrong. */
export const InvalidJsonStyle = z.enum(['truncated', 'single_quotes', 'prose']);
export type InvalidJsonStyle = z.infer<typeof InvalidJsonStyle>;

/** What the model answers. */
export const AnswerSpec = z.discriminatedUnion('type', [
  /** Fixed text, or a template with `{{prompt}}`, `{{promptExcerpt}}`, `{{system}}`, `{{model}}`, `{{provider}}`. */
  z.strictObject({
    type: z.literal('text'),
    text: Template,
    repeat: z.number().int().positive().max(100_000).default(1),
  }),
  /** This JSON value, serialised; `fenced` wraps it in a ```json block, as models often do. */
  z.strictObject({ type: z.literal('json'), value: z.json(), fenced: z.boolean().default(false) }),
  /**
   * A JSON value valid for the schema the request asks for (with plausible values), or, when the
   * request gives no schema, an object of the prompt's facts. `contradict` changes every fact.
   */
  z.strictObject({
    type: z.literal('schema_json'),
    facts: FactMode.default('use'),
    fenced: z.boolean().default(false),
  }),
  /** JSON that parses but breaks the requested schema (a required field missing or of the wrong type). */
  z.strictObject({ type: z.literal('schema_violation') }),
  /** Text that is not JSON: cut off mid-object, Python-style quotes, or JSON buried in chatter. */
  z.strictObject({ type: z.literal('invalid_json'), style: InvalidJsonStyle.default('truncated') }),
  z.strictObject({ type: z.literal('empty') }),
  z.strictObject({
    type: z.literal('refusal'),
    text: z.string().min(1).default("I'm sorry, but I can't help with that request."),
  }),
  /**
   * A tool call, on either wire: to `name` (default: the first tool the request offers) with
   * arguments `valid` for the tool's `parameters` schema (from the prompt's facts), a
   * `schema_violation` of it (valid JSON, wrong shape), `invalid_json` (OpenAI only: Anthropic
   * hands arguments over parsed, so there it is a schema violation), or this JSON object. `text`,
   * when given, comes beside the call.
   */
  z.strictObject({
    type: z.literal('tool_call'),
    name: z.string().min(1).optional(),
    arguments: z
      .union([z.enum(['valid', 'schema_violation', 'invalid_json']), z.record(z.string(), z.json())])
      .default('valid'),
    text: z.string().optional(),
  }),
  /** The model's recorded RouterBench answer to this prompt (an unknown pair is a 400). */
  z.strictObject({ type: z.literal('replay') }),
  /** The provider's error for this prompt, e.g. a 400 for a prompt "too long". */
  z.strictObject({
    type: z.literal('error'),
    status: z.number().int().min(400).max(599),
    message: z.string().min(1).optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  }),
]);
export type AnswerSpec = z.infer<typeof AnswerSpec>;

export const ScriptRule = z.strictObject({
  /** Shown in the call log, to say which rule answered. */
  name: z.string().min(1).optional(),
  when: PromptCondition.default({}),
  answer: AnswerSpec,
  /** Overrides the model's latency for this rule. */
  latency: LatencySpec.optional(),
});
export type ScriptRule = z.infer<typeof ScriptRule>;
export type ScriptRuleInput = DeepReadonly<z.input<typeof ScriptRule>>;

const NO_LATENCY: LatencySpec = { type: 'fixed', ms: 0 };

/** How one model behaves: the first rule that fires answers, else `defaultAnswer`. */
export const ModelBehaviour = z.strictObject({
  rules: z.array(ScriptRule).default([]),
  defaultAnswer: AnswerSpec,
  latency: LatencySpec.default(NO_LATENCY),
});
export type ModelBehaviour = z.infer<typeof ModelBehaviour>;
export type ModelBehaviourInput = DeepReadonly<z.input<typeof ModelBehaviour>>;

/** What a model the script does not name does: JSON when asked for JSON, else a short generic text. */
export const GENERIC_MODEL_BEHAVIOUR: ModelBehaviour = {
  rules: [
    {
      name: 'json requested',
      when: { jsonRequested: true },
      answer: { type: 'schema_json', facts: 'use', fenced: false },
    },
  ],
  defaultAnswer: { type: 'text', text: 'This is a simulated answer from {{model}} to: {{promptExcerpt}}', repeat: 1 },
  latency: NO_LATENCY,
};

export const SimulatorScript = z.strictObject({
  /** Salts every hash-based choice (rule fractions, latency draws). */
  seed: z.number().int().default(0),
  /** `true`: a model the script does not name is a 404, as on the real APIs. */
  strictModels: z.boolean().default(false),
  /** Behaviour per model name, as the request's `model` field spells it. */
  models: z.record(z.string().min(1), ModelBehaviour).default({}),
  /** Behaviour of models not named in `models` (unless `strictModels`). */
  otherModels: ModelBehaviour.default(GENERIC_MODEL_BEHAVIOUR),
  /** `true`: RouterBench model names not in `models` answer with their recorded answers. */
  replayDatasetModels: z.boolean().default(true),
});
export type SimulatorScript = z.infer<typeof SimulatorScript>;
/** A script as written, before defaults are applied. */
export type SimulatorScriptInput = DeepReadonly<z.input<typeof SimulatorScript>>;
