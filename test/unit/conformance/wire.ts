// The bytes on the wire: a loopback HTTP server that records each request's business parameters (query string and
// form body merged, the protocol's own parameters left out) and answers a fixed JSON body. kafka-dr's PopRpc (pop-core)
// and the official SDK client are each pointed at it with the same calls, and their parameters compared.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';

export interface CapturedRequest {
  path: string;
  params: Record<string, string>;
}

/** The RPC protocol's own parameters (signature v1 and common ones): not part of an action's contract. */
const PROTOCOL = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'SecurityToken',
]);

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

/** `answer` is sent for every request (enough fields for placeholders such as RecordId to resolve). */
export async function captureServer(answer: Record<string, unknown>): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params: Record<string, string> = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
      }
      for (const k of Object.keys(params)) if (PROTOCOL.has(k)) delete params[k];
      requests.push({ path: url.pathname, params });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Two wire values mean the same: equal, booleans in any case (Python sends True), or equal JSON objects/lists. */
export function sameWireValue(a: string, b: string): boolean {
  if (a === b) return true;
  if (/^(true|false)$/i.test(a) && a.toLowerCase() === b.toLowerCase()) return true;
  if (!/^[[{]/.test(a) || !/^[[{]/.test(b)) return false;
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return false;
  }
}

/** How kafka-dr's wire parameters differ from the official client's for one call. */
export function wireDifferences(mine: Record<string, string>, official: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(mine)) {
    if (!(k in official)) out.push(`kafka-dr sends ${k}=${v}, the official client does not send ${k}`);
    else if (!sameWireValue(v, official[k])) out.push(`${k}: kafka-dr sends ${v}, the official client ${official[k]}`);
  }
  for (const k of Object.keys(official)) {
    // The generated from_map starts every list field as [] (UpdateConsumerOffset Offsets, CreateEventStreaming
    // Transforms), so a request built from a map sends `[]` for a list nobody set: an artefact of how the oracle is
    // driven, not something the API needs.
    if (!(k in mine) && official[k] !== '[]')
      out.push(`the official client sends ${k}=${official[k]}, kafka-dr does not`);
  }
  return out;
}
