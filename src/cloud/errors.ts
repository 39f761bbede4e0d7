// One error taxonomy for every Alibaba Cloud call: transient (retry with backoff; which codes are is decided by
// src/retriable.ts, the one classifier) versus permanent (an operator must fix something). Both are KdrErrors
// (src/errors.ts): activities/failures.ts turns them into Temporal failures
// whose type is the cloud's own error code.
import { KdrError } from '../errors';
import { ramFix } from './ram';
import { isRetriableCloudCode } from '../retriable';

/** The code the gateway answers when the caller's RAM policy does not allow the action ("User not authorized to operate on the specified resource, or this API doesn't support RAM."). */
export const RAM_DENIED = 'Forbidden.RAM';

export type CloudProduct = 'alikafka' | 'alidns' | 'eventbridge';

export interface CloudApiErrorInit {
  code: string;
  message: string;
  product?: CloudProduct;
  action?: string;
  requestId?: string;
  httpStatus?: number;
  transient?: boolean;
  fix?: string;
}

export class CloudApiError extends KdrError {
  override name = 'CloudApiError';
  readonly code: string;
  readonly product?: CloudProduct;
  readonly action?: string;
  readonly requestId?: string;
  readonly httpStatus?: number;
  readonly transient: boolean;
  /** What the operator should do about it (for permanent errors), or why a retry is expected to help. */
  readonly fix: string;

  constructor(init: CloudApiErrorInit) {
    const where = init.product && init.action ? `${init.product} ${init.action}: ` : '';
    const classified = classifyCloudError(init.code, init.httpStatus, init.product, init.action);
    const transient = init.transient ?? classified.transient;
    const fix = init.fix ?? classified.fix;
    const rid = init.requestId ? ` (RequestId ${init.requestId})` : '';
    super(scrubSecrets(`${where}${init.code}: ${init.message}${rid}. ${fix}`));
    this.code = init.code;
    this.product = init.product;
    this.action = init.action;
    this.requestId = init.requestId;
    this.httpStatus = init.httpStatus;
    this.transient = transient;
    this.fix = fix;
  }

  get retryable(): boolean {
    return this.transient;
  }

  /** The cloud's own code (Throttling.User, InvalidAccessKeyId.NotFound, ...): what its documentation lists. */
  override get type(): string {
    return this.code;
  }

  override details(): Record<string, unknown> {
    return {
      code: this.code,
      requestId: this.requestId ?? null,
      httpStatus: this.httpStatus ?? null,
      product: this.product ?? null,
      action: this.action ?? null,
    };
  }
}

/** Raised before any request is sent: missing credentials, bad endpoint override, bad timeout. */
export class CloudConfigError extends KdrError {
  override name = 'CloudConfigError';
  readonly retryable = false;
}

const NETWORK_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
]);

function fixFor(code: string, product?: CloudProduct, action?: string): string {
  const perm = product && action ? `${product}:${action}` : 'this action';
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature') {
    return 'Fix: make ALIBABA_CLOUD_ACCESS_KEY_SECRET the secret of the AccessKey in ALIBABA_CLOUD_ACCESS_KEY_ID.';
  }
  if (code.startsWith('InvalidAccessKeyId') || code === 'InvalidStsAccessKeyId' || code === 'AccountIdNotExist') {
    return 'Fix: set ALIBABA_CLOUD_ACCESS_KEY_ID to an existing, enabled AccessKey of this account.';
  }
  if (code === 'InvalidTimeStamp.Expired')
    return "Fix: synchronise the worker host's clock (NTP); it is more than 15 minutes off.";
  if (code === 'SecurityTokenInvalid' || code === 'StsAccessIdExpired' || code.startsWith('InvalidSecurityToken')) {
    return 'Fix: refresh ALIBABA_CLOUD_SECURITY_TOKEN (the STS token is invalid or expired).';
  }
  // The RAM identity lacks the action: name the exact line of the worker's policy (src/cloud/ram.ts).
  if (code === RAM_DENIED && product && action) return ramFix(product, action);
  if (code.startsWith('Forbidden') || code.startsWith('AccessDenied') || code === 'AUTH_RESOURCE_OWNER_ERROR') {
    return `Fix: grant the RAM identity permission for ${perm} on this resource, or use the account that owns it.`;
  }
  if (code === 'ServiceNotEnable' || code === 'ServiceAccessDenied')
    return `Fix: activate ${product ?? 'the service'} for this account.`;
  if (
    code.startsWith('Missing') ||
    code.startsWith('InvalidParameter') ||
    code.startsWith('Invalid') ||
    code.startsWith('QuotaExceeded')
  ) {
    return 'Fix: correct the request parameter named in the message.';
  }
  if (/NOT_FOUND|NotExist|NotExisted|NoExist|NotBelongToUser|NotFound/.test(code)) {
    return 'Fix: check that the named resource exists in this region and account (typo in id, wrong region?).';
  }
  if (code === 'BIZ_CONSUMER_ONLINE')
    return 'Fix: stop every consumer of the group, wait session.timeout.ms, then retry the reset.';
  if (code === 'DomainRecordDuplicate') return 'Fix: the record already has these values; nothing to change.';
  if (code === 'DomainRecordConflict')
    return 'Fix: a CNAME cannot share its RR and line with another record; remove the other record first.';
  return 'Fix: read the message above; this error is not expected to go away by retrying.';
}

export function classifyCloudError(
  code: string,
  httpStatus?: number,
  product?: CloudProduct,
  action?: string,
): { transient: boolean; fix: string } {
  if (isRetriableCloudCode(code, httpStatus)) {
    return { transient: true, fix: 'Transient: retrying with backoff is expected to succeed.' };
  }
  return { transient: false, fix: fixFor(code, product, action) };
}

/** Remove AccessKey id, signature, nonce and STS token from any text (pop-core puts the signed URL in messages). */
export function scrubSecrets(text: string): string {
  return text.replace(/\b(AccessKeyId|Signature|SignatureNonce|SecurityToken)(=|%3D)[^&\s,"']*/g, '$1$2***');
}

interface PopCoreErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  data?: { RequestId?: unknown; Message?: unknown; Code?: unknown } | null;
  entry?: { response?: { statusCode?: unknown } | null } | null;
}

/** Turn whatever pop-core / httpx / json-bigint threw into a CloudApiError (idempotent on CloudApiError). */
export function fromPopCoreError(
  err: unknown,
  ctx: { product?: CloudProduct; action?: string; httpStatus?: number } = {},
): CloudApiError {
  if (err instanceof CloudApiError) return err;
  const e = (err ?? {}) as PopCoreErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = scrubSecrets(typeof e.message === 'string' ? e.message : String(err));
  const base = { product: ctx.product, action: ctx.action };
  if (e.data && typeof e.code === 'string') {
    const status = e.entry?.response?.statusCode;
    return new CloudApiError({
      ...base,
      code: e.code,
      message: typeof e.data.Message === 'string' ? e.data.Message : message.replace(/, URL: .*$/, ''),
      requestId: typeof e.data.RequestId === 'string' ? e.data.RequestId : undefined,
      httpStatus: typeof status === 'number' ? status : undefined,
    });
  }
  if (name.includes('RequestTimeout')) {
    return new CloudApiError({ ...base, code: 'RequestTimeout', message: `no answer in time (${message})` });
  }
  if (typeof e.code === 'string' && NETWORK_ERRNOS.has(e.code)) {
    return new CloudApiError({ ...base, code: 'NetworkError', message: `${e.code}: ${message}` });
  }
  if (name === 'SyntaxError') {
    // json-bigint throws a plain object for non-JSON bodies (an HTML 502 page from a gateway, typically).
    return new CloudApiError({
      ...base,
      code: 'InvalidResponse',
      message: `the endpoint did not answer JSON: ${message}`,
      httpStatus: ctx.httpStatus,
    });
  }
  return new CloudApiError({ ...base, code: 'UnexpectedError', message, transient: false });
}
