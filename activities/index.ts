import { type BatchSourcePolicy } from '../batch/batch-source-policy';
import { classifyForCascade } from '../classifier/request-classifier';
import { classifyByRulesAfterModelFailure, type InitialClassification } from '../core/cascade-plan';
import { needsClassifierModel } from '../core/cascade-run';
import { type CascadeConfig } from '../core/config';
import { routeConfigs } from '../core/config-for-route';
import { configHash } from '../core/config-hash';
import { type CascadeRequest } from '../core/request';
import { type ProviderRegistry } from '../providers/provider-registry';
import { createBatchActivities } from './batch-activities';
import { createCallModel } from './call-model';
import {
  type CascadeActivities,
  type ClassifyRequestInput,
  type PrepareCascadeInput,
  type PreparedCascade,
} from '../workflows/definitions';

/** What the activities need from the outside world, built once by the worker. */
export interface ActivityDependencies {
  providers: ProviderRegistry;
  /** The config the worker was started with: what a cascade uses when its input brings none. */
  config: CascadeConfig;
  /** The files and URLs the `batch` workflow may read (`batchSourcePolicyFromEnv`). */
  batchSources: BatchSourcePolicy;
}

/**
 * The cascade's activities, built from their dependencies (Temporal's sample pattern), so tests and
 * the worker can hand in their own providers. Their contract, `CascadeActivities`, is in
 * workflows/definitions.ts: the workflows import that, never this folder.
 */
export function createActivities({ providers, config, batchSources }: ActivityDependencies): CascadeActivities {
  const hash = configHash(config);
  // The worker's config never changes while it runs: each route's part is made once.
  const configFor = routeConfigs(config);
  return {
    callModel: createCallModel(providers),
    async resolveConfig(): Promise<CascadeConfig> {
      return config;
    },
    async resolveWorkerConfig() {
      return { config, configHash: hash };
    },
    /**
     * Classifies a request with precise rules and the config's learned model, read once per worker.
     * A local activity: its answer is recorded in history, so a replay on any worker, or after the
     * model file was retrained, takes the route the first run took.
     */
    async classifyRequest(input: ClassifyRequestInput): Promise<InitialClassification> {
      return classifyForCascade(input.request, input.config);
    },
    async prepareCascade({ request }: PrepareCascadeInput): Promise<PreparedCascade> {
      const classification = await classifyOrFallBack(request, config);
      return {
        // While the small-model classifier may still change the route, the cascade needs every route.
        config: needsClassifierModel(config, classification, request)
          ? config
          : configFor(classification.classification.route),
        configHash: hash,
        classification,
      };
    },
    ...createBatchActivities(batchSources),
  };
}

/**
 * As the workflow classified with `classifyRequest` (three attempts, 1 s and 2 s apart: a failed
 * read of the model file is not cached, so it may be fixed meanwhile); then, since a worker that
 * cannot read its learned model must not hold requests back, the rules' answer stands, saying why.
 */
async function classifyOrFallBack(request: CascadeRequest, config: CascadeConfig): Promise<InitialClassification> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await classifyForCascade(request, config);
    } catch (error) {
      if (attempt < CLASSIFY_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
        continue;
      }
      return classifyByRulesAfterModelFailure(request, config, (error as Error).message);
    }
  }
}

const CLASSIFY_ATTEMPTS = 3;
