import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { costOfUsage, estimateTokens, roundUsd, sumCosts, worstCaseCallCost } from '../../core/cost';
import { type Pricing } from '../../core/config';

const HAIKU: Pricing = { inputPerMTok: 1, outputPerMTok: 5, cachedInputPerMTok: 0.1 };
const MINI: Pricing = { inputPerMTok: 0.4, outputPerMTok: 1.6 };
const OPUS: Pricing = { inputPerMTok: 15, outputPerMTok: 75 };

describe('costOfUsage', () => {
  it('prices input and output tokens per million', () => {
    assert.equal(costOfUsage({ inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 0 }, HAIKU), 1);
    assert.equal(costOfUsage({ inputTokens: 0, cachedInputTokens: 0, outputTokens: 1_000_000 }, HAIKU), 5);
    assert.equal(costOfUsage({ inputTokens: 1200, cachedInputTokens: 0, outputTokens: 300 }, HAIKU), 0.0027);
    assert.equal(costOfUsage({ inputTokens: 1400, cachedInputTokens: 0, outputTokens: 200 }, OPUS), 0.036);
  });

  it('costs nothing for no tokens, or on a free model', () => {
    assert.equal(costOfUsage({ inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 }, OPUS), 0);
    assert.equal(
      costOfUsage(
        { inputTokens: 5000, cachedInputTokens: 0, outputTokens: 5000 },
        { inputPerMTok: 0, outputPerMTok: 0 },
      ),
      0,
    );
  });

  it('prices cached input tokens at the cached price', () => {
    // 600 uncached x $1 + 400 cached x $0.10 + 500 output x $5, per million.
    assert.equal(costOfUsage({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 500 }, HAIKU), 0.00314);
  });

  it('prices cached tokens at the input price when the model has no cached price', () => {
    assert.equal(
      costOfUsage({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 500 }, MINI),
      costOfUsage({ inputTokens: 1000, cachedInputTokens: 0, outputTokens: 500 }, MINI),
    );
  });

  it('never counts more cached tokens than input tokens', () => {
    assert.equal(
      costOfUsage({ inputTokens: 300, cachedInputTokens: 500, outputTokens: 0 }, HAIKU),
      (300 * 0.1) / 1_000_000,
    );
  });
});

describe('worstCaseCallCost', () => {
  it('is the prompt plus every output token, at full input price', () => {
    assert.equal(worstCaseCallCost({ pricing: HAIKU, maxOutputTokens: 1000 }, 2000), 0.007);
    assert.equal(worstCaseCallCost({ pricing: OPUS, maxOutputTokens: 4000 }, 0), 0.3);
  });

  it('grows with the prompt and with maxOutputTokens', () => {
    const base = worstCaseCallCost({ pricing: MINI, maxOutputTokens: 1000 }, 1000);
    assert.ok(worstCaseCallCost({ pricing: MINI, maxOutputTokens: 1000 }, 2000) > base);
    assert.ok(worstCaseCallCost({ pricing: MINI, maxOutputTokens: 2000 }, 1000) > base);
  });
});

describe('estimateTokens', () => {
  it('rounds up a quarter of the character count', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abcd'), 1);
    assert.equal(estimateTokens('abcde'), 2);
    assert.equal(estimateTokens('x'.repeat(4000)), 1000);
  });
});

describe('roundUsd', () => {
  it('rounds to 1e-12 USD', () => {
    assert.equal(roundUsd(1.23456789012345), 1.234567890123);
    assert.equal(roundUsd(0.1 + 0.2), 0.3);
    assert.equal(roundUsd(0.0014008000000000002), 0.0014008);
    assert.equal(roundUsd(0), 0);
  });
});

describe('sumCosts', () => {
  it('makes three step costs add up exactly to the total (the canonical example)', () => {
    const small = roundUsd(costOfUsage({ inputTokens: 1200, cachedInputTokens: 0, outputTokens: 300 }, HAIKU));
    const mid = roundUsd(costOfUsage({ inputTokens: 1300, cachedInputTokens: 0, outputTokens: 250 }, MINI));
    const frontier = roundUsd(costOfUsage({ inputTokens: 1400, cachedInputTokens: 0, outputTokens: 200 }, OPUS));
    assert.deepEqual([small, mid, frontier], [0.0027, 0.00092, 0.036]);
    // Plain float addition drifts off the exact total; sumCosts does not.
    assert.notEqual(small + mid + frontier, 0.03962);
    assert.equal(sumCosts([small, mid, frontier]), 0.03962);
  });

  it('is exact for awkward token counts too', () => {
    const steps = [
      roundUsd(costOfUsage({ inputTokens: 1234, cachedInputTokens: 0, outputTokens: 567 }, MINI)),
      roundUsd(
        costOfUsage(
          { inputTokens: 2345, cachedInputTokens: 1000, outputTokens: 321 },
          { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
        ),
      ),
      roundUsd(costOfUsage({ inputTokens: 3456, cachedInputTokens: 0, outputTokens: 789 }, OPUS)),
    ];
    assert.deepEqual(steps, [0.0014008, 0.00915, 0.111015]);
    assert.equal(sumCosts(steps), 0.1215658);
  });

  it('is 0 for no costs and the cost itself for one', () => {
    assert.equal(sumCosts([]), 0);
    assert.equal(sumCosts([0.0027]), 0.0027);
  });

  it('is independent of the order of the steps', () => {
    const costs = [0.1, 0.2, 0.3, 0.0000001, 0.7];
    assert.equal(sumCosts(costs), 1.3000001);
    assert.equal(sumCosts([...costs].reverse()), 1.3000001);
  });
});
