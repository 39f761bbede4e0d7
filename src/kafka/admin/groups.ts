// Reading consumer groups: which exist, what they committed, who is in them. Batched per coordinator.
import { describeGroupsMany, fetchCommitted, fetchCommittedMany, tpKey, type PartitionRef } from '../protocol';
import type { AdminSession } from './session';
import { partitionsOf } from './topics';

export async function listConsumerGroups(s: AdminSession): Promise<string[]> {
  const { groups } = await s.admin.listGroups();
  return groups
    .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
    .map((g) => g.groupId)
    .sort();
}

export interface CommittedOffset extends PartitionRef {
  offset: number;
}

/** Committed offsets of a group on the topics' partitions (only those it has committed, i.e. offset >= 0). */
export async function committedOffsets(
  s: AdminSession,
  group: string,
  partitions: readonly PartitionRef[],
): Promise<CommittedOffset[]> {
  const got = await fetchCommitted(s.protocol, group, partitions);
  return partitions
    .map((p) => ({ ...p, offset: got.get(tpKey(p.topic, p.partition)) ?? -1 }))
    .filter((c) => c.offset >= 0);
}

/** Committed offsets of many groups on the same partitions (only those committed), batched per coordinator. */
export async function committedOffsetsMany(
  s: AdminSession,
  groups: readonly string[],
  partitions: readonly PartitionRef[],
  onGroups?: (n: number) => void,
): Promise<Map<string, CommittedOffset[]>> {
  const got = await fetchCommittedMany(s.protocol, groups, partitions, { onGroups });
  const out = new Map<string, CommittedOffset[]>();
  for (const g of groups) {
    const m = got.get(g);
    out.set(
      g,
      partitions.map((p) => ({ ...p, offset: m?.get(tpKey(p.topic, p.partition)) ?? -1 })).filter((c) => c.offset >= 0),
    );
  }
  return out;
}

/**
 * Which groups have committed offsets on the topic set, with those offsets. `groups` narrows the search
 * (a list, or a pattern over the cluster's groups); by default every consumer group on the cluster.
 */
export async function groupsOnTopics(
  s: AdminSession,
  topics: readonly string[],
  groups?: readonly string[] | RegExp,
): Promise<Map<string, CommittedOffset[]>> {
  let candidates: string[];
  if (Array.isArray(groups)) candidates = [...groups];
  else {
    const all = await listConsumerGroups(s);
    candidates = groups ? all.filter((g) => (groups as RegExp).test(g)) : all;
  }
  const partitions = await partitionsOf(s, topics);
  const committed = await committedOffsetsMany(s, candidates, partitions);
  return new Map([...committed].filter(([, c]) => c.length > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface GroupMembers {
  group: string;
  state: string;
  members: number;
  live: boolean;
  /** "clientId@host" of each member, as the coordinator knows them. */
  clients: string[];
}

/** State and member count of each group (batched per coordinator); a group with members is live. */
export async function describeGroupMembers(
  s: Pick<AdminSession, 'protocol'>,
  groups: readonly string[],
): Promise<GroupMembers[]> {
  if (groups.length === 0) return [];
  return (await describeGroupsMany(s.protocol, groups)).map((g) => ({
    group: g.groupId,
    state: g.state,
    members: g.members.length,
    live: g.members.length > 0,
    clients: g.members.map((m) => `${m.clientId}@${m.clientHost.replace(/^\//, '')}`),
  }));
}

/** kafka-dr's own consumer groups (canary readers) and Kafka Connect's: never applications, never planned. */
export function isInternalGroup(group: string): boolean {
  return group.startsWith('kdr-') || group.startsWith('connect-');
}
