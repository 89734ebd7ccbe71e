/** Environment variables through which `test/run.ts` hands its shared setup to every test file. */
export const TEST_ENV = {
  temporalAddress: 'LLM_CASCADE_TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'LLM_CASCADE_TEST_WORKFLOW_BUNDLE',
  temporalCli: 'LLM_CASCADE_TEST_TEMPORAL_CLI',
  /** The run's server's own Prometheus metrics (the dev server's `--metrics-port`). */
  temporalMetricsUrl: 'LLM_CASCADE_TEST_TEMPORAL_METRICS_URL',
  /** The consumer project with the packed package installed (only when `test/installed/` runs). */
  installedPackage: 'LLM_CASCADE_TEST_INSTALLED_PACKAGE',
  packedTarball: 'LLM_CASCADE_TEST_PACKED_TARBALL',
} as const;
