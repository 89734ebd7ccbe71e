import { type GenerationParam, type GenerationParams } from '../core/request';

/**
 * Which generation parameters each provider's API can honour. Each adapter passes every parameter
 * it is given or refuses the call; request validation asks the same functions first, for every
 * model the request may reach, so a parameter one of them cannot honour is a 400 naming it before
 * anything starts, never an answer that silently ignored it.
 */

/** The parameters' values, however a caller holds them (a request's `params`, an adapter's request). */
export type ParamValues = { [P in GenerationParam]?: GenerationParams[P] | undefined };

/** A parameter a provider cannot honour, and why. */
export interface ParamProblem {
  param: GenerationParam;
  problem: string;
}

/** OpenAI's Chat Completions (and compatible servers) take every parameter the cascade knows. */
export function openAIParamProblems(_params: ParamValues): ParamProblem[] {
  return [];
}

/**
 * The Messages API has no `seed`, `frequency_penalty` or `presence_penalty`, takes `temperature` only
 * up to 1, and refuses `temperature` and `top_p` together on current models. Request validation
 * refuses these before a cascade starts when a route may reach an Anthropic model (see
 * `PROVIDERS.anthropic.paramProblems`); this is the adapter's own guard, so one is never dropped.
 */
export function anthropicParamProblems(params: ParamValues): ParamProblem[] {
  const problems: ParamProblem[] = [];
  for (const param of ['seed', 'frequencyPenalty', 'presencePenalty'] as const)
    if (params[param] !== undefined)
      problems.push({ param, problem: 'the Anthropic Messages API has no such parameter' });
  if (params.temperature !== undefined && params.temperature > 1)
    problems.push({ param: 'temperature', problem: 'Anthropic models take a temperature of at most 1' });
  if (params.temperature !== undefined && params.topP !== undefined)
    problems.push({ param: 'topP', problem: 'Anthropic models take temperature or top_p, not both' });
  return problems;
}
