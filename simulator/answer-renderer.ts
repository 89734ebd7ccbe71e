import { excerpt, renderTemplate } from './answer-template';
import { type ChatRequest, lastUserText } from './chat-request';
import { renderInvalidJson } from './invalid-json';
import { buildFactsObject, buildSchemaInstance } from './json-schema-instance';
import { extractPromptFacts } from './prompt-facts';
import { type RouterbenchDataset } from './routerbench-dataset';
import { breakSchemaInstance } from './schema-violation';
import { type AnswerSpec, type FactMode } from './simulator-script';

/** What a replayed call cost when it was recorded, and the RouterBench sample it came from. */
export interface RecordedAnswer {
  costUsd: number;
  sampleId: string;
}

export type RenderedAnswer =
  | {
      kind: 'text';
      text: string;
      refusal: boolean;
      recorded: RecordedAnswer | null;
      /** Tool calls the answer makes; `arguments` is the JSON text the model writes. */
      toolCalls?: SimulatedToolCall[];
    }
  /** `code` marks errors each wire words its own way; for `model_not_found`, `message` is the model name. */
  | { kind: 'error'; status: number; message: string; retryAfterSeconds?: number; code?: 'model_not_found' };

/** A tool call the simulated model makes. */
export interface SimulatedToolCall {
  name: string;
  arguments: string;
}

export interface AnswerContext {
  request: ChatRequest;
  /** Varies plausible values between prompts and models; the same salt gives the same answer. */
  salt: string;
  loadDataset: () => Promise<RouterbenchDataset>;
}

/**
 * Turns an answer spec into the text of the answer (or a scripted error). Where the API itself
 * enforces JSON (OpenAI `response_format`, Anthropic `output_config.format`), plain-text answers
 * become JSON as the real service would make them: schema-valid when a schema is given, else
 * `{"answer": text}`. Answers that are deliberately wrong JSON stay wrong, because the script asked.
 */
export async function renderAnswer(spec: AnswerSpec, context: AnswerContext): Promise<RenderedAnswer> {
  const { request } = context;
  const asText = (text: string): RenderedAnswer => ({ kind: 'text', text, refusal: false, recorded: null });
  const asJson = (value: unknown, fenced = false): RenderedAnswer => {
    const json = JSON.stringify(value, null, 2);
    return asText(fenced ? `\`\`\`json\n${json}\n\`\`\`` : json);
  };
  const enforcedJson = request.json.kind !== 'none' && request.json.enforced;
  const plainAnswer = (text: string): unknown =>
    request.json.kind === 'schema' ? validInstance(context, 'use') : { answer: text };

  switch (spec.type) {
    case 'text': {
      const prompt = lastUserText(request);
      const text = renderTemplate(spec.text, {
        prompt,
        promptExcerpt: excerpt(prompt),
        system: request.system,
        model: request.model,
        provider: request.provider,
      }).repeat(spec.repeat);
      return enforcedJson ? asJson(plainAnswer(text)) : asText(text);
    }
    case 'json':
      return asJson(spec.value, spec.fenced);
    case 'schema_json':
      return asJson(validInstance(context, spec.facts), spec.fenced);
    case 'schema_violation': {
      const schema = request.json.kind === 'schema' ? request.json.schema : {};
      return asJson(breakSchemaInstance(schema, validInstance(context, 'use')));
    }
    case 'invalid_json':
      return asText(renderInvalidJson(validInstance(context, 'use'), spec.style));
    case 'empty':
      return asText('');
    case 'refusal':
      return { kind: 'text', text: spec.text, refusal: true, recorded: null };
    case 'replay': {
      let dataset: RouterbenchDataset;
      try {
        dataset = await context.loadDataset();
      } catch (error) {
        // Missing or broken data will not fix itself on a retry, so it is not a 5xx.
        return {
          kind: 'error',
          status: 400,
          message: `simulator replay: could not load the RouterBench data: ${(error as Error).message}`,
        };
      }
      const lookup = dataset.lookup(request.model, request.userTexts);
      if (!lookup.found) return { kind: 'error', status: 400, message: `simulator replay: ${lookup.reason}` };
      const recorded = { costUsd: lookup.answer.totalCostUsd, sampleId: lookup.row.sampleId };
      const text = lookup.answer.response;
      return {
        kind: 'text',
        text: enforcedJson ? JSON.stringify(plainAnswer(text), null, 2) : text,
        refusal: false,
        recorded,
      };
    }
    case 'tool_call': {
      const tool = request.tools.find((t) => t.name === (spec.name ?? request.tools[0]?.name));
      const name = spec.name ?? tool?.name ?? 'tool';
      const schema = tool?.parameters ?? { type: 'object' };
      const facts = extractPromptFacts(lastUserText(request));
      const valid = (): unknown => buildSchemaInstance(schema, { facts, factMode: 'use', salt: context.salt });
      const args =
        spec.arguments === 'valid'
          ? JSON.stringify(valid())
          : spec.arguments === 'schema_violation'
            ? JSON.stringify(breakSchemaInstance(schema, valid()))
            : spec.arguments === 'invalid_json'
              ? renderInvalidJson(valid(), 'truncated')
              : JSON.stringify(spec.arguments);
      return {
        kind: 'text',
        text: spec.text ?? '',
        refusal: false,
        recorded: null,
        toolCalls: [{ name, arguments: args }],
      };
    }
    case 'error':
      return {
        kind: 'error',
        status: spec.status,
        message: spec.message ?? `simulated error ${spec.status}`,
        ...(spec.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: spec.retryAfterSeconds }),
      };
  }
}

/** The JSON a capable model would give: valid for the schema, or the prompt's facts, or a short answer. */
function validInstance(context: AnswerContext, factMode: FactMode): unknown {
  const { request, salt } = context;
  const facts = extractPromptFacts(lastUserText(request));
  if (request.json.kind === 'schema') return buildSchemaInstance(request.json.schema, { facts, factMode, salt });
  if (facts.length > 0) return buildFactsObject(facts, factMode);
  return { answer: `A concise answer to: ${excerpt(lastUserText(request))}` };
}
