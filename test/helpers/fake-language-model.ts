/**
 * A provider adapter for tests of the provider table: what adding a provider type takes is this
 * file and one table entry. It answers by echoing the last message, prefixed with its model name.
 */
import { type GenerateRequest, type GenerateResult, type LanguageModel } from '../../providers/language-model';

export class FakeLanguageModel implements LanguageModel {
  constructor(
    readonly provider: string,
    readonly modelId: string,
    private readonly apiKey: string | undefined,
  ) {}

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const last = request.messages[request.messages.length - 1]?.content ?? '';
    return {
      text: `${this.modelId} (${this.apiKey ? 'with' : 'without'} a key): ${last}`,
      usage: { inputTokens: last.length, cachedInputTokens: 0, outputTokens: 3 },
      finishReason: 'stop',
      responseModel: this.modelId,
      responseId: 'fake-1',
    };
  }
}
