// Which users and ACLs are a pair's business: the clients of ITS topics and groups. A cluster serves many
// applications and several pairs; comparing every ACL of the cluster would make one pair's setup block on
// another team's users. Kept: ACLs on the pair's topics and selected groups (literal, prefixed or "*"), the
// cluster and transactional-id ACLs of those same principals, and the users those principals name (plus the
// users the pair lists for sync). With ACLs off on a side (no authorizer), every user is a client of every topic,
// so every user is kept. Pure: workflows may import it.
import { selects, type Selection } from '../config/pair';
import type { AclEntry, ParitySnapshot } from './model';
import { normalizeAcl } from './model';

export interface ParityScope {
  topics: string[];
  groups: Selection;
  /** Users named by the pair (parity.users): compared even when no ACL names them yet. */
  users: string[];
}

function matchesName(acl: AclEntry, name: string): boolean {
  if (acl.patternType === 'LITERAL') return acl.resourceName === '*' || acl.resourceName === name;
  if (acl.patternType === 'PREFIXED') return name.startsWith(acl.resourceName);
  return false;
}

function groupAclInScope(acl: AclEntry, groups: Selection): boolean {
  if (acl.patternType === 'LITERAL') return acl.resourceName === '*' || selects(groups, acl.resourceName);
  // A prefix cannot be tested against a pattern: kept when the pair selects by pattern (the safe side).
  if (!Array.isArray(groups)) return true;
  return groups.some((g) => matchesName(acl, g));
}

/** The part of a snapshot the pair's clients depend on. */
export function scopeSnapshot(snapshot: ParitySnapshot, scope: ParityScope): ParitySnapshot {
  const acls = snapshot.acls.map(normalizeAcl);
  const direct = acls.filter((a) =>
    (a.resourceType === 'TOPIC' && scope.topics.some((t) => matchesName(a, t))) ||
    (a.resourceType === 'GROUP' && groupAclInScope(a, scope.groups)));
  const principals = new Set(direct.map((a) => a.principal));
  const kept = acls.filter((a) =>
    direct.includes(a) ||
    ((a.resourceType === 'CLUSTER' || a.resourceType === 'TRANSACTIONAL_ID') && (principals.has(a.principal) || a.principal === 'User:*')));
  const names = new Set([...principals].filter((p) => p.startsWith('User:')).map((p) => p.slice('User:'.length)));
  for (const u of scope.users) names.add(u);
  const everyUser = snapshot.instance?.aclEnabled === false;
  const topics = Object.fromEntries(Object.entries(snapshot.topics).filter(([t]) => scope.topics.includes(t)));
  return {
    ...snapshot,
    acls: kept,
    users: everyUser || principals.has('User:*') ? snapshot.users : snapshot.users.filter((u) => names.has(u.name)),
    topics,
  };
}
