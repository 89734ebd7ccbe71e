import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyStats, percentile } from '../../eval/eval-metrics';
import { lastUserTextOfCall } from '../../eval/call-attribution';

describe('eval helpers', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([], 50), 0);
    assert.deepEqual(latencyStats([3, 1, 2]), { p50: 2, p95: 3, p99: 3, mean: 2, max: 3 });
  });

  it('reads the last user turn of a logged call in either wire format', () => {
    assert.equal(
      lastUserTextOfCall({
        requestBody: {
          model: 'm',
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'Q?' },
          ],
        },
      }),
      'Q?',
    );
    assert.equal(
      lastUserTextOfCall({
        requestBody: {
          model: 'm',
          system: 's',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'Q' },
                { type: 'text', text: '?' },
              ],
            },
          ],
        },
      }),
      'Q?',
    );
    assert.equal(lastUserTextOfCall({ requestBody: 'not json' }), undefined);
  });
});
