import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
} from '../../client/aes-gcm-payload-codec';
import { cascadeDataConverter } from '../../client/cascade-data-converter';
import { CODEC_KEYS_ENV, codecKeysFromEnv, parseCodecKeys } from '../../client/codec-keys';
import { ConfigError } from '../../core/config';

const keyText = () => randomBytes(32).toString('base64');
const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

function problemsOf(raw: string): string[] {
  try {
    parseCodecKeys(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail(`"${raw}" was accepted`);
}

describe('parseCodecKeys', () => {
  it('reads key ids and 32-byte keys, first one first', () => {
    const [a, b] = [keyText(), keyText()];
    const keys = parseCodecKeys(` new:${a} , old:${b},`);
    assert.deepEqual(
      keys.map((key) => key.id),
      ['new', 'old'],
    );
    assert.deepEqual(keys[0]!.key, Buffer.from(a, 'base64'));
    assert.equal(keys[1]!.key.length, 32);
  });

  it('means no keys when unset or blank', () => {
    assert.deepEqual(codecKeysFromEnv({}), []);
    assert.deepEqual(codecKeysFromEnv({ [CODEC_KEYS_ENV]: ' ' }), []);
  });

  it('names each bad entry by position and id, and never prints key material', () => {
    const short = randomBytes(16).toString('base64');
    const good = keyText();
    const problems = problemsOf(`a:${short},${good},bad id:${good},a:${good},c:not*base64!,d:${good}`);
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems[0]!, /entry 1 \(key id "a"\): the key is 16 bytes, AES-256 needs 32/);
    assert.match(problems[1]!, /entry 2 is not "<key id>:<base64 key>"/);
    assert.match(problems[2]!, /entry 3: the key id must be/);
    assert.match(problems[3]!, /entry 4: key id "a" appears twice/);
    assert.match(problems[4]!, /entry 5 \(key id "c"\): the key is not standard base64/);
    const all = problems.join('\n');
    for (const secret of [short, good, 'not*base64!']) assert.ok(!all.includes(secret), 'no key material in errors');
  });
});

describe('AesGcmPayloadCodec', () => {
  const plain = defaultPayloadConverter.toPayload({ prompt: 'the secret prompt' });

  it('encrypts payloads so nothing of them shows, and decrypts them back', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(`k1:${keyText()}`));
    const [sealed] = await codec.encode([plain]);
    assert.equal(utf8(sealed!.metadata!.encoding), ENCRYPTED_ENCODING);
    assert.equal(utf8(sealed!.metadata![KEY_ID_METADATA]), 'k1');
    assert.deepEqual(Object.keys(sealed!.metadata!).sort(), ['encoding', KEY_ID_METADATA].sort());
    assert.ok(!Buffer.from(sealed!.data!).includes('secret prompt'));
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { prompt: 'the secret prompt' });
    // A fresh IV each time: the same payload never encrypts to the same bytes.
    const [again] = await codec.encode([plain]);
    assert.notDeepEqual(Buffer.from(again!.data!), Buffer.from(sealed!.data!));
  });

  it('passes unencrypted payloads (histories from before encryption) through decode', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(`k1:${keyText()}`));
    const [same] = await codec.decode([plain]);
    assert.deepEqual(same, plain);
  });

  it('rotates: the new first key encrypts, the old one still decrypts', async () => {
    const [oldKey, newKey] = [keyText(), keyText()];
    const before = new AesGcmPayloadCodec(parseCodecKeys(`old:${oldKey}`));
    const after = new AesGcmPayloadCodec(parseCodecKeys(`new:${newKey},old:${oldKey}`));
    const [sealedBefore] = await before.encode([plain]);
    const [opened] = await after.decode([sealedBefore!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { prompt: 'the secret prompt' });
    const [sealedAfter] = await after.encode([plain]);
    assert.equal(utf8(sealedAfter!.metadata![KEY_ID_METADATA]), 'new');
    await assert.rejects(before.decode([sealedAfter!]), /key id "new", which is not among the configured keys \(old\)/);
  });

  it('refuses altered bytes, a swapped key id and a wrong key', async () => {
    const keys = parseCodecKeys(`a:${keyText()},b:${keyText()}`);
    const codec = new AesGcmPayloadCodec(keys);
    const [sealed] = await codec.encode([plain]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...sealed!, data: flipped }]), PayloadDecryptionError);
    const relabelled: Payload = { ...sealed!, metadata: { ...sealed!.metadata!, [KEY_ID_METADATA]: Buffer.from('b') } };
    await assert.rejects(codec.decode([relabelled]), /key id "b" does not decrypt/);
    const impostor = new AesGcmPayloadCodec(parseCodecKeys(`a:${keyText()}`));
    await assert.rejects(impostor.decode([sealed!]), /does not decrypt: wrong key or altered bytes/);
  });

  it('is off without keys: the data converter has no codec', () => {
    assert.deepEqual(cascadeDataConverter([]), {});
    assert.equal(cascadeDataConverter(parseCodecKeys(`a:${keyText()}`)).payloadCodecs?.length, 1);
  });
});
