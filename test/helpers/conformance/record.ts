// What kafka-dr's cloud layer actually sends: its real clients over a PopRpc whose pop-core client is replaced by a
// recorder (nothing leaves the process). Each call keeps the action, the parameters as the client gave them (before
// pop-core's encoding) and the response schema it parses the answer with; the recorder answers with a minimal
// value that schema accepts.
import type { z } from 'zod';
import {
  AlidnsClient,
  AlikafkaClient,
  EventBridgeClient,
  JsonParam,
  PopRpc,
  API_VERSIONS,
  type CloudProduct,
} from '../../../src/cloud';
import { sampleOf } from './zod-fields';

export interface RecordedCall {
  product: CloudProduct;
  region?: string;
  action: string;
  params: Record<string, unknown>;
  schema: z.ZodType;
}

export interface Recorder {
  calls: RecordedCall[];
  alikafka(region: string): AlikafkaClient;
  alidns(): AlidnsClient;
  eventbridge(region: string): EventBridgeClient;
}

export function recorder(): Recorder {
  const calls: RecordedCall[] = [];
  const rpc = (product: CloudProduct, region?: string): PopRpc => {
    const r = new PopRpc({
      product,
      endpoint: 'http://127.0.0.1:9',
      apiVersion: API_VERSIONS[product],
      timeoutMs: 1000,
      credentials: { accessKeyId: 'LTAI-recorder', accessKeySecret: 'recorder-only' },
    });
    let schema: z.ZodType | undefined;
    const call = r.call.bind(r);
    r.call = (async (action: string, params: Record<string, unknown>, s: z.ZodType) => {
      schema = s;
      calls.push({ product, region, action, params, schema: s });
      return call(action, params, s);
    }) as PopRpc['call'];
    (r as unknown as { client: { request: (a: string) => Promise<unknown> } }).client = {
      request: async (action: string) => {
        const answer = sampleOf(schema as z.ZodType) as Record<string, unknown>;
        // The last page: pagination loops stop.
        if (action === 'ListEventStreamings') (answer.Data as Record<string, unknown>).NextToken = '';
        return answer;
      },
    };
    return r;
  };
  return {
    calls,
    alikafka: (region) => new AlikafkaClient(rpc('alikafka', region), region),
    alidns: () => new AlidnsClient(rpc('alidns')),
    eventbridge: (region) => new EventBridgeClient(rpc('eventbridge', region), region),
  };
}

/** A parameter value as JSON data: a JsonParam's value, bigints as strings (what pop-core would send). */
export function plainValue(v: unknown): unknown {
  if (v instanceof JsonParam) return plainValue(v.value);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined && x !== null)
        .map(([k, x]) => [k, plainValue(x)]),
    );
  return v;
}

export function plainParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, plainValue(v)]),
  );
}
