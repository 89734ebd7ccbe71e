import { type EvalReport } from '../../eval/eval-report';
import { evaluateConfigs } from '../../eval/evaluate-configs';
import { workflowBundleCode, type TestTemporal } from './temporal';

/** `cascade eval` on the first `rows` rows of each file, on the test server, keeping every row's outcome. */
export async function evaluateSlice(
  temporal: TestTemporal,
  configFiles: string[],
  dataFiles: string[],
  rows: number,
): Promise<EvalReport> {
  return evaluateConfigs({
    configFiles,
    dataFiles,
    limit: rows,
    concurrency: 20,
    temporal: {
      client: temporal.client,
      nativeConnection: temporal.nativeConnection,
      namespace: 'default',
      address: temporal.address,
      embedded: false,
    },
    workflowBundleCode: await workflowBundleCode(),
    includeRows: true,
  });
}
