import { z } from 'zod';
import { type CallRecord } from '../simulator';

// The request bodies the simulator logged, as either SDK sends them: Anthropic's and OpenAI's
// `messages` both hold `{ role, content }` with content a string or a list of text blocks.
// Only what attribution needs is read; everything else passes.
const TextBlock = z.looseObject({ type: z.string(), text: z.string().optional() });
const WireMessage = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(TextBlock), z.null()]).optional(),
});
const WireBody = z.looseObject({ messages: z.array(WireMessage) });

/** The last user turn of a logged model call, or `undefined` when the body has none (a malformed call). */
export function lastUserTextOfCall(record: Pick<CallRecord, 'requestBody'>): string | undefined {
  const parsed = WireBody.safeParse(record.requestBody);
  if (!parsed.success) return undefined;
  for (let i = parsed.data.messages.length - 1; i >= 0; i--) {
    const message = parsed.data.messages[i]!;
    if (message.role !== 'user') continue;
    const content = message.content;
    if (typeof content === 'string') return content;
    if (Array.isArray(content))
      return content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
    return undefined;
  }
  return undefined;
}

/** Calls and their recorded cost, for one row or one model. */
export interface CallCost {
  calls: number;
  costUsd: number;
}

/** What the simulator charged for a dataset run's calls, per row and in total. */
export interface CallAttribution {
  /** By row index: the calls whose prompt is the row's, and the sum of their recorded `total_cost`, wasted cascade calls included. */
  byRow: Map<number, CallCost>;
  /** Every call in the log, attributed or not. */
  calls: number;
  /** The recorded cost of the attributed calls. */
  costUsd: number;
  /** Attributed calls per dataset model name, and what they cost. */
  byModel: Map<string, CallCost>;
  /** Attributed calls that carried no recorded cost (not replayed): they make the cost figure incomplete. */
  unpriced: number;
  /** Calls whose prompt is no row's prompt: a bug in the eval or in replay if ever non-zero. */
  unattributed: number;
  /** Calls that did not complete with status 200 (a provider error, a cut connection). */
  failed: number;
}

function addCall<K>(into: Map<K, CallCost>, key: K, costUsd: number): void {
  const entry = into.get(key) ?? { calls: 0, costUsd: 0 };
  entry.calls++;
  entry.costUsd += costUsd;
  into.set(key, entry);
}

/**
 * Assigns each logged call to the row whose prompt is the call's last user turn (prompts are
 * unique within a file; sample ids are not, seven ARC samples are recorded twice) and sums the
 * recorded costs per row, per model and in total.
 */
export function attributeCalls(
  records: readonly CallRecord[],
  rowByPrompt: ReadonlyMap<string, number>,
): CallAttribution {
  const byRow = new Map<number, CallCost>();
  const byModel = new Map<string, CallCost>();
  let costUsd = 0;
  let unpriced = 0;
  let unattributed = 0;
  let failed = 0;
  for (const record of records) {
    if (record.state !== 'completed' || record.status !== 200) failed++;
    const prompt = lastUserTextOfCall(record);
    const row = prompt === undefined ? undefined : rowByPrompt.get(prompt);
    if (row === undefined) {
      unattributed++;
      continue;
    }
    const cost = record.recordedCostUsd;
    if (cost === null) unpriced++;
    costUsd += cost ?? 0;
    addCall(byRow, row, cost ?? 0);
    addCall(byModel, record.model ?? '(none)', cost ?? 0);
  }
  return { byRow, calls: records.length, costUsd, byModel, unpriced, unattributed, failed };
}
