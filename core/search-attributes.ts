import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * The search attributes every cascade upserts as it advances, so an operator can filter in the
 * Web UI or CLI, e.g. `CascadeEscalations >= 2` or `CascadeOutcome = "exhausted"`. Only labels and
 * numbers: search attributes are not encrypted, so no prompt text goes here.
 */
export const CascadeSearchAttributes = {
  taskType: defineSearchAttributeKey('CascadeTaskType', SearchAttributeType.KEYWORD),
  route: defineSearchAttributeKey('CascadeRoute', SearchAttributeType.KEYWORD),
  finalModel: defineSearchAttributeKey('CascadeFinalModel', SearchAttributeType.KEYWORD),
  finalTier: defineSearchAttributeKey('CascadeFinalTier', SearchAttributeType.INT),
  escalations: defineSearchAttributeKey('CascadeEscalations', SearchAttributeType.INT),
  outcome: defineSearchAttributeKey('CascadeOutcome', SearchAttributeType.KEYWORD),
  costUsd: defineSearchAttributeKey('CascadeCostUsd', SearchAttributeType.DOUBLE),
  savedUsd: defineSearchAttributeKey('CascadeSavedUsd', SearchAttributeType.DOUBLE),
  /** Set on cascades started by a batch, so a batch's requests can be listed and reprocessed. */
  batchId: defineSearchAttributeKey('CascadeBatchId', SearchAttributeType.KEYWORD),
  /** A short hash of the config the cascade ran under (core/config-hash.ts): which config decided. */
  configHash: defineSearchAttributeKey('CascadeConfigHash', SearchAttributeType.KEYWORD),
  /**
   * The tenant whose API key started the cascade (core/tenant-workflow-id.ts), set at the start; the
   * API lists and reads only the caller's tenant's. Absent: the default tenant's (CLI, batch, older cascades).
   */
  tenant: defineSearchAttributeKey('CascadeTenant', SearchAttributeType.KEYWORD),
} as const;

/**
 * What a cascade records as soon as its route is known: its task type, route and (lean cascades on)
 * the hash of the config that decides. The workflow upserts them; a starter that sends its config
 * (`CascadeClientOptions.sendConfig`) sets them at the start instead, and the workflow relies on
 * the two being the same.
 */
export function classificationSearchAttributes(
  taskType: string,
  route: string,
  configHash: string | undefined,
): SearchAttributePair[] {
  return [
    { key: CascadeSearchAttributes.taskType, value: taskType },
    { key: CascadeSearchAttributes.route, value: route },
    ...(configHash !== undefined ? [{ key: CascadeSearchAttributes.configHash, value: configHash }] : []),
  ];
}

/** Name -> type, the form the dev server's `--search-attribute` flag and the operator API take. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<string, 'Keyword' | 'Int' | 'Double'> = Object.fromEntries(
  Object.values(CascadeSearchAttributes).map((key) => [
    key.name,
    key.type === SearchAttributeType.INT ? 'Int' : key.type === SearchAttributeType.DOUBLE ? 'Double' : 'Keyword',
  ]),
);

/**
 * A string as a visibility-query literal: single-quoted, with backslashes and quotes escaped. A
 * control character has no escape the query language reads back, so it is refused: callers
 * validate values first (the API answers 400), this is the last guard against query injection.
 */
export function queryLiteral(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new RangeError(`a visibility query value may not hold control characters: ${JSON.stringify(value)}`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
