/**
 * Writes the HTTP API's OpenAPI document to `dist/openapi.json` (run by `npm run build` from the
 * compiled `dist/api/`), so the package ships it as `llm-cascade/openapi.json`: a service in
 * another language generates its client from it without running the API.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageVersion, PROJECT_ROOT } from '../lib/project-root';
import { buildOpenApiDocument } from './openapi-document';

const file = path.join(__dirname, '..', 'openapi.json');
// Deployments are meant to set LLM_CASCADE_API_KEYS, so the shipped document asks for the bearer key.
const document = buildOpenApiDocument({ version: packageVersion(), authRequired: true });
writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, file)}\n`);
