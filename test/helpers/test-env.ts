/** Environment variables through which `test/run.ts` hands its shared setup to every test file. */
export const TEST_ENV = {
  temporalAddress: 'LLM_CASCADE_TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'LLM_CASCADE_TEST_WORKFLOW_BUNDLE',
  temporalCli: 'LLM_CASCADE_TEST_TEMPORAL_CLI',
} as const;
