import { type TelemetryOptions } from '@temporalio/worker';
import { freePort } from '../lib/dev-server';

/**
 * The Temporal SDK's own metrics, which its native runtime serves on an HTTP port of its own. A
 * process binds that port on loopback and re-serves the text on its single metrics endpoint (the
 * API's `/metrics`, or the worker's metrics port), so one scrape returns both the SDK's series
 * (`temporal_*`) and the cascade's (`llm_cascade_*`, prom-client).
 */
export interface SdkMetricsSource {
  /** For `installTemporalLogging({ sdkMetricsBindAddress })`. */
  bindAddress: string;
  /** The SDK's current exposition text. */
  read(): Promise<string>;
}

/** Picks a free loopback port for the SDK's exporter; install the runtime with `bindAddress` next. */
export async function sdkMetricsSource(): Promise<SdkMetricsSource> {
  const bindAddress = `127.0.0.1:${await freePort()}`;
  return {
    bindAddress,
    async read() {
      const response = await fetch(`http://${bindAddress}/metrics`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`the Temporal SDK's metrics answered ${response.status}`);
      return response.text();
    },
  };
}

/**
 * One exposition document: the process's registry, then the SDK's series. Both are Prometheus text
 * format with disjoint metric names, so concatenating them keeps it valid; an SDK that cannot be
 * read costs its series for this scrape, not the cascade's.
 */
export async function combinedMetricsText(registryText: string, sdk: SdkMetricsSource | undefined): Promise<string> {
  if (!sdk) return registryText;
  let sdkText: string;
  try {
    sdkText = await sdk.read();
  } catch (error) {
    return `${registryText}\n# The Temporal SDK's metrics could not be read: ${(error as Error).message.split('\n')[0]}\n`;
  }
  return `${registryText.trimEnd()}\n${sdkText}`;
}

/** The runtime's telemetry options that serve the SDK's metrics at `bindAddress`, named the Prometheus way. */
export function sdkMetricsTelemetry(bindAddress: string): TelemetryOptions {
  return {
    metrics: {
      prometheus: {
        bindAddress,
        // `_total` counters, durations in seconds with the unit in the name.
        countersTotalSuffix: true,
        unitSuffix: true,
        useSecondsForDurations: true,
      },
    },
  };
}
