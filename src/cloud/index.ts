// Entry point of the cloud layer: a factory so activities get their clients injected.
import { AlikafkaClient } from './alikafka';
import { AlidnsClient } from './alidns';
import { EventBridgeClient } from './eventbridge';
import { API_VERSIONS, endpointFor, loadCredentials, timeoutFrom, type Env } from './config';
import { PopRpc } from './rpc';
import type { CloudProduct } from './errors';

export interface CloudClients {
  alikafka(region: string): AlikafkaClient;
  alidns(): AlidnsClient;
  eventbridge(region: string): EventBridgeClient;
}

/** Reads credentials, endpoints and timeout from `env` once; clients are created per call (cheap, no I/O). */
export function createCloudClients(env: Env = process.env): CloudClients {
  const credentials = loadCredentials(env);
  const timeoutMs = timeoutFrom(env);
  const rpc = (product: CloudProduct, region?: string) =>
    new PopRpc({
      product,
      endpoint: endpointFor(product, region, env),
      apiVersion: API_VERSIONS[product],
      credentials,
      timeoutMs,
    });
  return {
    alikafka: (region) => new AlikafkaClient(rpc('alikafka', region), region),
    alidns: () => new AlidnsClient(rpc('alidns')),
    eventbridge: (region) => new EventBridgeClient(rpc('eventbridge', region), region),
  };
}

export * from './errors';
export * from './config';
export { PopRpc, asJson, JsonParam, toPopParams, normalizeJson } from './rpc';
export * from './alikafka';
export * from './alidns';
export * from './eventbridge';
export { signRpc, stringToSign, canonicalizedQuery, popEncode } from './signature';
export * from './names';
