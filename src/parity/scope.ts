// Which users and ACLs are a pair's business: the clients of ITS topics. A cluster serves many applications and
// several pairs; comparing every ACL of the cluster would make one pair's setup block on another team's users.
// Kept: ACLs on the pair's topics (literal, prefixed or "*"), and the group (in the pair's selection), cluster and
// transactional-id ACLs of those same principals, and the users those principals name (plus the
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
  // The pair's clients: principals allowed (or denied) something on one of its topics. Their group, cluster and
  // transactional-id ACLs come with them; a group ACL alone names no client of these topics.
  const onTopics = acls.filter((a) => a.resourceType === 'TOPIC' && scope.topics.some((t) => matchesName(a, t)));
  const principals = new Set(onTopics.map((a) => a.principal));
  const mine = (a: AclEntry) => principals.has(a.principal) || a.principal === 'User:*';
  const kept = acls.filter(
    (a) =>
      onTopics.includes(a) ||
      (a.resourceType === 'GROUP' && mine(a) && groupAclInScope(a, scope.groups)) ||
      ((a.resourceType === 'CLUSTER' || a.resourceType === 'TRANSACTIONAL_ID') && mine(a)),
  );
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
