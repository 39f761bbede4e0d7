// The POP RPC protocol as the gateway speaks it: parameter parsing (query or form body), signature v1 checks,
// and the response envelopes.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { signRpc } from '../../src/cloud/signature';

export type Product = 'alikafka' | 'alidns' | 'eventbridge';

export const VERSION_PRODUCT: Record<string, Product> = {
  '2019-09-16': 'alikafka',
  '2015-01-09': 'alidns',
  '2020-04-01': 'eventbridge',
};

/** An error answer: the handler throws it, the server renders the envelope with this HTTP status. */
export class PopError extends Error {
  override name = 'PopError';
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

export const newRequestId = (): string => randomUUID().toUpperCase();

/** A required request parameter, or MissingParameter as the real gateway answers. */
export function need(p: Record<string, string>, name: string): string {
  const v = p[name];
  if (v === undefined || v === '') throw new PopError('MissingParameter', `${name} is mandatory for this action.`);
  return v;
}

/** An optional integer parameter within bounds, or InvalidParameter. */
export function intParam(p: Record<string, string>, name: string, def: number, min: number, max: number): number {
  const raw = p[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new PopError('InvalidParameter', `${name}=${raw} must be an integer between ${min} and ${max}.`);
  return n;
}

/**
 * An optional boolean parameter. The official SDKs send Python's `True`/`False`, pop-core sends `true`/`false`:
 * every case form is one boolean; anything else is refused, naming the parameter (never read as false).
 */
export function boolParam(p: Record<string, string>, name: string, def: boolean): boolean {
  const raw = p[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new PopError(
    'InvalidParameter',
    `The specified parameter ${name} is not valid: "${raw}" is not a boolean (true or false).`,
  );
}

export interface PopRequest {
  method: string;
  params: Record<string, string>;
  product: Product;
  action: string;
  /** Region from the endpoint path (/alikafka/<region>, /eventbridge/<region>), if any. */
  pathRegion?: string;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface AuthConfig {
  accessKeys: Record<string, string>;
}

/** Replay protection: nonces are remembered for as long as their timestamp would be accepted. */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  use(nonce: string, now: number): boolean {
    for (const [n, at] of this.seen) {
      if (now - at > 2 * MAX_CLOCK_SKEW_MS) this.seen.delete(n);
      else break;
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

function required(params: Record<string, string>, name: string, code = 'MissingParameter'): string {
  const v = params[name];
  if (v === undefined || v === '')
    throw new PopError(
      code,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    );
  return v;
}

/** Checks run in the gateway's order: parameters, key, timestamp, signature, nonce. Throws PopError. */
export function authenticate(
  method: string,
  params: Record<string, string>,
  auth: AuthConfig,
  nonces: NonceCache,
  now = Date.now(),
): void {
  required(params, 'Action');
  required(params, 'Version');
  const keyId = required(params, 'AccessKeyId');
  required(params, 'Signature', 'IncompleteSignature');
  const signatureMethod = required(params, 'SignatureMethod', 'IncompleteSignature');
  const signatureVersion = required(params, 'SignatureVersion', 'IncompleteSignature');
  const nonce = required(params, 'SignatureNonce', 'IncompleteSignature');
  const ts = required(params, 'Timestamp');
  if (signatureMethod !== 'HMAC-SHA1')
    throw new PopError(
      'InvalidSignatureMethod',
      `Specified signature method "${signatureMethod}" is not supported; use HMAC-SHA1.`,
    );
  if (signatureVersion !== '1.0')
    throw new PopError(
      'InvalidSignatureVersion.NotSupported',
      `Specified signature version "${signatureVersion}" is not supported; use 1.0.`,
    );

  const secret = auth.accessKeys[keyId];
  if (secret === undefined)
    throw new PopError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404);

  const m = TIMESTAMP.exec(ts);
  if (!m)
    throw new PopError(
      'InvalidTimeStamp.Format',
      `Specified time stamp "${ts}" must be in ISO8601 format yyyy-MM-ddTHH:mm:ssZ (UTC).`,
    );
  const at = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) {
    throw new PopError(
      'InvalidTimeStamp.Expired',
      `Specified time stamp or date value is expired (more than 15 minutes from the server time).`,
    );
  }

  const expected = Buffer.from(signRpc(method, params, secret));
  const given = Buffer.from(params.Signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new PopError('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.', 400);
  }
  if (!nonces.use(nonce, now))
    throw new PopError('SignatureNonceUsed', 'Specified signature nonce was used already.', 400);
}

export function errorEnvelope(
  err: PopError,
  product: Product | undefined,
  host: string,
  requestId: string,
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    RequestId: requestId,
    HostId: host,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${product ?? ''}`,
  };
  // alikafka and EventBridge business answers also carry Success:false.
  if (product === 'alikafka' || product === 'eventbridge') base.Success = false;
  return base;
}

export function successEnvelope(
  product: Product,
  requestId: string,
  body: Record<string, unknown>,
): Record<string, unknown> {
  if (product === 'alikafka')
    return { RequestId: requestId, Code: 200, Message: 'operation success.', Success: true, ...body };
  if (product === 'eventbridge') return { RequestId: requestId, Code: 'Success', Success: true, Message: '', ...body };
  return { RequestId: requestId, ...body };
}
