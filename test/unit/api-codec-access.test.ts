import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CODEC_CORS_ORIGINS_ENV,
  CODEC_SESSION_MS,
  codecCorsOriginsFromEnv,
  cookieValue,
  createCodecAccess,
  DEFAULT_CODEC_CORS_ORIGINS,
  OPERATOR_KEYS_ENV,
  operatorKeysFromEnv,
} from '../../api/codec-access';
import { ConfigError } from '../../core/config';

const OPERATOR = 'operator-key-0123456789abcdef';

describe('codec server access', () => {
  it('reads operator keys, refusing short ones and ones with spaces by position only', () => {
    assert.deepEqual(operatorKeysFromEnv({ [OPERATOR_KEYS_ENV]: ` ${OPERATOR} ,` }), [OPERATOR]);
    assert.deepEqual(operatorKeysFromEnv({}), []);
    assert.throws(
      () => operatorKeysFromEnv({ [OPERATOR_KEYS_ENV]: `${OPERATOR},short,has space inside-long-enough` }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((p) => /key 2 is shorter than 16/.test(p)) &&
        error.problems.some((p) => /key 3 contains whitespace/.test(p)) &&
        !error.message.includes(OPERATOR),
    );
  });

  it('accepts only exact origins', () => {
    assert.deepEqual(codecCorsOriginsFromEnv({}), DEFAULT_CODEC_CORS_ORIGINS);
    assert.deepEqual(codecCorsOriginsFromEnv({ [CODEC_CORS_ORIGINS_ENV]: 'https://ui.example.com' }), [
      'https://ui.example.com',
    ]);
    for (const bad of ['https://ui.example.com/', 'ui.example.com', 'ftp://x', 'https://ui.example.com/path', '*']) {
      assert.throws(() => codecCorsOriginsFromEnv({ [CODEC_CORS_ORIGINS_ENV]: bad }), /is not an origin/, bad);
    }
  });

  it('lets operator keys in, and nothing else', () => {
    const access = createCodecAccess([OPERATOR]);
    assert.equal(access.isOperatorKey(`Bearer ${OPERATOR}`), true);
    assert.equal(access.isOperatorKey(`bearer ${OPERATOR}  `), true);
    assert.equal(access.isOperatorKey(`Bearer ${OPERATOR}x`), false);
    assert.equal(access.isOperatorKey(OPERATOR), false);
    assert.equal(access.isOperatorKey(undefined), false);
    assert.equal(createCodecAccess([]).open, false);
    assert.equal(createCodecAccess([]).isOperatorKey(`Bearer ${OPERATOR}`), false);
  });

  it('issues sessions that expire and that other key sets do not accept', () => {
    const access = createCodecAccess([OPERATOR]);
    const now = 1_800_000_000_000;
    const token = access.issueSession(now);
    assert.ok(!token.includes(OPERATOR));
    assert.equal(access.isValidSession(token, now + 1000), true);
    assert.equal(access.isValidSession(token, now + CODEC_SESSION_MS + 1), false, 'expired');
    const [expires, mac] = token.split('.');
    assert.equal(access.isValidSession(`${Number(expires) + 1000}.${mac}`, now), false, 'extended by hand');
    assert.equal(createCodecAccess(['another-operator-key-000']).isValidSession(token, now), false);
    assert.equal(createCodecAccess([]).isValidSession(token, now), false);
    assert.equal(access.isValidSession('garbage', now), false);
  });

  it('reads one cookie out of a Cookie header', () => {
    assert.equal(cookieValue('a=1; llm_cascade_codec=tok.en; b=2', 'llm_cascade_codec'), 'tok.en');
    assert.equal(cookieValue('xllm_cascade_codec=1', 'llm_cascade_codec'), undefined);
    assert.equal(cookieValue(undefined, 'llm_cascade_codec'), undefined);
  });
});
