// Sends one request signed with V3 (ACS3-HMAC-SHA256) the way the official SDKs do (alibabacloud-tea-openapi
// do_request): RPC parameters in the query, POST, Action and Version in x-acs-* headers, every header signed.
// The signer is stack/emulator/acs3.ts, pinned to the Python SDK's output by test/stack/emulator/acs3.test.ts.
import { randomUUID } from 'node:crypto';
import { local } from '../../../stack/local-stack';
import { canonicalRequest, sha256Hex, signV3 } from '../../../stack/emulator/acs3';

export interface V3Call {
  action: string;
  version: string;
  query?: Record<string, string>;
  /** A form body (the SDK's formData); empty by default, as for every RPC call that puts its parameters in the query. */
  body?: Record<string, string>;
  keyId?: string;
  secret?: string;
  date?: Date;
  nonce?: string;
  /** Path on the emulator: '/' as the SDK sends it; /<product>/<region> routes EventBridge to a region. */
  path?: string;
  /** Change the request after signing (to prove the signature covers it). */
  tamper?: (r: { query: Record<string, string>; body: string; headers: Record<string, string> }) => void;
}

export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function sendV3(
  baseUrl: string,
  call: V3Call,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const query = { ...(call.query ?? {}) };
  let body = call.body ? new URLSearchParams(call.body).toString() : '';
  const u = new URL(call.path ?? '/', baseUrl);
  const headers: Record<string, string> = {
    host: u.host,
    'x-acs-action': call.action,
    'x-acs-version': call.version,
    'x-acs-date': isoSeconds(call.date ?? new Date()),
    'x-acs-signature-nonce': call.nonce ?? randomUUID().replace(/-/g, ''),
    'user-agent': 'kdr-test AlibabaCloud-like/1',
    accept: 'application/json',
    'x-acs-content-sha256': sha256Hex(body),
  };
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  const signed = Object.keys(headers).sort();
  const distinct = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  const canonical = canonicalRequest(
    { method: 'POST', canonicalUri: '/', query, headers: distinct, body: Buffer.from(body) },
    signed,
    headers['x-acs-content-sha256'],
  );
  const signature = signV3(call.secret ?? local.accessKeySecret, canonical);
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${call.keyId ?? local.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}`;
  if (call.tamper) {
    const r = { query, body, headers };
    call.tamper(r);
    body = r.body;
  }
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  const { host: _host, ...sent } = headers;
  const res = await fetch(u, { method: 'POST', headers: sent, body: body || undefined });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
