import { type Client } from '@temporalio/client';
import { listExecutions } from '../client/list-executions';
import { classifyForCascade } from '../classifier/request-classifier';
import { listQuery } from '../client/cascade-client';
import {
  assembleResult,
  failedCall,
  newDecisionRecord,
  runCascadeDecisions,
  stepPath,
  type CallOutcome,
  type CascadeEffects,
  type ModelCall,
} from '../core/cascade-run';
import { type CascadeConfig } from '../core/config';
import { sumCosts } from '../core/cost';
import { canonicalJson } from '../core/normalize-answer';
import { isRetryableProviderError } from '../core/provider-errors';
import { type CascadeResult } from '../core/result';
import { readCascadeHistory, type CascadeExecution, type RecordedCall } from '../client/cascade-history';
import { mapWithConcurrency } from '../lib/map-with-concurrency';
import { generateRequest } from '../providers/language-model';
import { ProviderError } from '../providers/provider-error';
import { type ProviderRegistry } from '../providers/provider-registry';

/**
 * The what-if: what a new config would have done with past requests, decided by the cascade's own
 * decision logic (`core/cascade-run.ts`, the workflow's) over the answers recorded in each request's
 * history. A model the old run called answers from the record; only a call the old run never made
 * goes to the provider, and those are counted. Run with the config the requests ran under, it
 * reproduces their paths and costs exactly.
 */

/** One cascade's path and cost, old or new. */
export interface PathSummary {
  outcome: string;
  route: string;
  /** One entry per model call, e.g. `answer small@small rejected`. */
  path: string[];
  finalModel: string | null;
  finalTier: string | null;
  escalations: number;
  costUsd: number;
  baselineUsd: number;
}

export interface WhatIfRow {
  id: string;
  old: PathSummary;
  /** Absent when the new path could not be worked out (see `error`). */
  new?: PathSummary;
  /** Model calls answered from the history: exactly the same prompt, or the same conversation with other system text (e.g. no escalation feedback). */
  reusedExact: number;
  reusedSimilar: number;
  /** Calls the old run never made, sent to the provider now. */
  liveCalls: number;
  error?: string;
}

export interface WhatIfTotals {
  requests: number;
  /** Requests with a new path (the others are listed with their error). */
  compared: number;
  oldCostUsd: number;
  newCostUsd: number;
  oldBaselineUsd: number;
  newBaselineUsd: number;
  reusedExact: number;
  reusedSimilar: number;
  liveCalls: number;
  /** `old -> new` outcome pairs that differ, with how many requests took them. */
  outcomeChanges: Record<string, number>;
  /** Requests whose final model differs. */
  finalModelChanges: number;
  /** Requests whose path (models called, in order) differs. */
  pathChanges: number;
}

export interface WhatIfReport {
  query: string;
  rows: WhatIfRow[];
  totals: WhatIfTotals;
}

export interface WhatIfOptions {
  client: Client;
  /** Visibility query selecting the past cascades (completed ones only are compared). */
  query: string;
  config: CascadeConfig;
  /** For calls the old runs never made; without it such a request is reported as not comparable. */
  providers?: ProviderRegistry;
  /** At most this many calls to providers in all; later requests that need one are reported as not comparable. */
  maxCalls?: number;
  /** At most this many requests (newest first). */
  limit?: number;
  /** Requests worked on at once. */
  concurrency?: number;
  onProgress?: (done: number) => void;
}

/** The recorded calls of one history, handed out in recording order, each at most once. */
export class RecordedAnswers {
  private readonly entries: Array<{ exact: string; similar: string; call: RecordedCall; used: boolean }>;

  constructor(calls: readonly RecordedCall[]) {
    this.entries = calls.map((call) => ({
      exact: exactKey(call.input.provider, call.input.providerModel, call.input.prompt),
      similar: similarKey(call.input.provider, call.input.providerModel, call.input.prompt),
      call,
      used: false,
    }));
  }

  /**
   * The recorded outcome for a call: the same model with exactly the same prompt first (failures
   * included, so an outage replays as it happened), else the same model on the same conversation
   * with other system text (answers only: a transient failure says nothing about another prompt).
   */
  take(call: ModelCall): { outcome: CallOutcome; match: 'exact' | 'similar' } | undefined {
    const exact = exactKey(call.model.provider, call.model.model, call.prompt);
    let entry = this.entries.find((e) => !e.used && e.exact === exact);
    let match: 'exact' | 'similar' = 'exact';
    if (!entry) {
      const similar = similarKey(call.model.provider, call.model.model, call.prompt);
      entry = this.entries.find((e) => !e.used && e.similar === similar && 'output' in e.call.outcome);
      match = 'similar';
    }
    if (!entry) return undefined;
    entry.used = true;
    return { outcome: entry.call.outcome, match };
  }
}

function exactKey(provider: string, model: string, prompt: ModelCall['prompt']): string {
  return `${provider}\u0000${model}\u0000${canonicalJson(prompt)}`;
}

function similarKey(provider: string, model: string, prompt: ModelCall['prompt']): string {
  return `${provider}\u0000${model}\u0000${canonicalJson(prompt.messages)}`;
}

/** A needed provider call beyond `maxCalls`, or with no providers given. */
class CallNotAllowedError extends Error {}

/** One call to a provider now, retried like the activity would be on transient errors. */
async function callProvider(providers: ProviderRegistry, call: ModelCall, attempts: number): Promise<CallOutcome> {
  const model = call.model;
  let last: ProviderError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const started = Date.now();
    try {
      const result = await providers
        .languageModel(model.provider, model.model)
        .generate(generateRequest(call.prompt, model));
      return {
        output: {
          text: result.text,
          usage: result.usage,
          finishReason: result.finishReason,
          attempt,
          latencyMs: Date.now() - started,
        },
      };
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      last = error;
      if (!isRetryableProviderError(error.type)) break;
      await new Promise((resolve) => setTimeout(resolve, error.options.retryAfterMs ?? 500 * 2 ** (attempt - 1)));
    }
  }
  return failedCall(last!.type, last!.message);
}

function summarize(result: CascadeResult): PathSummary {
  return {
    outcome: result.outcome,
    route: result.classification.route,
    path: stepPath(result.steps),
    finalModel: result.finalModel,
    finalTier: result.finalTier,
    escalations: result.escalations,
    costUsd: result.costUsd,
    baselineUsd: result.baseline.costUsd,
  };
}

/** What-if for one past cascade. `budget` is shared by every request of a run. */
export async function whatIfOne(
  client: Client,
  execution: CascadeExecution,
  config: CascadeConfig,
  options: { providers?: ProviderRegistry; budget: { left: number } },
): Promise<WhatIfRow> {
  const history = await readCascadeHistory(client, execution);
  if (!history.result) throw new Error(`${execution.workflowId} has not completed`);
  const old = summarize(history.result);
  const row: WhatIfRow = { id: execution.workflowId, old, reusedExact: 0, reusedSimilar: 0, liveCalls: 0 };
  const recorded = new RecordedAnswers(history.calls);
  const effects: CascadeEffects = {
    // The new config's classifier, as its worker would run it (rules, or precise rules and its learned model).
    classify: (request) => classifyForCascade(request, config),
    async call(call) {
      const reused = recorded.take(call);
      if (reused) {
        if (reused.match === 'exact') row.reusedExact += 1;
        else row.reusedSimilar += 1;
        return reused.outcome;
      }
      if (!options.providers)
        throw new CallNotAllowedError(
          `needs ${call.modelId}, which the old run never called, and no provider is available`,
        );
      if (options.budget.left <= 0)
        throw new CallNotAllowedError(
          `needs ${call.modelId}, which the old run never called, beyond the allowed number of model calls`,
        );
      options.budget.left -= 1;
      row.liveCalls += 1;
      return callProvider(options.providers, call, config.resilience.maxAttemptsPerModel);
    },
    // Outages replay from the record; nothing to wait for.
    wait: async () => {},
    status() {},
    classified() {},
    escalated() {},
  };
  const record = newDecisionRecord();
  try {
    const ending = await runCascadeDecisions({ request: history.input.request, config, record, effects });
    row.new = summarize(assembleResult(execution.workflowId, history.input.request, config, record, ending));
  } catch (error) {
    if (!(error instanceof CallNotAllowedError)) throw error;
    row.error = error.message;
  }
  return row;
}

/** The what-if over every completed cascade a query matches, newest first. */
export async function runWhatIf(options: WhatIfOptions): Promise<WhatIfReport> {
  const query = `${listQuery({ status: 'COMPLETED' })} AND (${options.query})`;
  const executions: CascadeExecution[] = [];
  for await (const execution of listExecutions(options.client, { query })) {
    executions.push({ workflowId: execution.workflowId, runId: execution.runId });
    if (options.limit !== undefined && executions.length >= options.limit) break;
  }
  const budget = { left: options.maxCalls ?? Number.POSITIVE_INFINITY };
  let done = 0;
  const rows = await mapWithConcurrency(executions, options.concurrency ?? 8, async (execution): Promise<WhatIfRow> => {
    let row: WhatIfRow;
    try {
      row = await whatIfOne(options.client, execution, options.config, {
        ...(options.providers ? { providers: options.providers } : {}),
        budget,
      });
    } catch (error) {
      row = {
        id: execution.workflowId,
        old: {
          outcome: 'unknown',
          route: '',
          path: [],
          finalModel: null,
          finalTier: null,
          escalations: 0,
          costUsd: 0,
          baselineUsd: 0,
        },
        reusedExact: 0,
        reusedSimilar: 0,
        liveCalls: 0,
        error: `cannot read its history: ${(error as Error).message}`,
      };
    }
    options.onProgress?.(++done);
    return row;
  });
  return { query: options.query, rows, totals: whatIfTotals(rows) };
}

/** Sums over the rows; costs compare only requests with both paths, so old and new cover the same requests. */
export function whatIfTotals(rows: readonly WhatIfRow[]): WhatIfTotals {
  const compared = rows.filter((r): r is WhatIfRow & { new: PathSummary } => r.new !== undefined);
  const outcomeChanges: Record<string, number> = {};
  for (const row of compared) {
    if (row.old.outcome !== row.new.outcome) {
      const key = `${row.old.outcome} -> ${row.new.outcome}`;
      outcomeChanges[key] = (outcomeChanges[key] ?? 0) + 1;
    }
  }
  return {
    requests: rows.length,
    compared: compared.length,
    oldCostUsd: sumCosts(compared.map((r) => r.old.costUsd)),
    newCostUsd: sumCosts(compared.map((r) => r.new.costUsd)),
    oldBaselineUsd: sumCosts(compared.map((r) => r.old.baselineUsd)),
    newBaselineUsd: sumCosts(compared.map((r) => r.new.baselineUsd)),
    reusedExact: rows.reduce((n, r) => n + r.reusedExact, 0),
    reusedSimilar: rows.reduce((n, r) => n + r.reusedSimilar, 0),
    liveCalls: rows.reduce((n, r) => n + r.liveCalls, 0),
    outcomeChanges,
    finalModelChanges: compared.filter((r) => r.old.finalModel !== r.new.finalModel).length,
    pathChanges: compared.filter((r) => canonicalJson(r.old.path) !== canonicalJson(r.new.path)).length,
  };
}
