// The only place that talks to @alicloud/pop-core. It covers the client's pitfalls: it always POSTs (upper case),
// never sends `undefined`, sends nested objects as JSON strings, normalises json-bigint output (prototype-less
// objects, BigNumber) and parses every answer with a zod schema. Errors come out as CloudApiError, scrubbed.
import RPCClient = require('@alicloud/pop-core');
import type { z } from 'zod';
import { CloudApiError, fromPopCoreError, type CloudProduct } from './errors';
import { isRetriable } from '../retriable';
import type { CloudCredentials } from './config';
import { contractViolation } from './contract';

/** Marks a value to be sent as one JSON-string parameter even though it is an array (e.g. alikafka Offsets). */
export class JsonParam {
  constructor(readonly value: unknown) {}
}
export const asJson = (value: unknown): JsonParam => new JsonParam(value);

type Scalar = string | number | boolean;
type PopValue = Scalar | PopValue[] | { [k: string]: PopValue };

function isBigNumber(v: unknown): v is { toFixed(): string; isInteger(): boolean } {
  return (
    typeof v === 'object' &&
    v !== null &&
    ((v as { _isBigNumber?: unknown })._isBigNumber === true || (v as object).constructor?.name === 'BigNumber')
  );
}

/** json-bigint output -> plain data: ordinary prototypes; BigNumber -> number when exact, else string. */
export function normalizeJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isBigNumber(value)) {
    const text = value.toFixed();
    const n = Number(text);
    return value.isInteger() && Number.isSafeInteger(n) ? n : text;
  }
  if (Array.isArray(value)) return value.map(normalizeJson);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = normalizeJson((value as Record<string, unknown>)[key]);
  return out;
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function prepareListItem(v: unknown): PopValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof JsonParam) return JSON.stringify(v.value, jsonReplacer);
  if (Array.isArray(v)) return v.map(prepareListItem).filter((x): x is PopValue => x !== undefined);
  // An object inside a list is flattened by pop-core one level (Tag.1.Key); deeper objects become JSON.
  const out: Record<string, PopValue> = {};
  for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
    if (inner === undefined || inner === null) continue;
    if (Array.isArray(inner)) out[k] = inner.map(prepareListItem).filter((x): x is PopValue => x !== undefined);
    else if (typeof inner === 'object') out[k] = JSON.stringify(inner, jsonReplacer);
    else out[k] = typeof inner === 'bigint' ? inner.toString() : (inner as Scalar);
  }
  return out;
}

/** Request parameters as pop-core must receive them. */
export function toPopParams(params: Record<string, unknown>): Record<string, PopValue> {
  const out: Record<string, PopValue> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'bigint') out[key] = value.toString();
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (value instanceof JsonParam) out[key] = JSON.stringify(value.value, jsonReplacer);
    else if (isBigNumber(value)) out[key] = value.toFixed();
    else if (Array.isArray(value)) out[key] = value.map(prepareListItem).filter((x): x is PopValue => x !== undefined);
    else out[key] = JSON.stringify(value, jsonReplacer);
  }
  return out;
}

export interface PopRpcOptions {
  product: CloudProduct;
  endpoint: string;
  apiVersion: string;
  credentials: CloudCredentials;
  timeoutMs: number;
}

/** Actions that only read, and so may be asked again after a transient failure without side effects. */
const READ_ACTION = /^(Get|List|Describe|Query)/;
const READ_RETRIES = 3;
const READ_BACKOFF_MS = 200;

export class PopRpc {
  readonly product: CloudProduct;
  readonly endpoint: string;
  private readonly client: RPCClient;
  private readonly timeoutMs: number;

  constructor(opts: PopRpcOptions) {
    this.product = opts.product;
    this.endpoint = opts.endpoint;
    this.timeoutMs = opts.timeoutMs;
    this.client = new RPCClient({
      endpoint: opts.endpoint,
      apiVersion: opts.apiVersion,
      accessKeyId: opts.credentials.accessKeyId,
      accessKeySecret: opts.credentials.accessKeySecret,
      ...(opts.credentials.securityToken ? { securityToken: opts.credentials.securityToken } : {}),
    });
  }

  /**
   * One signed POST; the answer is normalised, checked for `Success: false`, and parsed with `schema`. A read
   * (Get/List/Describe/Query) that fails transiently is asked again at once, a few times with short backoff: an
   * activity that makes many reads would otherwise fail as a whole on one throttled read. Writes are not
   * repeated here; the activity's retry (idempotent at that level) handles them.
   */
  async call<S extends z.ZodType>(action: string, params: Record<string, unknown>, schema: S): Promise<z.output<S>> {
    const violation = contractViolation(this.product, action, params, (v) => v instanceof JsonParam);
    if (violation) {
      throw new CloudApiError({
        product: this.product,
        action,
        code: 'UndeclaredParameter',
        message: violation,
        transient: false,
        fix: 'Fix: a kafka-dr bug: the cloud layer sends only what src/cloud/contract.ts declares.',
      });
    }
    const read = READ_ACTION.test(action);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(action, params, schema);
      } catch (err) {
        if (!read || attempt >= READ_RETRIES || !(err instanceof CloudApiError) || !isRetriable(err)) throw err;
        await new Promise((r) => setTimeout(r, READ_BACKOFF_MS * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  private async once<S extends z.ZodType>(
    action: string,
    params: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    const ctx = { product: this.product, action };
    let raw: unknown;
    try {
      raw = await this.client.request(action, toPopParams(params), { method: 'POST', timeout: this.timeoutMs });
    } catch (err) {
      throw fromPopCoreError(err, ctx);
    }
    const body = normalizeJson(raw) as Record<string, unknown>;
    if (body && body.Success === false) {
      throw new CloudApiError({
        ...ctx,
        code:
          typeof body.Code === 'string' ? body.Code : `Unsuccessful${body.Code === undefined ? '' : String(body.Code)}`,
        message: typeof body.Message === 'string' ? body.Message : 'the API answered Success: false',
        requestId: typeof body.RequestId === 'string' ? body.RequestId : undefined,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new CloudApiError({
        ...ctx,
        code: 'UnexpectedResponse',
        message: `the answer does not have the documented shape (${issues})`,
        requestId: typeof body?.RequestId === 'string' ? body.RequestId : undefined,
        transient: false,
        fix: 'Fix: report this: the API changed or the endpoint override points at something else.',
      });
    }
    return parsed.data;
  }
}
