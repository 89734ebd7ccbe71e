import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from '../../core/redact-secrets';
import { ProviderErrorType } from '../../core/provider-errors';
import { ProviderError } from '../../providers/provider-error';

describe('redactSecrets', () => {
  const cases: [string, string][] = [
    [
      'invalid x-api-key sk-ant-api03-abcdEFGH1234567890xyz for org-AbCdEf1234567890 from 10.12.34.56:8443',
      'invalid x-api-key [redacted key] for [redacted org id] from [redacted internal address]',
    ],
    ['Incorrect API key provided: sk-proj-...abcd.', 'Incorrect API key provided: [redacted key]'],
    ['Authorization: Bearer abcdef0123456789abcdef', 'Authorization: Bearer [redacted token]'],
    ['api_key="hunter2hunter2" rejected', 'api_key="[redacted key]" rejected'],
    [
      'upstream 192.168.1.20, 172.20.0.3:5000, [fd00::1]:80, 169.254.169.254 and 100.64.1.2',
      'upstream [redacted internal address], [redacted internal address], [redacted internal address], [redacted internal address] and [redacted internal address]',
    ],
    ['sig 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 bad', 'sig [redacted secret] bad'],
    ['token dGhpcyBpcyBhIHNlY3JldCB0b2tlbiB0aGF0IGlzIGxvbmcgZW5vdWdo123 here', 'token [redacted secret] here'],
    [
      'organization 3f2504e0-4f89-11d3-9a0c-0305e82c3301 and project proj_AbC123dEf',
      'organization [redacted org id] and project [redacted org id]',
    ],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N', 'jwt [redacted token]'],
    ['AKIAIOSFODNN7EXAMPLE leaked', '[redacted key] leaked'],
  ];
  for (const [input, expected] of cases) {
    it(`redacts: ${input.slice(0, 50)}`, () => assert.equal(redactSecrets(input), expected));
  }

  it('keeps what is not secret: ordinary messages, public addresses, ids and numbers', () => {
    for (const text of [
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
      'Overloaded; try 8.8.8.8 or api.anthropic.com at 2026-01-01T00:00:00Z',
      'model: claude-haiku-4-5 not found; request req_011CTx (risk-assessment, task-12)',
      'cascade 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed',
    ])
      assert.equal(redactSecrets(text), text);
  });
});

describe('ProviderError.publicMessage', () => {
  it('names the provider, status and kind, never the provider message', () => {
    const error = new ProviderError(ProviderErrorType.auth, 'anthropic 401: invalid x-api-key sk-ant-xyz123', {
      provider: 'anthropic',
      modelId: 'claude',
      status: 401,
    });
    assert.equal(
      error.publicMessage,
      "anthropic answered HTTP 401 (auth); the provider's message is in the worker log",
    );
    const transport = new ProviderError(ProviderErrorType.connection, 'connect ECONNREFUSED 10.0.0.5:443', {
      provider: 'openai',
      modelId: 'gpt',
    });
    assert.equal(transport.publicMessage, 'openai call failed (connection)');
  });
});
