/**
 * Tokens a text would take, estimated at four characters per token (English prose averages about
 * that on both providers' tokenizers). Never zero: providers bill at least one token even for an
 * empty answer.
 */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
