/**
 * What the simulated providers' call log proves about a run. A model call is identified by its
 * model and its whole request body: a retry of the same activity sends exactly the same body, while
 * every request's prompt is unique, so two calls with one key are the same call made twice.
 */
import { type CallRecord } from '../../simulator';

/** The fields of a call record the analysis reads, so synthetic logs can be written in unit tests. */
export type LoggedCall = Pick<
  CallRecord,
  'id' | 'model' | 'requestBody' | 'state' | 'status' | 'startedAt' | 'endedAt'
> & {
  fault: { effect: { type: string; retryAfterSeconds?: number } } | null;
};

/** The request tag each scenario puts in its prompts: `[req:<id>]`, the request's id. */
const REQUEST_TAG = /\[req:([A-Za-z0-9._:-]+)\]/;

/** The tag for request `id`, to put in its prompt. */
export function requestTag(id: string): string {
  return `[req:${id}]`;
}

/** The id of the request a call belongs to, read from the tag in its prompt. */
export function requestIdOf(call: Pick<LoggedCall, 'requestBody'>): string | undefined {
  return REQUEST_TAG.exec(JSON.stringify(call.requestBody))?.[1];
}

function callKey(call: Pick<LoggedCall, 'model' | 'requestBody'>): string {
  return `${call.model ?? ''}\u0000${JSON.stringify(call.requestBody)}`;
}

/** A call the provider fully answered: the client received a model answer (and was billed for it). */
export function isAnswered(call: Pick<LoggedCall, 'state' | 'status'>): boolean {
  return call.state === 'completed' && call.status === 200;
}

function byKey<T extends LoggedCall>(calls: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const call of calls) {
    const key = callKey(call);
    const group = groups.get(key) ?? [];
    group.push(call);
    groups.set(key, group);
  }
  // Arrival order; the log's ids count up, and startedAt can tie within a millisecond.
  for (const group of groups.values()) group.sort((a, b) => a.startedAt - b.startedAt || callNumber(a) - callNumber(b));
  return groups;
}

function callNumber(call: Pick<LoggedCall, 'id'>): number {
  return Number(/\d+$/.exec(call.id)?.[0] ?? 0);
}

/** One call that should not have happened, with the call it repeats, for a readable failure. */
export interface RepeatedCall {
  model: string | null;
  requestId: string | undefined;
  repeated: string;
  answeredBy: string;
}

/**
 * Calls made again after the same call had been answered: the work was done and paid for, so a
 * durable engine must use the recorded answer, never ask again. Only calls still in flight (not yet
 * answered) when a worker died may be made again.
 */
export function completedCallsRepeated(calls: readonly LoggedCall[]): RepeatedCall[] {
  const repeats: RepeatedCall[] = [];
  for (const group of byKey(calls).values()) {
    const answered = group.filter(isAnswered);
    for (const call of group) {
      const earlier = answered.find((a) => a !== call && a.endedAt !== null && a.endedAt <= call.startedAt);
      if (earlier)
        repeats.push({ model: call.model, requestId: requestIdOf(call), repeated: call.id, answeredBy: earlier.id });
    }
  }
  return repeats;
}

/** Answers received more than once for the same call: each one was billed. */
export function answersPaidTwice(calls: readonly LoggedCall[]): RepeatedCall[] {
  const extra: RepeatedCall[] = [];
  for (const group of byKey(calls).values()) {
    const [first, ...rest] = group.filter(isAnswered);
    for (const call of rest)
      extra.push({ model: call.model, requestId: requestIdOf(call), repeated: call.id, answeredBy: first!.id });
  }
  return extra;
}

/** A retry that came sooner than the provider's `retry-after` allowed. */
export interface EarlyRetry {
  model: string | null;
  requestId: string | undefined;
  call: string;
  after: string;
  retryAfterMs: number;
  waitedMs: number;
}

/** The `retry-after` a call was answered with, in ms, when it was an injected error that carried one. */
export function retryAfterMsOf(call: LoggedCall): number | undefined {
  const seconds = call.fault?.effect.type === 'http_error' ? call.fault.effect.retryAfterSeconds : undefined;
  return seconds === undefined || call.state !== 'completed' ? undefined : seconds * 1000;
}

/**
 * Consecutive calls of the same request to the same model where the later one started before the
 * earlier one's `retry-after` had passed, counted from when the earlier response was sent.
 */
export function retriesBeforeRetryAfter(calls: readonly LoggedCall[]): EarlyRetry[] {
  const early: EarlyRetry[] = [];
  for (const group of byKey(calls).values()) {
    for (let i = 1; i < group.length; i++) {
      const previous = group[i - 1]!;
      const next = group[i]!;
      const retryAfterMs = retryAfterMsOf(previous);
      if (retryAfterMs === undefined || previous.endedAt === null) continue;
      const waitedMs = next.startedAt - previous.endedAt;
      if (waitedMs < retryAfterMs) {
        early.push({
          model: next.model,
          requestId: requestIdOf(next),
          call: next.id,
          after: previous.id,
          retryAfterMs,
          waitedMs,
        });
      }
    }
  }
  return early;
}
