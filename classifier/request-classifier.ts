import { classifyByRules, classifyWithLearnedModel, type InitialClassification } from '../core/cascade-plan';
import { type CascadeConfig } from '../core/config';
import { type CascadeRequest } from '../core/request';
import { learnedModelPath, sharedModels, type ModelCache } from './model-file';

/**
 * The classifier every part of llm-cascade uses: the worker (the `classifyRequest` local activity),
 * `cascade classify`, `cascade audit`, the what-if and the in-process benchmark. Precise rules and
 * the config's learned model (rules alone when `classifier.learnedModel` is false); each model file
 * is read once per process.
 */
export async function classifyForCascade(
  request: CascadeRequest,
  config: CascadeConfig,
  models: ModelCache = sharedModels,
): Promise<InitialClassification> {
  const file = learnedModelPath(config.classifier);
  if (request.taskType || file === undefined) return classifyByRules(request, config);
  return classifyWithLearnedModel(request, config, await models.load(file));
}
