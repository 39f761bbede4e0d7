// A difference between the two sides of a pair, the change that closes it, and how gaps read to people. Pure.
import type { AclEntry, ParityConfigName } from './snapshot';

/** What applying a gap does on the secondary; a gap without one is fixed by hand (its `fix`). */
export type ParityChange =
  | { op: 'create-user'; user: string; mechanism: string; secretVar: string }
  | { op: 'create-acl'; acl: AclEntry }
  | { op: 'set-topic-config'; topic: string; name: ParityConfigName; value: string }
  | { op: 'add-partitions'; topic: string; count: number }
  | { op: 'create-topic'; topic: string; partitions: number; configs: Partial<Record<ParityConfigName, string>> };

export interface ParityGap {
  kind: 'user' | 'acl' | 'topic-config' | 'topic-partitions' | 'instance';
  /** The user, the ACL (aclText), `topic/config`, the topic, or the instance setting. */
  item: string;
  primary?: string;
  secondary?: string;
  why: string;
  /** The exact command or setting that fixes it on the secondary. */
  fix: string;
  change?: ParityChange;
}

/** The environment variable a user's password is read from when kdr creates the user (never stored). */
export function userSecretVar(user: string): string {
  return `KDR_SASL_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** One line per kind, for a plan or a notification: "2 users, 14 ACLs missing on the secondary". */
export function summarizeGaps(gaps: ParityGap[]): string {
  if (gaps.length === 0) return 'in parity';
  const count = (k: ParityGap['kind']) => gaps.filter((g) => g.kind === k).length;
  const parts = [
    [count('user'), 'user'],
    [count('acl'), 'ACL'],
    [count('topic-config'), 'topic config'],
    [count('topic-partitions'), 'topic partition count'],
    [count('instance'), 'instance setting'],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, w]) => `${n} ${w}${n === 1 ? '' : 's'}`)
    .join(', ')
    .concat(' differ on the secondary');
}

/** The principals (applications) an ACL or user gap would refuse: for the approver's "X and Y will be refused". */
export function refusedPrincipals(gaps: ParityGap[]): string[] {
  const out = new Set<string>();
  for (const g of gaps) {
    if (g.change?.op === 'create-user') out.add(`User:${g.change.user}`);
    if (g.change?.op === 'create-acl' && g.change.acl.permission === 'ALLOW') out.add(g.change.acl.principal);
    if (g.kind === 'acl' && g.secondary === 'present') out.add(g.item.split(' ')[0]);
  }
  return [...out].sort();
}
