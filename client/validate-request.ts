import { type CascadeConfig } from '../core/config';
import { jsonSchemaProblems } from '../core/json-schema';
import { parseRequest, RequestValidationError, type CascadeRequest } from '../core/request';

/**
 * Validates untrusted input into a request without a server: the request schema, the validity of
 * its JSON Schema, and (with a config) that its `taskType` names a route. Throws
 * `RequestValidationError` naming each bad field. `CascadeClient.validate` and `submit` use it;
 * it imports nothing of Temporal, so offline tools can use it cheaply.
 */
export function validateRequest(input: unknown, config?: CascadeConfig): CascadeRequest {
  const request = parseRequest(input);
  const problems: string[] = [];
  if (request.schema !== undefined)
    problems.push(...jsonSchemaProblems(request.schema).map((p) => `schema: invalid JSON Schema: ${p}`));
  if (request.taskType && config && !config.routes[request.taskType]) {
    problems.push(`taskType: unknown route "${request.taskType}" (routes: ${Object.keys(config.routes).join(', ')})`);
  }
  if (problems.length > 0) throw new RequestValidationError(problems);
  return request;
}
