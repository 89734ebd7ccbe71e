import { isGrpcServiceError, ServiceError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';

/** A listed execution; `memoUnreadable` when its memo could not be decoded (and `memo` is then absent). */
export type ListedExecution = WorkflowExecutionInfo & { memoUnreadable?: true };

export interface ListExecutionsOptions {
  /** A visibility query. */
  query: string;
  /** Rows per visibility page; at most 1,000. */
  pageSize?: number;
}

/**
 * What `client.workflow.list` yields, except that a row whose memo this client cannot decode (a
 * payload encrypted under a key it does not hold: one retired from rotation, another deployment's)
 * comes without its memo, marked `memoUnreadable`, instead of failing the whole listing. The SDK
 * decodes every row's memo and throws on the first it cannot, so one such cascade in the window
 * would stop a savings report, a what-if or a tune over thousands of others.
 */
export async function* listExecutions(client: Client, options: ListExecutionsOptions): AsyncGenerator<ListedExecution> {
  const { namespace } = client.options;
  let nextPageToken: Uint8Array = new Uint8Array();
  do {
    let response: Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>;
    try {
      response = await client.workflowService.listWorkflowExecutions({
        namespace,
        query: options.query,
        pageSize: Math.min(options.pageSize ?? 1000, 1000),
        nextPageToken,
      });
    } catch (error) {
      // As the SDK's own list wraps it, so callers tell an unreachable server the same way.
      throw isGrpcServiceError(error) ? new ServiceError('Failed to list workflows', { cause: error }) : error;
    }
    for (const raw of response.executions) {
      let info: ListedExecution;
      try {
        info = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, namespace);
      } catch {
        const bare = await executionInfoFromRaw(
          { ...raw, memo: null },
          client.options.loadedDataConverter,
          raw,
          namespace,
        );
        info = { ...bare, memo: undefined, memoUnreadable: true };
      }
      yield info;
    }
    nextPageToken = response.nextPageToken;
  } while (nextPageToken.length > 0);
}
