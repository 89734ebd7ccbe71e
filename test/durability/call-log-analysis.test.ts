/**
 * The call-log analysis on hand-written logs: each detector finds what it must, so the durability
 * scenarios' zeros mean something.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answersPaidTwice,
  completedCallsRepeated,
  requestIdOf,
  requestTag,
  retriesBeforeRetryAfter,
  type LoggedCall,
} from './call-log-analysis';

let next = 1;
function call(request: string, over: Partial<LoggedCall> & { retryAfterSeconds?: number } = {}): LoggedCall {
  const { retryAfterSeconds, ...rest } = over;
  return {
    id: `call_${next++}`,
    model: 'sim-small',
    requestBody: { model: 'sim-small', messages: [{ role: 'user', content: `${requestTag(request)} hello` }] },
    state: 'completed',
    status: 200,
    startedAt: 1000,
    endedAt: 1500,
    fault: retryAfterSeconds === undefined ? null : { effect: { type: 'http_error', retryAfterSeconds } },
    ...rest,
  };
}

describe('call-log analysis', () => {
  it('reads the request id from the tag in the prompt', () => {
    assert.equal(requestIdOf(call('crash-abc-7')), 'crash-abc-7');
    assert.equal(requestIdOf({ requestBody: { messages: [] } }), undefined);
  });

  it('flags a call made again after it had been answered, and not one cut off in flight', () => {
    const cut = call('a', { state: 'aborted', status: null, startedAt: 0, endedAt: 900 });
    const retried = call('a', { startedAt: 1000, endedAt: 1500 });
    assert.deepEqual(completedCallsRepeated([cut, retried]), []);

    const again = call('a', { startedAt: 2000, endedAt: 2500 });
    const repeats = completedCallsRepeated([cut, retried, again]);
    assert.equal(repeats.length, 1);
    assert.equal(repeats[0]!.repeated, again.id);
    assert.equal(repeats[0]!.answeredBy, retried.id);
  });

  it('tells calls apart by model and request body', () => {
    const small = call('a');
    const mid = call('a', { model: 'sim-mid', startedAt: 2000, endedAt: 2500 });
    const other = call('b', { startedAt: 2000, endedAt: 2500 });
    assert.deepEqual(completedCallsRepeated([small, mid, other]), []);
    assert.deepEqual(answersPaidTwice([small, mid, other]), []);
  });

  it('counts an answer received twice, even from calls that overlapped', () => {
    const first = call('a', { startedAt: 1000, endedAt: 3000 });
    const second = call('a', { startedAt: 2000, endedAt: 2500 });
    assert.equal(answersPaidTwice([first, second]).length, 1);
    assert.equal(answersPaidTwice([first, call('a', { state: 'aborted', status: null })]).length, 0);
  });

  it('flags a retry sooner than the retry-after before it, and accepts one at or after it', () => {
    const limited = call('a', { status: 429, startedAt: 0, endedAt: 100, retryAfterSeconds: 2 });
    const early = call('a', { startedAt: 2099, endedAt: 2200 });
    const found = retriesBeforeRetryAfter([limited, early]);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.retryAfterMs, 2000);
    assert.equal(found[0]!.waitedMs, 1999);

    const onTime = call('a', { startedAt: 2100, endedAt: 2200 });
    assert.deepEqual(retriesBeforeRetryAfter([limited, onTime]), []);
    // Another model, or a 429 without retry-after, sets no lower bound.
    assert.deepEqual(retriesBeforeRetryAfter([limited, call('a', { model: 'sim-mid', startedAt: 200 })]), []);
    assert.deepEqual(
      retriesBeforeRetryAfter([call('a', { status: 429, startedAt: 0, endedAt: 100 }), call('a', { startedAt: 150 })]),
      [],
    );
  });
});
