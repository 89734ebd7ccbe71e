/**
 * A minimal valid cascade config for the core unit tests: two providers, five models and a
 * three-tier ladder (small, mid, frontier) with a fallback on the two lower tiers. Each call returns
 * a fresh object, so a test can tweak it before parsing.
 */
import { ConfigError, parseConfig, type CascadeConfig, type CascadeConfigInput } from '../../core/config';

export function configInput(): CascadeConfigInput {
  return {
    providers: {
      anthropic: { type: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY' },
      openai: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY' },
    },
    models: {
      haiku: {
        provider: 'anthropic',
        model: 'claude-haiku',
        pricing: { inputPerMTok: 1, outputPerMTok: 5, cachedInputPerMTok: 0.1 },
        maxOutputTokens: 1000,
      },
      nano: {
        provider: 'openai',
        model: 'gpt-nano',
        pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 },
        maxOutputTokens: 1000,
      },
      mini: {
        provider: 'openai',
        model: 'gpt-mini',
        pricing: { inputPerMTok: 0.4, outputPerMTok: 1.6 },
        maxOutputTokens: 2000,
      },
      sonnet: {
        provider: 'anthropic',
        model: 'claude-sonnet',
        pricing: { inputPerMTok: 3, outputPerMTok: 15 },
        maxOutputTokens: 2000,
      },
      opus: {
        provider: 'anthropic',
        model: 'claude-opus',
        pricing: { inputPerMTok: 15, outputPerMTok: 75 },
        maxOutputTokens: 4000,
      },
    },
    tiers: [
      { name: 'small', model: 'haiku', fallbacks: ['nano'] },
      { name: 'mid', model: 'mini', fallbacks: ['sonnet'] },
      { name: 'frontier', model: 'opus' },
    ],
    routes: {
      default: { startTier: 'small' },
    },
  };
}

/** Parses the minimal config after `tweak` has changed it. */
export function makeConfig(tweak: (config: CascadeConfigInput) => void = () => {}): CascadeConfig {
  const input = configInput();
  tweak(input);
  return parseConfig(input);
}

/** The problems `parseConfig` reports for a tweaked minimal config; fails the test if it parses. */
export function configProblems(tweak: (config: CascadeConfigInput) => void): string[] {
  const input = configInput();
  tweak(input);
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected, but it parsed');
}

/** Sets a field the config schema does not know, to test that unknown fields are rejected. */
export function setUnknownField(target: object, key: string, value: unknown): void {
  (target as Record<string, unknown>)[key] = value;
}
