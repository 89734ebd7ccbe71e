import { type CascadeConfig } from '../core/config';
import { type ProviderRegistry } from '../providers/provider-registry';
import { createBatchActivities } from './batch-activities';
import { createCallModel } from './call-model';

export type { CallModelInput, CallModelOutput } from './call-model';
export type { AwaitCascadeInput, ReadBatchPageInput } from './batch-activities';

/** What the activities need from the outside world, built once by the worker. */
export interface ActivityDependencies {
  providers: ProviderRegistry;
  /** The config the worker was started with: what a cascade uses when its input brings none. */
  config: CascadeConfig;
}

/**
 * The cascade's activities, built from their dependencies (Temporal's sample pattern), so tests and
 * the worker can hand in their own providers. Workflows import only the type.
 */
export function createActivities({ providers, config }: ActivityDependencies) {
  return {
    callModel: createCallModel(providers),
    /** Returns the worker's config; a local activity, so its answer is recorded in history and replays. */
    async resolveConfig(): Promise<CascadeConfig> {
      return config;
    },
    ...createBatchActivities(),
  };
}

export type CascadeActivities = ReturnType<typeof createActivities>;
