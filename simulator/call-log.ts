import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { ActiveFault } from './fault-spec';
import { SimulatedProvider } from './simulated-provider';

/**
 * Where a call stands. `completed`: its whole response was handed to the network (an error status
 * included). `aborted`: no complete response was sent, because a fault cut it off or the client went
 * away. A `completed` call with status 200 is one the client was fully answered.
 */
export const CallState = z.enum(['in_flight', 'completed', 'aborted']);
export type CallState = z.infer<typeof CallState>;

/** One model call the simulator received. */
export const CallRecord = z.object({
  /** `call_1`, `call_2`, ... in arrival order. */
  id: z.string(),
  provider: SimulatedProvider,
  /** The request path, e.g. `/v1/messages`. */
  endpoint: z.string(),
  /** The request's `model` field; `null` when it had none. */
  model: z.string().nullable(),
  requestBody: z.unknown(),
  stream: z.boolean(),
  state: CallState,
  /** HTTP status sent; `null` until sent, and for calls aborted before any response. */
  status: z.number().int().nullable(),
  /** The JSON body sent (for a stream, the message it assembles to); `null` when none was sent. */
  responseBody: z.unknown(),
  /** The injected fault that hit this call, as it stood then. */
  fault: ActiveFault.nullable(),
  /** The script rule that chose the answer, e.g. `claude-haiku-4-5 rules[0] (broken json)`. */
  rule: z.string().nullable(),
  /** For replayed answers: what the call cost when it was recorded, and the sample it came from. */
  recordedCostUsd: z.number().nullable(),
  sampleId: z.string().nullable(),
  /** Epoch milliseconds. */
  startedAt: z.number(),
  endedAt: z.number().nullable(),
});
export type CallRecord = z.infer<typeof CallRecord>;

export const CallFilter = z.object({
  provider: SimulatedProvider.optional(),
  model: z.string().optional(),
  state: CallState.optional(),
});
export type CallFilter = z.infer<typeof CallFilter>;

/** What the server knows when a call arrives. */
export type CallStart = Pick<CallRecord, 'provider' | 'endpoint' | 'model' | 'requestBody' | 'stream'>;
/** What the server learns while it answers. */
export type CallUpdate = Partial<
  Pick<CallRecord, 'status' | 'responseBody' | 'fault' | 'rule' | 'recordedCostUsd' | 'sampleId'>
>;

/**
 * Every model call the simulator received, in arrival order. A call is logged on arrival as
 * `in_flight` and turns `completed` only once its response has been fully written, so a test can
 * tell a call the client saw answered from one that was cut off.
 */
export class CallLog {
  private records: CallRecord[] = [];
  private nextId = 1;
  private readonly changes = new EventEmitter();

  /** @param maxRecords oldest records are dropped beyond this, so long benchmarks stay bounded. */
  constructor(
    private readonly maxRecords = 50_000,
    private readonly now: () => number = Date.now,
  ) {
    this.changes.setMaxListeners(0);
  }

  /** Logs an arriving call; returns its id. */
  begin(start: CallStart): string {
    const record: CallRecord = {
      id: `call_${this.nextId++}`,
      ...start,
      state: 'in_flight',
      status: null,
      responseBody: null,
      fault: null,
      rule: null,
      recordedCostUsd: null,
      sampleId: null,
      startedAt: this.now(),
      endedAt: null,
    };
    this.records.push(record);
    if (this.records.length > this.maxRecords) this.records.splice(0, this.records.length - this.maxRecords);
    this.changes.emit('change');
    return record.id;
  }

  /** Adds what is known about a call so far. */
  update(id: string, update: CallUpdate): void {
    const record = this.find(id);
    if (record) Object.assign(record, update);
  }

  /** Closes a call as completed or aborted. */
  end(id: string, state: Exclude<CallState, 'in_flight'>, update: CallUpdate = {}): void {
    const record = this.find(id);
    if (!record || record.state !== 'in_flight') return;
    Object.assign(record, update, { state, endedAt: this.now() });
    this.changes.emit('change');
  }

  /** Copies of the logged calls, oldest first, narrowed by `filter`. */
  list(filter: CallFilter = {}): CallRecord[] {
    return structuredClone(this.records.filter((r) => matches(r, filter)));
  }

  get(id: string): CallRecord | undefined {
    const record = this.find(id);
    return record && structuredClone(record);
  }

  get size(): number {
    return this.records.length;
  }

  clear(): void {
    this.records = [];
    this.changes.emit('change');
  }

  /**
   * Resolves with the calls matching `filter` once `until` holds for them (checked now and on
   * every change); rejects after `timeoutMs`.
   */
  waitFor(filter: CallFilter, until: (calls: CallRecord[]) => boolean, timeoutMs = 5000): Promise<CallRecord[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const calls = this.list(filter);
        if (!until(calls)) return false;
        clearTimeout(timer);
        this.changes.off('change', check);
        resolve(calls);
        return true;
      };
      const timer = setTimeout(() => {
        this.changes.off('change', check);
        reject(
          new Error(`call log: condition not met within ${timeoutMs} ms (${this.list(filter).length} matching calls)`),
        );
      }, timeoutMs);
      if (!check()) this.changes.on('change', check);
    });
  }

  private find(id: string): CallRecord | undefined {
    // Recent calls are the ones still being updated, so search from the end.
    for (let i = this.records.length - 1; i >= 0; i--) if (this.records[i]!.id === id) return this.records[i];
    return undefined;
  }
}

function matches(record: CallRecord, filter: CallFilter): boolean {
  return (
    (filter.provider === undefined || record.provider === filter.provider) &&
    (filter.model === undefined || record.model === filter.model) &&
    (filter.state === undefined || record.state === filter.state)
  );
}
