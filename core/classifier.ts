import {
  type ClassifierConfig,
  type ClassifierRule,
  type Complexity,
  type ComplexityRule,
  type StructureCondition,
} from './config';
import { BUILT_IN_CLASSIFIER_RULES, BUILT_IN_COMPLEXITY_RULES } from './default-classifier-rules';

/** What the rules classifier reads from a request. */
export interface ClassifyInput {
  /** The prompt to classify: the last user turn. Structure conditions are measured on it. */
  text: string;
  /** The system prompt, if any. Its keywords and patterns count at half weight (see `SYSTEM_PROMPT_FACTOR`). */
  system?: string;
  /** The request carries an expected-output JSON Schema. */
  hasSchema: boolean;
  /** The request carries ground-truth facts. */
  hasGroundTruth: boolean;
}

/** The rules classifier's verdict on one request. */
export interface RuleClassification {
  /** The best-scoring task type, or `classifierConfig.defaultRoute` when no score reaches `minScore`. */
  taskType: string;
  complexity: Complexity;
  /** Every task type that scored, with the summed weight of its fired rules. */
  scores: Record<string, number>;
  /** Best score minus runner-up (the best score when only one type scored, 0 when none did). */
  margin: number;
  /** `false` when the default route was taken. */
  matched: boolean;
  /**
   * Which rules fired, e.g. `extraction 4.5 (asks to extract "Extract" +3.0, expects output matching
   * a schema +1.5); question_answering 0.5 (has a question mark +0.5); complexity low (no cues)`.
   * Rules without a label are named by their evidence: `keyword "refund"`, `pattern "#4471"`.
   */
  reason: string;
}

/**
 * How much a rule matched only in the system prompt counts. System prompts mostly set a persona or
 * house style shared by every request, so they are weaker evidence than the request itself.
 */
export const SYSTEM_PROMPT_FACTOR = 0.5;

/**
 * Complexity is `high` when the fired `high` rules weigh at least this much, `medium` when the
 * fired rules of either level do; `low` otherwise. Weights below 1 thus need company to count.
 */
export const COMPLEXITY_LEVEL_THRESHOLD = 1;

/** Enough independent medium cues (long, many questions, constraints, analysis...) make a request high. */
export const COMPLEXITY_HIGH_FROM_MEDIUM = 3;

/**
 * Keywords and patterns read at most the first `SCAN_HEAD_CHARS` and the last `SCAN_TAIL_CHARS`
 * characters of a prompt (and of a system prompt). Instructions sit at the start or the end; the
 * middle of a long prompt is pasted material, whose words are noise for routing (a summary request
 * for a pasted story is not creative writing), and every scanned character costs each regex a few
 * nanoseconds. Structure conditions (`minChars`, `minLines`...) still measure the whole prompt.
 */
export const SCAN_HEAD_CHARS = 1000;
export const SCAN_TAIL_CHARS = 300;

const MAX_QUOTED_CHARS = 40;

/** Spaces at a line start (sticky): a line is blank when they reach its end. */
const BLANK_AT = /[ \t\r]*/y;

/**
 * A regex and the words that can start its matches (as `prefixKey`s): when none of them starts a
 * word of the prompt the regex cannot match and is not run. `undefined`: always run.
 */
interface GuardedRegExp {
  regex: RegExp;
  triggers?: number[];
}

interface TextMatcher {
  /** All keywords of the rule as one alternation, so a rule costs one scan however many keywords it has. */
  keywords?: GuardedRegExp;
  /** Normalised keyword -> keyword as written, to name the keyword that fired. */
  keywordNames?: Map<string, string>;
  patterns?: GuardedRegExp[];
  withinFirstChars?: number;
}

interface CompiledRule {
  taskType: string;
  weight: number;
  description: string;
  text: TextMatcher;
  structure?: StructureCondition;
  /** Position in the rule list: the last tie-breaker, so that results never depend on object key order. */
  order: number;
}

interface CompiledComplexityRule {
  level: Exclude<Complexity, 'low'>;
  weight: number;
  description: string;
  text: TextMatcher;
  structure?: StructureCondition;
}

interface CompiledClassifier {
  rules: CompiledRule[];
  complexityRules: CompiledComplexityRule[];
}

/** Structural facts about the prompt, measured once per request. */
interface TextFeatures {
  chars: number;
  lines: number;
  questions: number;
  hasCodeBlock: boolean;
  hasSchema: boolean;
  hasGroundTruth: boolean;
}

interface Evidence {
  weight: number;
  detail: string;
  /** Where in the prompt the evidence starts; structure-only evidence has none. */
  position: number;
}

/**
 * Compiled rules by config object, and by config content: a workflow receives its config as an
 * argument, a new object each run, and recompiling would also make V8 recompile every regex.
 */
const compiledByConfig = new WeakMap<ClassifierConfig, CompiledClassifier>();
const compiledByContent = new Map<string, CompiledClassifier>();
/** Configs differ by deployment, not by request: a handful are live at once. */
const MAX_CACHED_CONFIGS = 16;
let compiledBuiltIns: { rules: CompiledRule[]; complexityRules: CompiledComplexityRule[] } | undefined;

/**
 * Classifies a request by the built-in rules (when `classifierConfig.builtInRules`) and the
 * config's own rules: each fired rule adds its weight to its task type, the best total wins, and a
 * best total below `minScore` sends the request to `defaultRoute`. A tie goes to the task type with
 * the strongest single piece of evidence (one clear cue beats several faint ones), then to the one
 * whose evidence appears earliest in the prompt (instructions come first), then to the earlier rule.
 * Pure and deterministic; rules are compiled once per config (by object, and by content).
 */
export function classifyRequest(input: ClassifyInput, classifierConfig: ClassifierConfig): RuleClassification {
  const compiled = compileClassifier(classifierConfig);
  const features = measure(input);
  const prompt = scan(input.text);
  const system = input.system ? scan(input.system) : undefined;

  const totals = new Map<
    string,
    { score: number; strongest: number; position: number; order: number; evidence: string[] }
  >();
  for (const rule of compiled.rules) {
    const evidence = evaluate(rule, prompt, system, features);
    if (!evidence) continue;
    const entry = totals.get(rule.taskType) ?? {
      score: 0,
      strongest: 0,
      position: Number.POSITIVE_INFINITY,
      order: rule.order,
      evidence: [],
    };
    entry.score += evidence.weight;
    entry.strongest = Math.max(entry.strongest, evidence.weight);
    entry.position = Math.min(entry.position, evidence.position);
    entry.evidence.push(evidence.detail);
    totals.set(rule.taskType, entry);
  }

  const ranked = [...totals.entries()].sort(
    ([, a], [, b]) =>
      roundScore(b.score) - roundScore(a.score) ||
      b.strongest - a.strongest ||
      a.position - b.position ||
      a.order - b.order,
  );
  const scores: Record<string, number> = {};
  for (const [taskType, entry] of ranked) scores[taskType] = roundScore(entry.score);

  const best = ranked[0];
  const runnerUp = ranked[1];
  const margin = best ? roundScore(best[1].score - (runnerUp?.[1].score ?? 0)) : 0;
  const matched = best !== undefined && best[1].score > 0 && best[1].score >= classifierConfig.minScore;
  const complexity = estimateComplexity(compiled.complexityRules, prompt, features);

  const fired = ranked.map(
    ([taskType, entry]) => `${taskType} ${formatScore(entry.score)} (${entry.evidence.join(', ')})`,
  );
  let verdict: string;
  if (matched) verdict = fired.join('; ');
  else if (fired.length === 0) verdict = `no rule fired; default route "${classifierConfig.defaultRoute}"`;
  else
    verdict = `no task type reached ${formatScore(classifierConfig.minScore)}: ${fired.join('; ')}; default route "${classifierConfig.defaultRoute}"`;

  return {
    taskType: matched ? best[0] : classifierConfig.defaultRoute,
    complexity: complexity.level,
    scores,
    margin,
    matched,
    reason: `${verdict}; complexity ${complexity.level} (${complexity.evidence.length > 0 ? complexity.evidence.join(', ') : 'no cues'})`,
  };
}

function compileClassifier(config: ClassifierConfig): CompiledClassifier {
  const cached = compiledByConfig.get(config);
  if (cached) return cached;
  const content = JSON.stringify([config.builtInRules, config.rules, config.complexityRules]);
  const sameContent = compiledByContent.get(content);
  if (sameContent) {
    compiledByConfig.set(config, sameContent);
    return sameContent;
  }
  // The built-in rules are compiled only for configs that use them: compiling them is most of the cost.
  const builtIns = config.builtInRules ? compileBuiltIns() : { rules: [], complexityRules: [] };
  const own = config.rules.map((rule, i) => compileRule(rule, builtIns.rules.length + i, `classifier.rules[${i}]`));
  const ownComplexity = config.complexityRules.map((rule, i) =>
    compileComplexityRule(rule, `classifier.complexityRules[${i}]`),
  );
  const compiled: CompiledClassifier = {
    rules: [...builtIns.rules, ...own],
    complexityRules: [...builtIns.complexityRules, ...ownComplexity],
  };
  compiledByConfig.set(config, compiled);
  // Evicts the oldest entry: Map iteration follows insertion order.
  if (compiledByContent.size >= MAX_CACHED_CONFIGS) compiledByContent.delete(compiledByContent.keys().next().value!);
  compiledByContent.set(content, compiled);
  return compiled;
}

function compileBuiltIns(): CompiledClassifier {
  compiledBuiltIns ??= {
    rules: BUILT_IN_CLASSIFIER_RULES.map((rule, i) => compileRule(rule, i, `built-in rule ${i}`)),
    complexityRules: BUILT_IN_COMPLEXITY_RULES.map((rule, i) =>
      compileComplexityRule(rule, `built-in complexity rule ${i}`),
    ),
  };
  return compiledBuiltIns;
}

function compileRule(rule: ClassifierRule, order: number, where: string): CompiledRule {
  const compiled: CompiledRule = {
    taskType: rule.taskType,
    weight: rule.weight,
    description: rule.label ?? '',
    text: compileTextMatcher(rule.keywords, rule.patterns, rule.withinFirstChars, where),
    order,
  };
  if (rule.structure) compiled.structure = rule.structure;
  return compiled;
}

function compileComplexityRule(rule: ComplexityRule, where: string): CompiledComplexityRule {
  const compiled: CompiledComplexityRule = {
    level: rule.level,
    weight: rule.weight,
    description: rule.label ?? '',
    text: compileTextMatcher(rule.keywords, rule.patterns, undefined, where),
  };
  if (rule.structure) compiled.structure = rule.structure;
  return compiled;
}

function compileTextMatcher(
  keywords: readonly string[] | undefined,
  patterns: readonly string[] | undefined,
  withinFirstChars: number | undefined,
  where: string,
): TextMatcher {
  const matcher: TextMatcher = {};
  // An empty list is treated as not given: "any one of nothing" would make the rule unfireable.
  if (keywords && keywords.length > 0) {
    const alternatives = [...new Set(keywords.map(normaliseKeyword))]
      .sort((a, b) => b.length - a.length)
      .map((keyword) => keyword.split(' ').map(escapeRegExp).join('\\s+'));
    // Lookarounds rather than \b so that keywords starting or ending in a symbol ("c++", ".net")
    // work; ASCII word characters and no `u` flag, which makes V8 scan many times slower.
    const keywordTriggers = keywords.map((keyword) => /\w+/.exec(keyword.toLowerCase())?.[0]);
    matcher.keywords = guarded(
      new RegExp(`(?<!\\w)(?:${alternatives.join('|')})(?!\\w)`, 'i'),
      keywordTriggers.every((word) => word !== undefined) ? (keywordTriggers as string[]) : undefined,
    );
    matcher.keywordNames = new Map(keywords.map((keyword) => [normaliseKeyword(keyword), keyword]));
  }
  if (patterns && patterns.length > 0) {
    matcher.patterns = patterns.map((pattern, j) => {
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, 'i');
      } catch (error) {
        throw new Error(`${where}.patterns[${j}]: invalid regular expression: ${(error as Error).message}`);
      }
      return guarded(regex, leadingWordPrefixes(pattern));
    });
  }
  if (withinFirstChars !== undefined) matcher.withinFirstChars = withinFirstChars;
  return matcher;
}

function guarded(regex: RegExp, triggers: readonly string[] | undefined): GuardedRegExp {
  return triggers ? { regex, triggers: [...new Set(triggers.map(prefixKey))] } : { regex };
}

/** The part of a text that is scanned, with the prefixes of its words computed on first use. */
interface ScannedText {
  text: string;
  /** How many leading characters of `text` are the start of the original (all of them unless cut). */
  intactPrefix: number;
  wordPrefixes?: Set<number>;
}

function scan(text: string): ScannedText {
  if (text.length <= SCAN_HEAD_CHARS + SCAN_TAIL_CHARS) return { text, intactPrefix: text.length };
  return {
    text: `${text.slice(0, SCAN_HEAD_CHARS)}\n\n${text.slice(text.length - SCAN_TAIL_CHARS)}`,
    intactPrefix: SCAN_HEAD_CHARS,
  };
}

function measure(input: ClassifyInput): TextFeatures {
  const text = input.text;
  // indexOf rather than a character loop: prompts may be up to a million characters.
  let lines = 0;
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    BLANK_AT.lastIndex = start;
    if (!(BLANK_AT.test(text) && BLANK_AT.lastIndex >= end)) lines++;
    start = end + 1;
  }
  let questions = 0;
  for (let at = text.indexOf('?'); at >= 0; at = text.indexOf('?', at + 1)) questions++;
  return {
    chars: text.length,
    lines,
    questions,
    hasCodeBlock: /(?:^|\n)[ \t]*(?:```|~~~)/.test(text),
    hasSchema: input.hasSchema,
    hasGroundTruth: input.hasGroundTruth,
  };
}

/** The structure parts that hold, described for the reason; `undefined` when any given part fails. */
function checkStructure(condition: StructureCondition, features: TextFeatures): string[] | undefined {
  const holds: string[] = [];
  if (condition.minChars !== undefined) {
    if (features.chars < condition.minChars) return undefined;
    holds.push(`${features.chars} chars >= ${condition.minChars}`);
  }
  if (condition.maxChars !== undefined) {
    if (features.chars > condition.maxChars) return undefined;
    holds.push(`${features.chars} chars <= ${condition.maxChars}`);
  }
  if (condition.minLines !== undefined) {
    if (features.lines < condition.minLines) return undefined;
    holds.push(`${features.lines} lines`);
  }
  if (condition.minQuestions !== undefined) {
    if (features.questions < condition.minQuestions) return undefined;
    holds.push(`${features.questions} question${features.questions === 1 ? '' : 's'}`);
  }
  const flags = [
    ['hasCodeBlock', 'code block'],
    ['hasSchema', 'schema'],
    ['hasGroundTruth', 'ground truth'],
  ] as const;
  for (const [flag, name] of flags) {
    const wanted = condition[flag];
    if (wanted === undefined) continue;
    if (features[flag] !== wanted) return undefined;
    holds.push(wanted ? `has ${name}` : `no ${name}`);
  }
  return holds;
}

/** What a rule's keywords and patterns found in one text; `undefined` when a given part does not match. */
interface TextMatch {
  keyword?: string;
  matched?: string;
  position: number;
}

function mayMatch(guard: GuardedRegExp, scanned: ScannedText): boolean {
  if (!guard.triggers) return true;
  scanned.wordPrefixes ??= wordPrefixKeys(scanned.text);
  for (const key of guard.triggers) if (scanned.wordPrefixes.has(key)) return true;
  return false;
}

function matchText(matcher: TextMatcher, scanned: ScannedText): TextMatch | undefined {
  const text = scanned.text;
  // The first N characters of the original, never reaching into the tail of a cut prompt.
  const scope =
    matcher.withinFirstChars !== undefined
      ? text.slice(0, Math.min(matcher.withinFirstChars, scanned.intactPrefix))
      : text;
  const match: TextMatch = { position: Number.POSITIVE_INFINITY };
  if (matcher.keywords) {
    const found = mayMatch(matcher.keywords, scanned) ? matcher.keywords.regex.exec(scope) : null;
    if (!found) return undefined;
    const normalised = normaliseKeyword(found[0]);
    match.keyword = matcher.keywordNames?.get(normalised) ?? normalised;
    match.position = found.index;
  }
  if (matcher.patterns) {
    let found: RegExpExecArray | null = null;
    for (const pattern of matcher.patterns) {
      found = mayMatch(pattern, scanned) ? pattern.regex.exec(scope) : null;
      if (found) break;
    }
    if (!found) return undefined;
    match.matched = quote(found[0]);
    match.position = Math.min(match.position, found.index);
  }
  return match;
}

function hasTextPart(matcher: TextMatcher): boolean {
  return matcher.keywords !== undefined || matcher.patterns !== undefined;
}

function evaluate(
  rule: CompiledRule,
  prompt: ScannedText,
  system: ScannedText | undefined,
  features: TextFeatures,
): Evidence | undefined {
  const structure = rule.structure ? checkStructure(rule.structure, features) : [];
  if (!structure) return undefined;
  if (!hasTextPart(rule.text)) {
    // A rule with nothing to check is no evidence (the config schema rejects it anyway).
    if (!rule.structure) return undefined;
    return {
      weight: rule.weight,
      detail: describe(rule.description, undefined, structure, rule.weight),
      position: Number.POSITIVE_INFINITY,
    };
  }
  const inPrompt = matchText(rule.text, prompt);
  if (inPrompt) {
    return {
      weight: rule.weight,
      detail: describe(rule.description, inPrompt, structure, rule.weight),
      position: inPrompt.position,
    };
  }
  const inSystem = system ? matchText(rule.text, system) : undefined;
  if (inSystem) {
    const weight = rule.weight * SYSTEM_PROMPT_FACTOR;
    return {
      weight,
      detail: describe(rule.description, inSystem, structure, weight, 'in system prompt'),
      position: Number.POSITIVE_INFINITY,
    };
  }
  return undefined;
}

function estimateComplexity(
  rules: readonly CompiledComplexityRule[],
  prompt: ScannedText,
  features: TextFeatures,
): { level: Complexity; evidence: string[] } {
  let medium = 0;
  let high = 0;
  const evidence: string[] = [];
  for (const rule of rules) {
    const structure = rule.structure ? checkStructure(rule.structure, features) : [];
    if (!structure) continue;
    let found: TextMatch | undefined;
    if (hasTextPart(rule.text)) {
      found = matchText(rule.text, prompt);
      if (!found) continue;
    } else if (!rule.structure) {
      continue;
    }
    // A high cue is also evidence of at least medium complexity.
    medium += rule.weight;
    if (rule.level === 'high') high += rule.weight;
    evidence.push(`${rule.level}: ${describe(rule.description, found, structure, rule.weight)}`);
  }
  const level: Complexity =
    high >= COMPLEXITY_LEVEL_THRESHOLD || medium >= COMPLEXITY_HIGH_FROM_MEDIUM
      ? 'high'
      : medium >= COMPLEXITY_LEVEL_THRESHOLD
        ? 'medium'
        : 'low';
  return { level, evidence };
}

/**
 * One fired rule for the reason: its label and the text that fired it (`asks to extract "extract"
 * +3.0`), or without a label what kind of evidence it was (`keyword "translate" +2.0`).
 */
function describe(
  label: string,
  match: TextMatch | undefined,
  structure: readonly string[],
  weight: number,
  where?: string,
): string {
  const parts: string[] = [];
  if (label !== '') {
    parts.push(label);
    if (match?.keyword !== undefined) parts.push(`"${match.keyword}"`);
    if (match?.matched !== undefined) parts.push(`"${match.matched}"`);
  } else {
    if (match?.keyword !== undefined) parts.push(`keyword "${match.keyword}"`);
    if (match?.matched !== undefined) parts.push(`pattern "${match.matched}"`);
    if (structure.length > 0) parts.push(`structure ${structure.join(', ')}`);
  }
  if (where) parts.push(where);
  return `${parts.join(' ')} +${formatScore(weight)}`;
}

/*
 * The prefilter. Running a hundred regexes over a prompt costs about 2 ns per character each, so
 * each regex is run only when a word it could start with is in the prompt. Words here are runs of
 * ASCII letters, digits and `_`, which is what `\w` and `\b` mean in a regex without the `u` flag.
 */

/** Word prefixes are compared on their first `PREFIX_CHARS` characters: enough to rule most regexes out. */
const PREFIX_CHARS = 4;

/** 1-26 for letters (either case), 27-36 for digits, 37 for `_`, 0 for anything else. */
function wordCharCode(c: number): number {
  if (c >= 97 && c <= 122) return c - 96;
  if (c >= 65 && c <= 90) return c - 64;
  if (c >= 48 && c <= 57) return c - 21;
  return c === 95 ? 37 : 0;
}

/** A word or word prefix as a number: its first `PREFIX_CHARS` characters in bijective base 38, so no two collide. */
function prefixKey(word: string): number {
  let key = 0;
  for (let i = 0; i < Math.min(word.length, PREFIX_CHARS); i++) key = key * 38 + wordCharCode(word.charCodeAt(i));
  return key;
}

/** The keys of every prefix (1 to `PREFIX_CHARS` characters) of every word of a text. */
function wordPrefixKeys(text: string): Set<number> {
  const keys = new Set<number>();
  let key = 0;
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = wordCharCode(text.charCodeAt(i));
    if (code === 0) {
      length = 0;
      key = 0;
    } else if (length < PREFIX_CHARS) {
      key = key * 38 + code;
      length++;
      keys.add(key);
    }
  }
  return keys;
}

/**
 * Lowercase word prefixes, one of which starts a word in anything the (case-insensitive) pattern
 * matches; `undefined` when the pattern's source does not show it, and the pattern must always run.
 * Understands what built-in and typical config patterns start with: `\b`, `^`, `(?<!\w)`,
 * lookarounds, literal punctuation, groups of alternatives (optional ones too), then a literal word.
 * Anything else (a character class, `\d`, `.`, a backreference...) gives up, which is always safe.
 */
export function leadingWordPrefixes(pattern: string): string[] | undefined {
  const branches = splitAlternatives(pattern);
  if (!branches) return undefined;
  const prefixes: string[] = [];
  for (const branch of branches) {
    const found = branchPrefixes(branch, 0, false);
    if (!found) return undefined;
    prefixes.push(...found);
  }
  return prefixes.length > 0 ? prefixes : undefined;
}

/** Splits a regex source at its top-level `|`; `undefined` when brackets do not balance. */
function splitAlternatives(source: string): string[] | undefined {
  const branches: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') {
      const end = classEnd(source, i);
      if (end < 0) return undefined;
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) return undefined;
    } else if (c === '|' && depth === 0) {
      branches.push(source.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  branches.push(source.slice(start));
  return branches;
}

/** Index of the `]` closing the character class opened at `open`, or -1. */
function classEnd(source: string, open: number): number {
  for (let i = open + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === ']') return i;
  }
  return -1;
}

/** Index of the `)` closing the group opened at `open`, or -1. */
function groupEnd(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') {
      i = classEnd(source, i);
      if (i < 0) return -1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Whether the quantifier at `at` (if any) lets the preceding item match nothing. */
function allowsZero(source: string, at: number): boolean {
  const c = source[at];
  return c === '?' || c === '*' || (c === '{' && /^\{0*,|^\{0+\}/.test(source.slice(at)));
}

const SYNTAX_CHARACTERS = new Set(['.', '[', ']', '(', ')', '{', '}', '|', '?', '*', '+', '^', '$', '\\']);

/**
 * The word prefixes a branch can start with, reading from `at`. `atWordStart`: the text before
 * `at` is known to end at a word boundary, so a literal word here starts a word of the prompt.
 */
function branchPrefixes(branch: string, at: number, atWordStart: boolean): string[] | undefined {
  let i = at;
  let wordStart = atWordStart;
  while (i < branch.length) {
    const rest = branch.slice(i);
    if (rest.startsWith('\\b')) {
      wordStart = true;
      i += 2;
    } else if (rest.startsWith('(?<!\\w)')) {
      wordStart = true;
      i += 7;
    } else if (rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
      const end = groupEnd(branch, i);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (rest.startsWith('\\s+') || rest.startsWith('\\W+')) {
      wordStart = true;
      i += 3;
    } else if (rest.startsWith('\\s*') || rest.startsWith('\\W*')) {
      i += 3;
    } else if (branch[i] === '^' && i === 0) {
      wordStart = true;
      i += 1;
    } else if (branch[i] === '(') {
      const end = groupEnd(branch, i);
      if (end < 0) return undefined;
      // Only plain and non-capturing groups; `(?<name>` and other `(?` forms give up.
      const innerStart = rest.startsWith('(?:') ? i + 3 : branch[i + 1] === '?' ? -1 : i + 1;
      if (innerStart < 0) return undefined;
      const alternatives = splitAlternatives(branch.slice(innerStart, end));
      if (!alternatives) return undefined;
      const prefixes: string[] = [];
      for (const alternative of alternatives) {
        const found = branchPrefixes(alternative, 0, wordStart);
        if (!found) return undefined;
        prefixes.push(...found);
      }
      if (!allowsZero(branch, end + 1)) return prefixes;
      // An optional group: the match may start with what follows it instead.
      let after = end + 1;
      if (branch[after] === '{') after = branch.indexOf('}', after);
      const following = branchPrefixes(branch, after + 1 + (branch[after + 1] === '?' ? 1 : 0), wordStart);
      return following ? [...prefixes, ...following] : undefined;
    } else if (/\w/.test(branch[i]!)) {
      if (!wordStart) return undefined;
      let end = i;
      while (end < branch.length && /\w/.test(branch[end]!)) end++;
      // A quantifier after the run applies to its last character only.
      const word = allowsZero(branch, end) ? branch.slice(i, end - 1) : branch.slice(i, end);
      return word.length > 0 ? [word.toLowerCase()] : undefined;
    } else if (branch[i] === '\\' && /[^\w\s]/.test(branch[i + 1] ?? 'a') && !allowsZero(branch, i + 2)) {
      // An escaped punctuation character, e.g. `\.` in `\.net`: the next literal word starts a word.
      wordStart = true;
      i += 2;
    } else if (!SYNTAX_CHARACTERS.has(branch[i]!) && !/\w/.test(branch[i]!) && !allowsZero(branch, i + 1)) {
      wordStart = true;
      i += 1;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function normaliseKeyword(keyword: string): string {
  return keyword.trim().toLowerCase().replace(/\s+/g, ' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS - 1)}…` : flat;
}

/** Scores are sums of decimal weights: rounding keeps `0.1 + 0.2` from leaking into logs and comparisons. */
function roundScore(score: number): number {
  return Math.round(score * 1000) / 1000;
}

function formatScore(score: number): string {
  const rounded = roundScore(score);
  return Number.isInteger(rounded) ? rounded.toFixed(1) : String(rounded);
}
