import { ConfigError } from '../core/config';

/** The environment variable holding the payload encryption keys: `kid:base64key[,kid:base64key...]`. */
export const CODEC_KEYS_ENV = 'LLM_CASCADE_CODEC_KEYS';

/** One AES-256 key and the id recorded beside every payload it encrypts. */
export interface CodecKey {
  id: string;
  key: Buffer;
}

/** Key ids travel in payload metadata and in error messages: short, printable, no separators. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_BYTES = 32;

/**
 * Parses `kid:base64key,...`: the first key encrypts, every key decrypts, so a rotation puts the
 * new key first and keeps the old ones until no history needs them. Each key must be 32 bytes
 * (AES-256) in standard base64 (`openssl rand -base64 32`); ids unique. Problems name the entry's
 * position and id, never any key material. Blank entries are ignored; an empty value means no keys.
 */
export function parseCodecKeys(raw: string, source: string = CODEC_KEYS_ENV): CodecKey[] {
  const problems: string[] = [];
  const keys: CodecKey[] = [];
  const seen = new Set<string>();
  raw.split(',').forEach((entry, index) => {
    const trimmed = entry.trim();
    if (trimmed === '') return;
    const where = `${source}: entry ${index + 1}`;
    const colon = trimmed.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} is not "<key id>:<base64 key>"`);
      return;
    }
    const id = trimmed.slice(0, colon);
    const material = trimmed.slice(colon + 1);
    if (!KEY_ID.test(id)) {
      problems.push(`${where}: the key id must be 1-64 of A-Z a-z 0-9 . _ -`);
      return;
    }
    if (seen.has(id)) {
      problems.push(`${where}: key id "${id}" appears twice`);
      return;
    }
    seen.add(id);
    if (!BASE64.test(material)) {
      problems.push(`${where} (key id "${id}"): the key is not standard base64`);
      return;
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== KEY_BYTES) {
      problems.push(
        `${where} (key id "${id}"): the key is ${key.length} bytes, AES-256 needs ${KEY_BYTES} (openssl rand -base64 32)`,
      );
      return;
    }
    keys.push({ id, key });
  });
  if (problems.length > 0) throw new ConfigError(problems, 'environment');
  return keys;
}

/** The keys from `LLM_CASCADE_CODEC_KEYS`; none (encryption off) when it is unset or blank. */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKey[] {
  return parseCodecKeys(env[CODEC_KEYS_ENV] ?? '');
}
