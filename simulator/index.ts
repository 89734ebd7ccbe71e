/** The simulated providers' public API; see `start-simulator.ts` to begin. */
export {
  startSimulator,
  type SimulatorEndpoint,
  type SimulatorHandle,
  type StartSimulatorOptions,
} from './start-simulator';
export { SimulatorAdminClient, SimulatorAdminError } from './simulator-admin-client';
export { CallFilter, CallLog, CallRecord, CallState } from './call-log';
export { FaultInjector } from './fault-injector';
export { ActiveFault, FaultEffect, FaultSpec, type FaultSpecInput } from './fault-spec';
export {
  AnswerSpec,
  LatencySpec,
  ModelBehaviour,
  type ModelBehaviourInput,
  PromptCondition,
  ScriptRule,
  type ScriptRuleInput,
  SimulatorScript,
  type SimulatorScriptInput,
} from './simulator-script';
export { loadSimulatorScript, SimulatorScriptError } from './load-simulator-script';
export { demoScript } from './demo-script';
export { JSON_SCHEMA_INSTRUCTION } from './prompt-json-request';
export { RECORDED_COST_HEADER, SAMPLE_ID_HEADER, type SimulatorExtension } from './provider-wire';
export {
  isRouterbenchModel,
  ROUTERBENCH_MODELS,
  routerbenchCellText,
  RouterbenchDataset,
  RouterbenchDataError,
  type RouterbenchModel,
  type RouterbenchRow,
  routerbenchTrainFiles,
} from './routerbench-dataset';
export { parsePythonStringList, parsePythonStringLiteral, PythonLiteralSyntaxError } from './python-string-literal';
export { resolveSharedDataDir } from '../lib/shared-data-dir';
export { AnthropicErrorBody, AnthropicMessage, AnthropicMessagesRequest } from './anthropic-wire';
export { OpenaiChatCompletion, OpenaiChatRequest, OpenaiErrorBody } from './openai-wire';
