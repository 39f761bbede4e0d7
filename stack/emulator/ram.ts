// RAM authorization as the gateway applies it after authentication: the caller's policy must allow the API's RAM
// action on the request's resource, and no Deny may match. Evaluation follows the documented rules
// (https://www.alibabacloud.com/help/en/doc-detail/93738.htm policy elements,
// https://www.alibabacloud.com/help/en/resource-access-management/latest/policy-evaluation-process): an explicit Deny
// wins over any Allow, no matching Allow is an implicit deny; Action and Resource accept `*` and `?` wildcards;
// action names are compared case-insensitively (assumed, not found stated in the documentation). Condition blocks are not emulated: a policy holding one is refused at load.
// A key without a policy is the account's own (root) key: it may do everything.
import { ramActionOf } from '../../src/cloud/ram';
import { PopError, type Product } from './pop';
import { ACCOUNT_ID } from './eventbridge';

export type Effect = 'Allow' | 'Deny';
export interface RamStatement {
  Effect: Effect;
  Action: string[];
  Resource: string[];
}
export interface RamPolicy {
  Version: '1';
  Statement: RamStatement[];
}

const list = (v: unknown, where: string): string[] => {
  const items = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
  if (!items || items.length === 0 || !items.every((x) => typeof x === 'string' && x !== '')) {
    throw new Error(`${where} must be a non-empty string or list of strings`);
  }
  return items as string[];
};

/** A policy document as RAM accepts it (Version "1", Statement list), or an error naming the field. */
export function parsePolicy(doc: unknown, name = 'policy'): RamPolicy {
  const d = doc as { Version?: unknown; Statement?: unknown } | null;
  if (!d || typeof d !== 'object')
    throw new Error(`${name}: a RAM policy is a JSON object {"Version":"1","Statement":[...]}`);
  if (d.Version !== '1') throw new Error(`${name}.Version must be "1"`);
  if (!Array.isArray(d.Statement)) throw new Error(`${name}.Statement must be a list`);
  return {
    Version: '1',
    Statement: d.Statement.map((raw, i) => {
      const where = `${name}.Statement[${i}]`;
      const s = raw as Record<string, unknown>;
      if (!s || typeof s !== 'object') throw new Error(`${where} must be an object`);
      if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`${where}.Effect must be "Allow" or "Deny"`);
      if (s.Condition !== undefined)
        throw new Error(
          `${where}.Condition: conditions are not emulated; leave them out of policies given to the emulator`,
        );
      const unknown = Object.keys(s).filter((k) => !['Effect', 'Action', 'Resource'].includes(k));
      if (unknown.length)
        throw new Error(`${where}: unknown field(s) ${unknown.join(', ')} (NotAction/NotResource are not emulated)`);
      return {
        Effect: s.Effect,
        Action: list(s.Action, `${where}.Action`),
        Resource: list(s.Resource, `${where}.Resource`),
      };
    }),
  };
}

function glob(pattern: string, flags: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, flags);
}

const matchesAction = (pattern: string, action: string) => glob(pattern, 'i').test(action);
/** A request whose resource the emulator cannot name matches only a statement for every resource. */
const matchesResource = (pattern: string, resource: string | undefined) =>
  pattern === '*' || (resource !== undefined && glob(pattern, '').test(resource));

export type Decision = 'allow' | 'deny' | 'implicit-deny';

export function evaluate(policy: RamPolicy, action: string, resource?: string): Decision {
  const hits = policy.Statement.filter(
    (s) => s.Action.some((a) => matchesAction(a, action)) && s.Resource.some((r) => matchesResource(r, resource)),
  );
  if (hits.some((s) => s.Effect === 'Deny')) return 'deny';
  return hits.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/** The ARN a request acts on, where its parameters name it (the ARN formats of src/cloud/ram.ts RAM_ACTIONS). */
export function resourceOf(product: Product, params: Record<string, string>, pathRegion?: string): string | undefined {
  const region = params.RegionId || pathRegion;
  if (product === 'alikafka')
    return params.InstanceId && region ? `acs:alikafka:${region}:${ACCOUNT_ID}:${params.InstanceId}` : undefined;
  if (product === 'alidns')
    return params.DomainName ? `acs:alidns:*:${ACCOUNT_ID}:domain/${params.DomainName}` : undefined;
  return params.EventStreamingName && region
    ? `acs:eventbridge:${region}:${ACCOUNT_ID}:eventstreaming/${params.EventStreamingName}`
    : undefined;
}

/** The RAM action the gateway checks for an API (alikafka's have names of their own; the others are `product:Api`). */
export function ramActionFor(product: Product, api: string): string {
  return ramActionOf(product, api)?.action ?? `${product}:${api}`;
}

export const RAM_DENIED_MESSAGE =
  "User not authorized to operate on the specified resource, or this API doesn't support RAM.";

/**
 * Throws what the gateway answers when `policy` does not allow the call: Forbidden.RAM, HTTP 403 (alidns answers it
 * with 400, as users of its API report). No policy = the account's own key: allowed.
 */
export function authorize(
  policy: RamPolicy | undefined,
  product: Product,
  api: string,
  params: Record<string, string>,
  pathRegion?: string,
): void {
  if (!policy) return;
  const decision = evaluate(policy, ramActionFor(product, api), resourceOf(product, params, pathRegion));
  if (decision !== 'allow') throw new PopError('Forbidden.RAM', RAM_DENIED_MESSAGE, product === 'alidns' ? 400 : 403);
}
