// POP RPC signature v1 (HMAC-SHA1), byte for byte what @alicloud/pop-core 1.8.0 computes (lib/rpc.js).
// Shared by the emulator (to verify requests) and the unit tests (to pin the algorithm).
import { createHmac } from 'node:crypto';

/** RFC 3986 percent-encoding as pop-core does it: encodeURIComponent plus ! ' ( ) *. */
export function popEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

/** Sorted (code-unit order, on the raw keys), encoded `k=v` pairs joined with `&`; `Signature` is excluded. */
export function canonicalizedQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${popEncode(key)}=${popEncode(params[key])}`)
    .join('&');
}

export function stringToSign(method: string, params: Record<string, string>): string {
  return `${method.toUpperCase()}&${popEncode('/')}&${popEncode(canonicalizedQuery(params))}`;
}

export function signRpc(method: string, params: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign(method, params)).digest('base64');
}
