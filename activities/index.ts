import { type BatchSourcePolicy } from '../batch/batch-source-policy';
import { classifyForCascade } from '../classifier/request-classifier';
import { type InitialClassification } from '../core/cascade-plan';
import { type CascadeConfig } from '../core/config';
import { configHash } from '../core/config-hash';
import { type ProviderRegistry } from '../providers/provider-registry';
import { createBatchActivities } from './batch-activities';
import { createCallModel } from './call-model';
import { type CascadeActivities, type ClassifyRequestInput } from '../workflows/definitions';

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
    ...createBatchActivities(batchSources),
  };
}
