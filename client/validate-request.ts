import { pinnedTier, tierModels } from '../core/cascade-plan';
import { type CascadeConfig } from '../core/config';
import { jsonSchemaProblems } from '../core/json-schema';
import { promptSizeProblem } from '../core/prompt';
import { requestParamProblems } from '../providers/provider-table';
import { parseRequest, RequestTooLargeError, RequestValidationError, type CascadeRequest } from '../core/request';

/**
 * Validates untrusted input into a request without a server: the request schema, the validity of
 * its JSON Schema, (with a config) that its `taskType` names a route and its `model` a tier's
 * model, and that its model calls' prompts fit in a Temporal payload. Throws
 * `RequestValidationError` naming each bad field (`RequestTooLargeError` for the size).
 * `CascadeClient.validate` and `submit` use it; it imports nothing of Temporal, so offline tools
 * can use it cheaply.
 */
export function validateRequest(input: unknown, config?: CascadeConfig): CascadeRequest {
  const request = parseRequest(input);
  const problems: string[] = [];
  if (request.schema !== undefined)
    problems.push(...jsonSchemaProblems(request.schema).map((p) => `schema: invalid JSON Schema: ${p}`));
  // Own keys only: `constructor` or `toString` must not pass as routes through the object's prototype.
  if (request.taskType && config && !Object.hasOwn(config.routes, request.taskType)) {
    problems.push(`taskType: unknown route "${request.taskType}" (routes: ${Object.keys(config.routes).join(', ')})`);
  }
  request.tools?.forEach((tool, i) => {
    if (tool.parameters !== undefined)
      problems.push(
        ...jsonSchemaProblems(tool.parameters).map((p) => `tools[${i}].parameters: invalid JSON Schema: ${p}`),
      );
  });
  if (request.model !== undefined && config && !pinnedTier(config, request.model))
    problems.push(
      `model: no tier has the model "${request.model}" (models on the tiers: ${tierModels(config).join(', ')})`,
    );
  if (config) problems.push(...requestParamProblems(request, config));
  if (problems.length > 0) throw new RequestValidationError(problems);
  const tooLarge = promptSizeProblem(request, config ? Object.values(config.routes) : []);
  if (tooLarge) throw new RequestTooLargeError([tooLarge]);
  return request;
}
