// Gathers what the offset planner needs, in batches: secondary log bounds, MM2 checkpoints, the primary's
// committed offsets and the timestamps of the records around them, then the secondary offset-for-time
// lookups the plan will ask for. The decision itself is pure (plan.ts).
import {
  committedOffsetsMany,
  describeGroupMembers,
  partitionOffsets,
  partitionsOf,
  recordTimestamps,
  offsetsForTimes,
  tpKey,
  type AdminSession,
  type CommittedOffset,
  type PartitionOffsets,
} from './admin';
import { checkpointKey, readCheckpoints, type Checkpoint, type CheckpointsRead } from './checkpoints';
import { supportsExactMatch } from './fidelity';
import { findCopy, type MatchResult, type TailMatch } from './match';
import type { PostSwitchEnd } from './post-switch';
import { mapLimit } from './protocol';
import { timestampQueries, type GroupEvidence, type PlanOptions, type PrimaryEvidence } from '../plan/planner';

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
  /**
   * Exact translation by record identity (src/kafka/match.ts) where the primary answers: `maxMatches` distinct
   * (partition, offset) searches at most (default 5,000); `tails`, where the copy of each partition's last
   * primary record is already known (a drained switchover), also bounds duplicates at the replicated end.
   */
  exact?: { maxMatches?: number; tails?: readonly TailMatch[] };
  /** After a drained switchover: per secondary partition, where the applications' own records begin and the copies end. */
  postSwitch?: readonly PostSwitchEnd[];
  /** The checkpoints topic, when the caller has read it already (it is read once per plan). */
  checkpoints?: CheckpointsRead;
  /** Primary commits the caller has read already, per group (groups absent here are read). */
  primaryCommitted?: ReadonlyMap<string, readonly CommittedOffset[]>;
  /** Progress, for the activity's heartbeat: a phase, and groups done of all where it goes group by group. */
  progress?: (phase: string, done?: number) => void;
}

export interface GatheredEvidence {
  groups: GroupEvidence[];
  /** Facts about the gathering itself, for the plan step's summary. */
  stats: {
    primaryAnswered: boolean;
    checkpointsRead: number;
    checkpointsUsable: number;
    lookups: number;
    matched: number;
    unmatched: number;
    elapsedMs: number;
  };
}

export async function gatherEvidence(o: GatherOptions): Promise<GatheredEvidence> {
  const started = Date.now();
  const progress = o.progress ?? (() => undefined);
  progress('secondary log bounds');
  const secondaryLogs = await partitionOffsets(o.secondary, o.topics);

  let checkpoints = new Map<string, Checkpoint>();
  let checkpointsRead = 0;
  if (o.useCheckpoints) {
    progress('MirrorMaker 2 checkpoints');
    const read =
      o.checkpoints ??
      (await readCheckpoints(o.secondary, { sourceAlias: o.sourceAlias, groups: o.groups, topics: o.topics }));
    checkpoints = read.checkpoints;
    checkpointsRead = read.recordsRead;
  }

  // Primary: committed offsets per group, then the timestamps of the records at and just before them.
  const primaryByGroup = new Map<string, Map<string, PrimaryEvidence>>();
  let primaryAnswered = false;
  if (o.primary) {
    const primary = o.primary;
    const parts = await partitionsOf(primary, o.topics);
    const primaryLogs = new Map(
      (await partitionOffsets(primary, o.topics)).map((p) => [tpKey(p.topic, p.partition), p]),
    );
    const committed = new Map<string, Map<string, number>>();
    const known = o.primaryCommitted ?? new Map<string, readonly CommittedOffset[]>();
    const toMap = (c: readonly CommittedOffset[]) => new Map(c.map((x) => [tpKey(x.topic, x.partition), x.offset]));
    let done = 0;
    for (const g of o.groups) {
      const c = known.get(g);
      if (c) {
        committed.set(g, toMap(c));
        done++;
      }
    }
    progress('primary commits', done);
    const unread = o.groups.filter((g) => !known.has(g));
    for (const [g, c] of await committedOffsetsMany(primary, unread, parts, (n) =>
      progress('primary commits', (done += n)),
    ))
      committed.set(g, toMap(c));
    progress('primary record timestamps');
    const wanted: { topic: string; partition: number; offset: number }[] = [];
    for (const [, offs] of committed) {
      for (const [key, offset] of offs) {
        const log = primaryLogs.get(key) as PartitionOffsets;
        const first = Math.max(offset, log.earliest);
        if (first < log.end) wanted.push({ topic: log.topic, partition: log.partition, offset: first });
        if (offset - 1 >= log.earliest && offset - 1 < log.end)
          wanted.push({ topic: log.topic, partition: log.partition, offset: offset - 1 });
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

  // Exact matches: one search per distinct (partition, committed offset), shared by every group there.
  const matches = new Map<string, MatchResult>();
  const tails = new Map((o.exact?.tails ?? []).map((t) => [tpKey(t.topic, t.partition), t]));
  const postSwitch = new Map((o.postSwitch ?? []).map((e) => [tpKey(e[0], e[1]), e]));
  // A replicator that does not keep records identical and in order gives nothing to match (and the plan would not use it).
  const matchable = o.plan.fidelity === undefined || supportsExactMatch(o.plan.fidelity);
  if (o.primary && o.exact && matchable && (o.plan.sources === undefined || o.plan.sources.includes('matched'))) {
    progress('exact matches by record identity');
    const primary = o.primary;
    const wanted = new Map<
      string,
      { topic: string; partition: number; offset: number; end: number; earliest: number }
    >();
    for (const [, m] of primaryByGroup) {
      for (const [key, pe] of m) {
        if (pe.committedOffset < 0 || pe.end === undefined || pe.earliest === undefined) continue;
        const [topic, partition] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
        wanted.set(`${key}@${pe.committedOffset}`, {
          topic,
          partition,
          offset: pe.committedOffset,
          end: pe.end,
          earliest: pe.earliest,
        });
      }
    }
    const limit = o.exact.maxMatches ?? 5_000;
    const items = [...wanted.entries()];
    if (items.length > limit) {
      for (const [k] of items)
        matches.set(k, {
          found: false,
          reason: `${items.length} distinct positions exceed the exact-match limit ${limit}`,
        });
    } else {
      const tailCopy = new Map<string, Promise<MatchResult>>();
      const copyOfLast = (w: { topic: string; partition: number; end: number }): Promise<MatchResult> => {
        const key = tpKey(w.topic, w.partition);
        const known = tails.get(key);
        if (known?.found && known.lastCopy !== null && known.primaryEnd === w.end) {
          return Promise.resolve({
            found: true,
            secondaryOffset: known.lastCopy,
            proof: `the primary's last record ${w.end - 1} is at secondary offset ${known.lastCopy}`,
          });
        }
        let p = tailCopy.get(key);
        if (!p) {
          p = findCopy(primary, o.secondary, w, w.end - 1);
          tailCopy.set(key, p);
        }
        return p;
      };
      await mapLimit(items, 8, async ([k, w]) => {
        if (w.offset < w.earliest) {
          matches.set(k, { found: false, reason: `offset ${w.offset} is below the primary log start ${w.earliest}` });
          return;
        }
        if (w.offset >= w.end) {
          if (w.end <= w.earliest) {
            matches.set(k, { found: false, reason: 'the primary partition holds no record to match' });
            return;
          }
          const last = await copyOfLast(w);
          matches.set(
            k,
            last.found
              ? {
                  found: true,
                  secondaryOffset: last.secondaryOffset + 1,
                  proof: `group had processed every primary record; ${last.proof}`,
                }
              : last,
          );
          return;
        }
        matches.set(k, await findCopy(primary, o.secondary, w, w.offset));
      });
    }
  }

  progress('members on the secondary');
  const members = new Map((await describeGroupMembers(o.secondary, o.groups)).map((g) => [g.group, g.members]));

  const groups: GroupEvidence[] = o.groups.map((group) => ({
    group,
    liveMembersOnSecondary: members.get(group) ?? 0,
    partitions: secondaryLogs.map((log) => {
      const cp = checkpoints.get(checkpointKey(group, log.topic, log.partition));
      const pe = primaryByGroup.get(group)?.get(tpKey(log.topic, log.partition));
      const m =
        pe && pe.committedOffset >= 0
          ? matches.get(`${tpKey(log.topic, log.partition)}@${pe.committedOffset}`)
          : undefined;
      const tail = tails.get(tpKey(log.topic, log.partition));
      const region = postSwitch.get(tpKey(log.topic, log.partition));
      const replicatedEnd = region
        ? Math.min(region[3], log.end)
        : tail?.found && tail.lastCopy !== null
          ? tail.lastCopy + 1
          : undefined;
      const firstNew = region ? Math.min(region[2], log.end) : undefined;
      return {
        topic: log.topic,
        partition: log.partition,
        secondary: {
          earliest: log.earliest,
          end: log.end,
          ...(replicatedEnd !== undefined ? { replicatedEnd } : {}),
          ...(firstNew !== undefined ? { firstNew } : {}),
        },
        ...(m ? (m.found ? { matched: { offset: m.secondaryOffset, proof: m.proof } } : { unmatched: m.reason }) : {}),
        ...(cp ? { checkpoint: { upstreamOffset: cp.upstreamOffset, downstreamOffset: cp.downstreamOffset } } : {}),
        ...(pe ? { primary: pe } : o.primary ? { primary: { committedOffset: -1 } } : {}),
      };
    }),
  }));

  // Each group gets exactly the lookups its own decision needs; the secondary is asked once per distinct one.
  progress('secondary offsets for times');
  const perGroup = groups.map((g) => timestampQueries([g], o.plan));
  const answers = await offsetsForTimes(o.secondary, perGroup.flat());
  let lookups = 0;
  groups.forEach((g, i) => {
    for (const q of perGroup[i]) {
      lookups++;
      const p = g.partitions.find((x) => x.partition === q.partition && x.topic === q.topic);
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
      matched: [...matches.values()].filter((m) => m.found).length,
      unmatched: [...matches.values()].filter((m) => !m.found).length,
      elapsedMs: Date.now() - started,
    },
  };
}
