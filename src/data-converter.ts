// Large payloads (a 1,000-group offset plan, its reset batches, the failover report) are gzip-compressed
// before they reach Temporal: offset tables compress ~10x, which keeps them far below the 2 MB per-payload
// limit and the history small. Payloads under the threshold stay plain JSON, so the Temporal UI shows them
// as usual. Every client and worker of kafka-dr must use this converter (the CLI, the worker, the tests).
// Decompression is capped (KDR_MAX_DECODED_PAYLOAD_BYTES, default 16 MiB): anyone who can send a signal can
// send a gzip payload, and 510 KB on the wire once decoded to 512 MB in the worker. A payload past the cap is
// not decoded; it is replaced by a small JSON object naming the refusal (REFUSED_PAYLOAD_KEY), which every
// input and signal check refuses like any invalid value: throwing here instead would fail the workflow task
// on every replay, with the payload in the history, and the run could never move again.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { formatBytes, REFUSED_PAYLOAD_KEY } from './config/bounds';

export const GZIP_ENCODING = 'binary/gzip';
export const MAX_DECODED_ENV = 'KDR_MAX_DECODED_PAYLOAD_BYTES';
/** Far above the largest payload kafka-dr writes (a 10,000-group plan is ~5 MB of JSON), far below the worker's heap. */
export const DEFAULT_MAX_DECODED_BYTES = 16 * 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The cap from the environment: a positive whole number of bytes, else the default (a bad value is not a reason to lift it). */
export function maxDecodedBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MAX_DECODED_ENV];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_DECODED_BYTES;
}

export class GzipLargePayloadCodec implements PayloadCodec {
  constructor(
    private readonly thresholdBytes = 128 * 1024,
    private readonly maxDecoded = maxDecodedBytes(),
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if ((p.data?.byteLength ?? 0) < this.thresholdBytes) return p;
      const whole = temporal.api.common.v1.Payload.encode(p).finish();
      return { metadata: { encoding: encoder.encode(GZIP_ENCODING) }, data: gzipSync(whole) };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.encoding ? decoder.decode(p.metadata.encoding) : undefined;
      if (encoding !== GZIP_ENCODING || !p.data) return p;
      let whole: Buffer;
      try {
        whole = gunzipSync(p.data, { maxOutputLength: this.maxDecoded });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return refused(
          code === 'ERR_BUFFER_TOO_LARGE'
            ? `refused: a gzip payload of ${p.data.byteLength} bytes decompresses to more than ${formatBytes(this.maxDecoded)} ` +
                `(${MAX_DECODED_ENV}); send the value uncompressed or smaller`
            : `refused: a payload marked ${GZIP_ENCODING} is not valid gzip (${code ?? (err as Error).message})`,
        );
      }
      try {
        return temporal.api.common.v1.Payload.decode(whole) as Payload;
      } catch {
        return refused(`refused: a ${GZIP_ENCODING} payload does not hold a Temporal payload`);
      }
    });
  }
}

function refused(message: string): Payload {
  return {
    metadata: { encoding: encoder.encode('json/plain') },
    data: encoder.encode(JSON.stringify({ [REFUSED_PAYLOAD_KEY]: message })),
  };
}

export const dataConverter: DataConverter = { payloadCodecs: [new GzipLargePayloadCodec()] };
