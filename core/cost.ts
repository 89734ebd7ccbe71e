import { type ModelConfig, type Pricing } from './config';
import { type Usage } from './result';

const PER_MILLION = 1_000_000;

/** USD for one call's token usage at a model's prices; cached input tokens at the cached price where given. */
export function costOfUsage(usage: Usage, pricing: Pricing): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cachedPrice = pricing.cachedInputPerMTok ?? pricing.inputPerMTok;
  return (
    ((usage.inputTokens - cached) * pricing.inputPerMTok +
      cached * cachedPrice +
      usage.outputTokens * pricing.outputPerMTok) /
    PER_MILLION
  );
}

/**
 * A rough token count for text not yet sent: about four characters per token for English. Used only
 * to bound worst-case cost before a call, never to charge one (charges use the provider's counts).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The most one call to this model can cost for a prompt of `inputTokens`: every output token spent. */
export function worstCaseCallCost(
  model: Pick<ModelConfig, 'pricing' | 'maxOutputTokens'>,
  inputTokens: number,
): number {
  return costOfUsage({ inputTokens, cachedInputTokens: 0, outputTokens: model.maxOutputTokens }, model.pricing);
}

/** Sums costs so that a total equals the sum of its displayed parts, free of float drift past 1e-12 USD. */
export function sumCosts(costs: readonly number[]): number {
  return roundUsd(costs.reduce((total, cost) => total + cost, 0));
}

/** Rounds to 1e-12 USD: far below a token's price, enough to hide float noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e12) / 1e12;
}
