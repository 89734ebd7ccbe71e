/**
 * The cascade without Temporal, for the durability benchmark. It runs the very decisions the
 * `cascade` workflow runs (`runCascadeDecisions` and `assembleResult` from `core/cascade-run.ts`)
 * with effects that call the provider adapters directly in this process, so the only difference
 * from the workflow is the durability machinery: no activities, no history, no retries through a
 * retry policy (one attempt per call), no durable timers (a plain `setTimeout`), no search
 * attributes or memo. A benchmark baseline, not a second engine: production runs the workflow.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyForCascade } from '../classifier/request-classifier';
import {
  assembleResult,
  failedCall,
  newDecisionRecord,
  runCascadeDecisions,
  type CallOutcome,
  type CascadeEffects,
  type ModelCall,
} from '../core/cascade-run';
import { type CascadeConfig } from '../core/config';
import { type CascadeRequest } from '../core/request';
import { type CascadeResult } from '../core/result';
import { generateRequest } from '../providers/language-model';
import { ProviderError } from '../providers/provider-error';
import { type ProviderRegistry } from '../providers/provider-registry';

/** One model call through the provider adapter; a provider error comes back as the workflow's activity failure would. */
async function callDirectly(providers: ProviderRegistry, call: ModelCall): Promise<CallOutcome> {
  const { model, prompt } = call;
  const started = performance.now();
  try {
    const result = await providers.languageModel(model.provider, model.model).generate(generateRequest(prompt, model));
    return {
      output: {
        text: result.text,
        usage: result.usage,
        finishReason: result.finishReason,
        attempt: 1,
        latencyMs: performance.now() - started,
      },
    };
  } catch (error) {
    if (error instanceof ProviderError) return failedCall(error.type, error.message);
    throw error;
  }
}

/** Runs one request through the cascade's decisions in this process and returns the same result shape as the workflow. */
export async function runCascadeInProcess(
  request: CascadeRequest,
  config: CascadeConfig,
  providers: ProviderRegistry,
): Promise<CascadeResult> {
  const record = newDecisionRecord();
  const effects: CascadeEffects = {
    classify: (request) => classifyForCascade(request, config),
    call: (call) => callDirectly(providers, call),
    wait: async (ms) => {
      await sleep(ms);
    },
    status: () => {},
    classified: () => {},
    escalated: () => {},
  };
  const ending = await runCascadeDecisions({ request, config, record, effects });
  return assembleResult(request.id ?? 'in-process', request, config, record, ending);
}
