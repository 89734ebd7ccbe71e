import { z } from 'zod';
import { type CallRecord } from '../simulator';

// The request bodies the simulator logged, as either SDK sends them: Anthropic's and OpenAI's
// `messages` both hold `{ role, content }` with content a string or a list of text blocks.
// Only what attribution needs is read; everything else passes.
const TextBlock = z.looseObject({ type: z.string(), text: z.string().optional() });
const WireMessage = z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(TextBlock), z.null()]).optional() });
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
    if (Array.isArray(content)) return content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
    return undefined;
  }
  return undefined;
}

/** What the simulator charged for the calls attributed to one row. */
export interface AttributedCalls {
  calls: number;
  /** Sum of the recorded `total_cost` of every call, wasted cascade calls included. */
  costUsd: number;
  /** Calls per dataset model name, and what they cost. */
  byModel: Map<string, { calls: number; costUsd: number }>;
  /** Calls that carried no recorded cost (not replayed): they make the cost figure incomplete. */
  unpriced: number;
}

/** Calls attributed to rows, plus the calls no row claims. */
export interface CallAttribution {
  byRow: Map<number, AttributedCalls>;
  /** Calls whose prompt is no row's prompt: a bug in the eval or in replay if ever non-zero. */
  unattributed: number;
  /** Calls that did not complete with status 200 (a provider error, a cut connection). */
  failed: number;
}

/**
 * Assigns each logged call to the row whose prompt is the call's last user turn (prompts are
 * unique within a file; sample ids are not, seven ARC samples are recorded twice) and sums the
 * recorded costs per row.
 */
export function attributeCalls(records: readonly CallRecord[], rowByPrompt: ReadonlyMap<string, number>): CallAttribution {
  const byRow = new Map<number, AttributedCalls>();
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
    let entry = byRow.get(row);
    if (!entry) {
      entry = { calls: 0, costUsd: 0, byModel: new Map(), unpriced: 0 };
      byRow.set(row, entry);
    }
    entry.calls++;
    const cost = record.recordedCostUsd;
    if (cost === null) entry.unpriced++;
    else entry.costUsd += cost;
    const model = record.model ?? '(none)';
    const perModel = entry.byModel.get(model) ?? { calls: 0, costUsd: 0 };
    perModel.calls++;
    perModel.costUsd += cost ?? 0;
    entry.byModel.set(model, perModel);
  }
  return { byRow, unattributed, failed };
}
