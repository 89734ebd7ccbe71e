import { type ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../core/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;
const INDEXED_TYPES = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
} as const;
const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(IndexedValueType)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => [value, name.replace('INDEXED_VALUE_TYPE_', '').toLowerCase()]),
);

/**
 * What the check needs from a connection: the operator service, which the client's `Connection` and
 * the worker's `NativeConnection` both have, so a worker checks without a second connection.
 */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(request: { namespace: string }): Promise<{
      customAttributes?: Record<string, unknown> | null;
      systemAttributes?: Record<string, unknown> | null;
    }>;
  };
}

/**
 * The project's search attributes are missing (or registered with another type) on a namespace.
 * Workflows would then fail every task that records their outcome, so workers and the API refuse to
 * start, saying how to register them.
 */
export class SearchAttributesMissingError extends Error {
  constructor(
    readonly namespace: string,
    readonly problems: string[],
  ) {
    super(
      `Temporal namespace "${namespace}" lacks the search attributes llm-cascade records on every cascade:\n  - ${problems.join('\n  - ')}\n` +
        `Register them once with \`cascade setup --address <host:port> --namespace ${namespace}\` (or \`npm run cascade -- setup\`); on Temporal Cloud, add them in the Cloud UI or with tcld (\`cascade setup\` prints the commands).`,
    );
    this.name = 'SearchAttributesMissingError';
  }
}

/** The namespace does not exist on the server. */
export class NamespaceNotFoundError extends Error {
  constructor(readonly namespace: string) {
    super(
      `Temporal namespace "${namespace}" does not exist: create it (\`temporal operator namespace create --namespace ${namespace}\`) or set TEMPORAL_NAMESPACE to an existing one`,
    );
    this.name = 'NamespaceNotFoundError';
  }
}

async function listAttributes(connection: OperatorConnection, namespace: string): Promise<Map<string, unknown>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Map([
      ...Object.entries(existing.customAttributes ?? {}),
      ...Object.entries(existing.systemAttributes ?? {}),
    ]);
  } catch (error) {
    // gRPC NOT_FOUND (5): the namespace is not there.
    if ((error as { code?: unknown }).code === 5 || /namespace .* (is )?not found/i.test((error as Error).message))
      throw new NamespaceNotFoundError(namespace);
    throw error;
  }
}

/** One line per project search attribute that is missing or has the wrong type; empty when all are in place. */
export async function searchAttributeProblems(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const known = await listAttributes(connection, namespace);
  return Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).flatMap(([name, type]) => {
    if (!known.has(name)) return [`${name} (${type}) is not registered`];
    const actual = known.get(name);
    if (actual !== INDEXED_TYPES[type])
      return [`${name} is registered as ${TYPE_NAMES[actual as number] ?? String(actual)}, not ${type.toLowerCase()}`];
    return [];
  });
}

/** Throws `SearchAttributesMissingError` unless every project search attribute is registered with its type. */
export async function requireSearchAttributes(connection: OperatorConnection, namespace: string): Promise<void> {
  const problems = await searchAttributeProblems(connection, namespace);
  if (problems.length > 0) throw new SearchAttributesMissingError(namespace, problems);
}

/**
 * Registers the project's search attributes on a namespace, adding only the missing ones, so it is
 * safe on every start, also against an existing database or a shared server. Returns the names added.
 */
export async function registerSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const known = await listAttributes(connection, namespace);
  const missing = Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).filter(([name]) => !known.has(name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_TYPES[type]])),
    });
  } catch (error) {
    // Another process registering at the same moment is fine: the attributes exist either way.
    if (!/already exists/i.test((error as Error).message)) throw error;
  }
  return missing.map(([name]) => name);
}

/** Temporal Cloud endpoints: search attributes are managed in the Cloud UI or with tcld, not through the operator API. */
export function isTemporalCloudAddress(address: string): boolean {
  const host = address
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/:\d+$/, '')
    .toLowerCase();
  return host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io') || host === 'api.temporal.io';
}

/** What to run on Temporal Cloud instead of `cascade setup`: one tcld line per attribute. */
export function cloudSearchAttributeInstructions(namespace: string): string[] {
  return [
    `On Temporal Cloud, search attributes are managed in the Cloud UI (Namespaces > ${namespace} > Search Attributes) or with tcld:`,
    ...Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).map(
      ([name, type]) =>
        `  tcld namespace search-attributes add --namespace ${namespace} --search-attribute "${name}=${type}"`,
    ),
  ];
}
