// Kafka's ACL semantics: canonical spelling, and when one binding grants (or denies) at least what another does.
// Pure: workflows import it.
import type { AclEntry } from './snapshot';

const RESOURCE_TYPES: Record<string, string> = {
  topic: 'TOPIC',
  group: 'GROUP',
  cluster: 'CLUSTER',
  transactionalid: 'TRANSACTIONAL_ID',
  transactional_id: 'TRANSACTIONAL_ID',
  delegationtoken: 'DELEGATION_TOKEN',
  delegation_token: 'DELEGATION_TOKEN',
  user: 'USER',
};

function canonical(word: string): string {
  // IdempotentWrite → IDEMPOTENT_WRITE, DescribeConfigs → DESCRIBE_CONFIGS, read → READ.
  return word
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

/** Kafka's spelling of an ACL from any provider's (ApsaraMQ writes `Topic`, `IdempotentWrite`, `alice`). */
export function normalizeAcl(e: AclEntry): AclEntry {
  const principal = e.principal.includes(':') ? e.principal : `User:${e.principal}`;
  return {
    resourceType: RESOURCE_TYPES[e.resourceType.trim().toLowerCase()] ?? canonical(e.resourceType),
    resourceName: e.resourceName,
    patternType: canonical(e.patternType || 'LITERAL'),
    principal,
    operation: canonical(e.operation),
    permission: canonical(e.permission || 'ALLOW'),
    host: e.host || '*',
  };
}

export function aclText(e: AclEntry): string {
  const pattern = e.patternType === 'LITERAL' ? '' : ` (${e.patternType})`;
  return `${e.principal} ${e.permission} ${e.operation} ${e.resourceType}:${e.resourceName}${pattern} from ${e.host}`;
}

export function aclKey(e: AclEntry): string {
  const n = normalizeAcl(e);
  return [n.resourceType, n.resourceName, n.patternType, n.principal, n.operation, n.permission, n.host].join('\u0000');
}

/** Operations that imply DESCRIBE / DESCRIBE_CONFIGS (Kafka's AclAuthorizer and StandardAuthorizer). */
const IMPLIES: Record<string, string[]> = {
  DESCRIBE: ['READ', 'WRITE', 'DELETE', 'ALTER'],
  DESCRIBE_CONFIGS: ['ALTER_CONFIGS'],
};

function operationCovers(wide: string, narrow: string): boolean {
  return wide === narrow || wide === 'ALL' || (IMPLIES[narrow] ?? []).includes(wide);
}

/** Every resource name `narrow` matches is matched by `wide`. */
function resourceCovers(wide: AclEntry, narrow: AclEntry): boolean {
  if (wide.patternType === 'LITERAL' && wide.resourceName === '*') return true;
  if (wide.patternType === 'LITERAL')
    return narrow.patternType === 'LITERAL' && narrow.resourceName === wide.resourceName;
  if (wide.patternType === 'PREFIXED') {
    if (narrow.patternType === 'LITERAL' && narrow.resourceName === '*') return false;
    return narrow.resourceName.startsWith(wide.resourceName);
  }
  return false;
}

/** Some resource name is matched by both. */
function resourceOverlaps(a: AclEntry, b: AclEntry): boolean {
  const star = (e: AclEntry) => e.patternType === 'LITERAL' && e.resourceName === '*';
  if (star(a) || star(b)) return true;
  if (a.patternType === 'LITERAL' && b.patternType === 'LITERAL') return a.resourceName === b.resourceName;
  if (a.patternType === 'PREFIXED' && b.patternType === 'PREFIXED') {
    return a.resourceName.startsWith(b.resourceName) || b.resourceName.startsWith(a.resourceName);
  }
  const [lit, pre] = a.patternType === 'LITERAL' ? [a, b] : [b, a];
  return lit.resourceName.startsWith(pre.resourceName);
}

/** `wide` (same permission) grants or denies at least everything `narrow` does. */
export function aclCovers(wide: AclEntry, narrow: AclEntry): boolean {
  const w = normalizeAcl(wide);
  const n = normalizeAcl(narrow);
  return (
    w.permission === n.permission &&
    w.resourceType === n.resourceType &&
    (w.principal === n.principal || w.principal === 'User:*') &&
    (w.host === n.host || w.host === '*') &&
    operationCovers(w.operation, n.operation) &&
    resourceCovers(w, n)
  );
}

/** The DENY `deny` refuses some request the ALLOW `allow` grants. */
export function denyHits(deny: AclEntry, allow: AclEntry): boolean {
  return (
    deny.resourceType === allow.resourceType &&
    (deny.principal === allow.principal || deny.principal === 'User:*' || allow.principal === 'User:*') &&
    (deny.host === allow.host || deny.host === '*' || allow.host === '*') &&
    (deny.operation === allow.operation || deny.operation === 'ALL' || allow.operation === 'ALL') &&
    resourceOverlaps(deny, allow)
  );
}

export function dedupe(acls: AclEntry[]): AclEntry[] {
  const m = new Map<string, AclEntry>();
  for (const a of acls) m.set(aclKey(a), a);
  return [...m.values()];
}
