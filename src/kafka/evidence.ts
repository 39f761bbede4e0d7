// Gathers what the offset planner needs, in batches: secondary log bounds, MM2 checkpoints, the primary's
// committed offsets and the timestamps of the records around them, then the secondary offset-for-time
// lookups the plan will ask for. The decision itself is pure (plan.ts).
import {
  committedOffsets, describeGroupMembers, partitionOffsets, partitionsOf, recordTimestamps, offsetsForTimes,
  tpKey, type AdminSession, type PartitionOffsets,
} from './admin';
import { checkpointKey, readCheckpoints, type Checkpoint } from './checkpoints';
import { mapLimit } from './protocol';
import { timestampQueries, type GroupEvidence, type PlanOptions, type PrimaryEvidence } from './plan';

export interface GatherOptions {
  groups: readonly string[];
  topics: readonly string[];
  /** Omit (or pass null) when the primary does not answer. */
  primary?: AdminSession | null;
  secondary: AdminSession;
  /** Read MM2 checkpoints (kafka-connect pairs). */
  useCheckpoints?: boolean;
  sourceAlias?: string;
  plan: PlanOptions;
  concurrency?: number;
}

export interface GatheredEvidence {
  groups: GroupEvidence[];
  /** Facts about the gathering itself, for the plan step's summary. */
  stats: {
    primaryAnswered: boolean;
    checkpointsRead: number;
    checkpointsUsable: number;
    lookups: number;
    elapsedMs: number;
  };
}

export async function gatherEvidence(o: GatherOptions): Promise<GatheredEvidence> {
  const started = Date.now();
  const concurrency = o.concurrency ?? 32;
  const secondaryLogs = await partitionOffsets(o.secondary, o.topics);

  let checkpoints = new Map<string, Checkpoint>();
  let checkpointsRead = 0;
  if (o.useCheckpoints) {
    const read = await readCheckpoints(o.secondary, { sourceAlias: o.sourceAlias, groups: o.groups, topics: o.topics });
    checkpoints = read.checkpoints;
    checkpointsRead = read.recordsRead;
  }

  // Primary: committed offsets per group, then the timestamps of the records at and just before them.
  const primaryByGroup = new Map<string, Map<string, PrimaryEvidence>>();
  let primaryAnswered = false;
  if (o.primary) {
    const primary = o.primary;
    const parts = await partitionsOf(primary, o.topics);
    const primaryLogs = new Map((await partitionOffsets(primary, o.topics)).map((p) => [tpKey(p.topic, p.partition), p]));
    const committed = new Map<string, Map<string, number>>();
    await mapLimit(o.groups, concurrency, async (group) => {
      const c = await committedOffsets(primary, group, parts);
      committed.set(group, new Map(c.map((x) => [tpKey(x.topic, x.partition), x.offset])));
    });
    const wanted: { topic: string; partition: number; offset: number }[] = [];
    for (const [, offs] of committed) {
      for (const [key, offset] of offs) {
        const log = primaryLogs.get(key) as PartitionOffsets;
        const first = Math.max(offset, log.earliest);
        if (first < log.end) wanted.push({ topic: log.topic, partition: log.partition, offset: first });
        if (offset - 1 >= log.earliest && offset - 1 < log.end) wanted.push({ topic: log.topic, partition: log.partition, offset: offset - 1 });
      }
    }
    const stamps = await recordTimestamps(primary, wanted);
    for (const [group, offs] of committed) {
      const m = new Map<string, PrimaryEvidence>();
      for (const [key, offset] of offs) {
        const log = primaryLogs.get(key) as PartitionOffsets;
        const first = stamps.get(`${key}@${Math.max(offset, log.earliest)}`);
        const last = offset - 1 >= log.earliest ? stamps.get(`${key}@${offset - 1}`) : undefined;
        m.set(key, {
          committedOffset: offset,
          earliest: log.earliest,
          end: log.end,
          ...(first ? { firstUnprocessedTimestamp: first.timestamp } : {}),
          // The record found for offset-1 must be exactly that record (not a later one across a gap).
          ...(last && last.offset === offset - 1 ? { lastProcessedTimestamp: last.timestamp } : {}),
        });
      }
      primaryByGroup.set(group, m);
    }
    primaryAnswered = true;
  }

  const members = new Map((await describeGroupMembers(o.secondary, o.groups)).map((g) => [g.group, g.members]));

  const groups: GroupEvidence[] = o.groups.map((group) => ({
    group,
    liveMembersOnSecondary: members.get(group) ?? 0,
    partitions: secondaryLogs.map((log) => {
      const cp = checkpoints.get(checkpointKey(group, log.topic, log.partition));
      const pe = primaryByGroup.get(group)?.get(tpKey(log.topic, log.partition));
      return {
        topic: log.topic,
        partition: log.partition,
        secondary: { earliest: log.earliest, end: log.end },
        ...(cp ? { checkpoint: { upstreamOffset: cp.upstreamOffset, downstreamOffset: cp.downstreamOffset } } : {}),
        ...(pe ? { primary: pe } : o.primary ? { primary: { committedOffset: -1 } } : {}),
      };
    }),
  }));

  // Each group gets exactly the lookups its own decision needs; the secondary is asked once per distinct one.
  const perGroup = groups.map((g) => timestampQueries([g], o.plan));
  const answers = await offsetsForTimes(o.secondary, perGroup.flat());
  let lookups = 0;
  groups.forEach((g, i) => {
    for (const q of perGroup[i]) {
      lookups++;
      const p = g.partitions.find((x) => x.topic === q.topic && x.partition === q.partition);
      if (!p) continue;
      const a = answers.get(`${tpKey(q.topic, q.partition)}@${q.timestamp}`);
      p.offsetsForTimes = { ...(p.offsetsForTimes ?? {}), [String(q.timestamp)]: a === undefined ? null : a };
    }
  });
  return {
    groups,
    stats: {
      primaryAnswered,
      checkpointsRead,
      checkpointsUsable: [...checkpoints.values()].filter((c) => c.downstreamOffset >= 0).length,
      lookups,
      elapsedMs: Date.now() - started,
    },
  };
}
