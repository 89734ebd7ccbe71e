import { type ModelBehaviourInput, type ScriptRuleInput, SimulatorScript } from './simulator-script';

/**
 * The script `npm start` runs against when no provider key is set: the example config's six models
 * on three tiers, each with its tier's typical failings. Which prompts a model gets wrong is a hash
 * of the prompt, so a demo run repeats exactly:
 * - small (claude-haiku-4-5, gpt-4.1-nano): for JSON requests, a quarter of prompts get broken JSON
 *   and another quarter an answer that contradicts the prompt's `key: value` facts;
 * - mid (gpt-4.1-mini, claude-sonnet-4-6): 30% of JSON requests contradict the facts;
 * - frontier (claude-opus-4-6, gpt-5): always schema-valid JSON that uses the facts.
 * Prose answers are short and plausible for code, summaries and everything else.
 */

const CODE_PROMPT = {
  pattern: '\\b(code|function|implement|python|javascript|typescript|script|regex|sql)\\b',
  flags: 'i',
};
const SUMMARY_PROMPT = { pattern: '\\b(summari[sz]e|summary|tl;?dr|key points)\\b', flags: 'i' };

function proseRules(voice: { code: string; summary: string }): ScriptRuleInput[] {
  return [
    { name: 'code', when: { promptMatches: CODE_PROMPT }, answer: { type: 'text', text: voice.code } },
    { name: 'summary', when: { promptMatches: SUMMARY_PROMPT }, answer: { type: 'text', text: voice.summary } },
  ];
}

const FRONTIER_PROSE = {
  code: [
    'Here is a clear, tested approach:',
    '',
    '```python',
    'def solve(values):',
    '    """Return the values without duplicates, keeping their first-seen order."""',
    '    seen = set()',
    '    result = []',
    '    for value in values:',
    '        if value not in seen:',
    '            seen.add(value)',
    '            result.append(value)',
    '    return result',
    '```',
    '',
    'It runs in linear time and keeps the original order; adapt the name and types to your codebase.',
  ].join('\n'),
  summary:
    'Summary: the text makes one main argument and supports it with two concrete examples. ' +
    'The key points are the problem it identifies, the proposed change, and the expected effect on cost and reliability.',
  other:
    'Here is a direct answer to "{{promptExcerpt}}": the most important factor is the first one you named, ' +
    'and the rest follow from it. In practice, start with the simplest option that meets the requirement, ' +
    'measure the result, and only then add complexity where the numbers show it is needed.',
};

const MID_PROSE = {
  code: [
    'A compact implementation:',
    '',
    '```python',
    'def solve(values):',
    '    return list(dict.fromkeys(values))',
    '```',
  ].join('\n'),
  summary:
    'Summary: the text argues for one main change, backed by two examples, and expects lower cost and better reliability.',
  other:
    'Short answer to "{{promptExcerpt}}": start simple, measure, and add complexity only where the results call for it.',
};

const SMALL_PROSE = {
  code: ['```python', 'def solve(values):', '    return list(set(values))', '```'].join('\n'),
  summary: 'Summary: one main change is proposed, with two examples in support.',
  other: 'Answer: start with the simplest option that works for "{{promptExcerpt}}".',
};

const frontier: ModelBehaviourInput = {
  rules: [
    {
      name: 'json: valid, uses the facts',
      when: { jsonRequested: true },
      answer: { type: 'schema_json', facts: 'use' },
    },
    ...proseRules(FRONTIER_PROSE),
  ],
  defaultAnswer: { type: 'text', text: FRONTIER_PROSE.other },
  latency: { type: 'lognormal', medianMs: 1200, sigma: 0.3 },
};

const mid: ModelBehaviourInput = {
  rules: [
    {
      name: 'json: contradicts the facts',
      when: { jsonRequested: true, fraction: 0.3 },
      answer: { type: 'schema_json', facts: 'contradict' },
    },
    {
      name: 'json: valid, uses the facts',
      when: { jsonRequested: true },
      answer: { type: 'schema_json', facts: 'use' },
    },
    ...proseRules(MID_PROSE),
  ],
  defaultAnswer: { type: 'text', text: MID_PROSE.other },
  latency: { type: 'lognormal', medianMs: 600, sigma: 0.3 },
};

const small: ModelBehaviourInput = {
  rules: [
    {
      name: 'json: broken',
      when: { jsonRequested: true, fraction: 0.25 },
      answer: { type: 'invalid_json', style: 'truncated' },
    },
    // Rules share one hash per prompt, so this band is the next quarter of prompts.
    {
      name: 'json: contradicts the facts',
      when: { jsonRequested: true, fraction: 0.5 },
      answer: { type: 'schema_json', facts: 'contradict' },
    },
    {
      name: 'json: valid, uses the facts',
      when: { jsonRequested: true },
      answer: { type: 'schema_json', facts: 'use' },
    },
    ...proseRules(SMALL_PROSE),
  ],
  defaultAnswer: { type: 'text', text: SMALL_PROSE.other },
  latency: { type: 'lognormal', medianMs: 250, sigma: 0.35 },
};

/** The demo's script, validated when this module loads. */
export const demoScript: SimulatorScript = SimulatorScript.parse({
  seed: 20_240_315,
  models: {
    'claude-haiku-4-5': small,
    'gpt-4.1-nano': small,
    'gpt-4.1-mini': mid,
    'claude-sonnet-4-6': mid,
    'claude-opus-4-6': frontier,
    'gpt-5': frontier,
  },
});
