import { type DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-payload-codec';
import { codecKeysFromEnv, type CodecKey } from './codec-keys';

/**
 * The data converter every client and worker of this project uses: payloads encrypted with
 * AES-256-GCM when keys are set (`LLM_CASCADE_CODEC_KEYS`, read when `keys` is not given), the SDK's
 * plain JSON when none are. Clients and workers must agree: a worker without the keys cannot read
 * what an encrypting client started, so set the variable on every process of a deployment.
 */
export function cascadeDataConverter(keys: readonly CodecKey[] = codecKeysFromEnv()): DataConverter {
  return keys.length > 0 ? { payloadCodecs: [new AesGcmPayloadCodec(keys)] } : {};
}
