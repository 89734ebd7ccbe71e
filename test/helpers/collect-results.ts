import { type CascadeClient } from '../../client/cascade-client';
import { type CascadeResult } from '../../core/result';

export interface CollectedResults {
  results: Map<string, CascadeResult>;
  /** Each id without a result, with why: the deadline passed, or the cascade failed. */
  missing: Map<string, string>;
}

/** Waits for every result; what has none by the deadline is lost (and named). */
export async function collectResults(
  cascades: CascadeClient,
  ids: readonly string[],
  timeoutMs: number,
): Promise<CollectedResults> {
  const results = new Map<string, CascadeResult>();
  const missing = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  await Promise.all(
    ids.map(async (id) => {
      try {
        const outcome = await Promise.race([cascades.result(id), deadline]);
        if (outcome === 'timeout') missing.set(id, `no result within ${Math.round(timeoutMs / 1000)} s`);
        else results.set(id, outcome);
      } catch (error) {
        missing.set(id, (error as Error).message);
      }
    }),
  );
  clearTimeout(timer);
  return { results, missing };
}
