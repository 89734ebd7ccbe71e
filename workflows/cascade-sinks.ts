import { proxySinks, type Sinks } from '@temporalio/workflow';
import { type CascadeConfig } from '../core/config';
import { type CascadeTelemetry } from '../core/cascade-telemetry';

/**
 * How a cascade tells its worker that it finished, for the metrics and the one log line per
 * cascade. A sink, not an activity: it adds nothing to the history, and the SDK does not call it
 * while a workflow replays, so a cascade evicted from the cache and replayed is not counted again.
 * It runs once the workflow task that finished the cascade has been computed, before the worker
 * reports that task: a worker that dies in between loses the count with its process (its metrics
 * die with it), and the worker that retries the task counts it once.
 */
export interface CascadeSinks extends Sinks {
  cascadeTelemetry: {
    /**
     * `config` is the one the cascade ran under (the worker's may have changed since it started),
     * or the part of it a slim cascade recorded; `configHash` the hash the cascade recorded (of the
     * whole config), absent for cascades that recorded none.
     */
    finished(telemetry: CascadeTelemetry, config: CascadeConfig | undefined, configHash?: string): void;
  };
}

export const { cascadeTelemetry: cascadeTelemetrySink } = proxySinks<CascadeSinks>();
