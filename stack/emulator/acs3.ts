// Signature V3 (ACS3-HMAC-SHA256), the default of the official Alibaba Cloud SDKs (alibabacloud-tea-openapi
// do_request; alibabacloud-openapi-util get_authorization), checked the way the gateway documents it:
// https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
// Pure: the server hands it the parsed request; test/stack/emulator/auth.test.ts pins it with a vector computed by the
// real Python util.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { popEncode } from '../../src/cloud/signature';
import { MAX_CLOCK_SKEW_MS, PopError, type AuthConfig, type NonceCache } from './pop';

export const ACS3 = 'ACS3-HMAC-SHA256';

/** What the verifier needs of one HTTP request: header names lower case, each with every value it was sent with. */
export interface Acs3Request {
  method: string;
  /** The API path, without the emulator's own /<product>/<region> routing prefix ('/' for every RPC API). */
  canonicalUri: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  headers: Record<string, string[] | undefined>;
  body: Buffer;
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Keys sorted, `k=v` with RFC 3986 encoding (what the SDK's quote(safe='~') gives), joined with `&`. */
export function canonicalQueryString(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${popEncode(k)}=${popEncode(query[k])}`)
    .join('&');
}

/** `name:v1,v2\n` per signed header (values trimmed and sorted), in the order of `signedHeaders`. */
export function canonicalHeaders(headers: Record<string, string[] | undefined>, signedHeaders: string[]): string {
  return signedHeaders
    .map(
      (h) =>
        `${h}:${[...(headers[h] ?? [])]
          .map((v) => v.trim())
          .sort()
          .join(',')}\n`,
    )
    .join('');
}

export function canonicalRequest(req: Acs3Request, signedHeaders: string[], payloadHash: string): string {
  return [
    req.method.toUpperCase(),
    req.canonicalUri || '/',
    canonicalQueryString(req.query),
    canonicalHeaders(req.headers, signedHeaders),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function stringToSignV3(canonical: string): string {
  return `${ACS3}\n${sha256Hex(canonical)}`;
}

export function signV3(secret: string, canonical: string): string {
  return createHmac('sha256', secret).update(stringToSignV3(canonical)).digest('hex');
}

export interface Acs3Authorization {
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
}

/** `ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=a;b,Signature=<hex>`, or undefined when it is not that shape. */
export function parseAuthorization(value: string): Acs3Authorization | undefined {
  const m = /^(\S+)\s+(.*)$/.exec(value.trim());
  if (!m) return undefined;
  const parts: Record<string, string> = {};
  for (const item of m[2].split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0) parts[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  if (!parts.Credential || !parts.SignedHeaders || !parts.Signature) return undefined;
  return {
    algorithm: m[1],
    credential: parts.Credential,
    signedHeaders: parts.SignedHeaders.split(';').map((h) => h.trim().toLowerCase()),
    signature: parts.Signature,
  };
}

/**
 * True when the request is signed with V3: it has an Authorization header, or x-acs-action without a V1
 * `Signature` parameter (pop-core, which signs V1, sends x-acs-action too).
 */
export function isV3(headers: Record<string, string[] | undefined>, params: Record<string, string>): boolean {
  return (
    headers.authorization !== undefined || (headers['x-acs-action'] !== undefined && params.Signature === undefined)
  );
}

/** Headers every V3 request must sign when present ("all common request headers except Authorization"). */
const MUST_SIGN = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];
const ISO_SECONDS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

const header = (req: Acs3Request, name: string): string | undefined => req.headers[name]?.[0];

/** Checks in the gateway's order: action and version, authorization, key, date, signature, nonce. Throws PopError. */
export function verifyV3(
  req: Acs3Request,
  auth: AuthConfig,
  nonces: NonceCache,
  now = Date.now(),
): { action: string; version: string; accessKeyId: string } {
  const action = header(req, 'x-acs-action');
  if (!action)
    throw new PopError(
      'MissingParameter',
      'The input parameter "x-acs-action" that is mandatory for processing this request is not supplied.',
    );
  const version = header(req, 'x-acs-version');
  if (!version)
    throw new PopError(
      'MissingParameter',
      'The input parameter "x-acs-version" that is mandatory for processing this request is not supplied.',
    );
  const raw = header(req, 'authorization');
  if (!raw)
    throw new PopError(
      'IncompleteSignature',
      'The request signature does not conform to Aliyun standards: the Authorization header is missing.',
    );
  const a = parseAuthorization(raw);
  if (!a)
    throw new PopError(
      'IncompleteSignature',
      'The request signature does not conform to Aliyun standards: Authorization must be "ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>".',
    );
  if (a.algorithm !== ACS3)
    throw new PopError(
      'InvalidSignatureMethod',
      `Specified signature method "${a.algorithm}" is not supported; use ${ACS3}.`,
    );
  const nonce = header(req, 'x-acs-signature-nonce');
  const date = header(req, 'x-acs-date');
  const contentSha = header(req, 'x-acs-content-sha256');
  for (const [name, value] of [
    ['x-acs-signature-nonce', nonce],
    ['x-acs-date', date],
    ['x-acs-content-sha256', contentSha],
  ] as const) {
    if (!value)
      throw new PopError(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: the ${name} header is missing.`,
      );
  }
  const unsigned = MUST_SIGN.filter((h) => req.headers[h] !== undefined && !a.signedHeaders.includes(h));
  if (unsigned.length > 0)
    throw new PopError(
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards: SignedHeaders must include ${unsigned.join(', ')}.`,
    );

  const secret = auth.accessKeys[a.credential];
  if (secret === undefined)
    throw new PopError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404);

  const m = ISO_SECONDS.exec(date as string);
  if (!m)
    throw new PopError(
      'InvalidTimeStamp.Format',
      `Specified time stamp "${date}" must be in ISO8601 format yyyy-MM-ddTHH:mm:ssZ (UTC).`,
    );
  const at = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) {
    throw new PopError(
      'InvalidTimeStamp.Expired',
      'Specified time stamp or date value is expired (more than 15 minutes from the server time).',
    );
  }

  // The payload hash is the body's own: a body changed after signing breaks the signature even if the header was kept.
  const expected = Buffer.from(signV3(secret, canonicalRequest(req, a.signedHeaders, sha256Hex(req.body))));
  const given = Buffer.from(a.signature.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new PopError('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.', 400);
  }
  if (!nonces.use(nonce as string, now))
    throw new PopError('SignatureNonceUsed', 'Specified signature nonce was used already.', 400);
  return { action, version, accessKeyId: a.credential };
}
