// Large payloads (a 1,000-group offset plan, its reset batches, the failover report) are gzip-compressed
// before they reach Temporal: offset tables compress ~10x, which keeps them far below the 2 MB per-payload
// limit and the history small. Payloads under the threshold stay plain JSON, so the Temporal UI shows them
// as usual. Every client and worker of kafka-dr must use this converter (the CLI, the worker, the tests).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const GZIP_ENCODING = 'binary/gzip';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class GzipLargePayloadCodec implements PayloadCodec {
  constructor(private readonly thresholdBytes = 128 * 1024) {}

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
      return temporal.api.common.v1.Payload.decode(gunzipSync(p.data)) as Payload;
    });
  }
}

export const dataConverter: DataConverter = { payloadCodecs: [new GzipLargePayloadCodec()] };
