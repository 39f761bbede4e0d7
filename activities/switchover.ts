// The planned switchover's checks around the CNAME switch: where the secondary's logs end before any client can
// write there, whether the primary has gone quiet (no writes, no members left in the planned groups), whether
// replication is complete by record identity, and the post-switch guard over the groups' commits.
import { Context } from '@temporalio/activity';
import type { PairConfig } from '../src/config';
import {
  committedOffsets,
  describeGroupMembers,
  partitionOffsets,
  setManyGroupOffsets,
  tpKey,
  type CommittedOffset,
} from '../src/kafka/admin';
import { matchTails, type TailMatch } from '../src/kafka/match';
import { mapLimit } from '../src/kafka/protocol';
import { lastCanaryProfile } from '../src/kafka/canary';
import { describeProfile, supportsExactMatch } from '../src/kafka/fidelity';
import { postSwitchRegion, type PostSwitchEnd } from '../src/kafka/post-switch';
import type { ActivityDeps } from './deps';
import { withAdmin, withBoth } from './sessions';
import type { GroupTarget } from '../src/plan/model';

/** [topic, partition, offset]: compact, because it goes into history. */
export type PartitionEnd = [string, number, number];

export interface QuietCheck {
  quiet: boolean;
  windowMs: number;
  /** Partitions whose log end moved during the window (the busiest first, at most 10). */
  moving: { topic: string; partition: number; records: number }[];
  movedRecords: number;
  /** Planned groups that still have members on the primary (at most 20), with their clients. */
  groupsWithMembers: { group: string; members: number; clients: string[] }[];
}

export interface ReplicationCheck {
  complete: boolean;
  /** False when the measured profile gives nothing to compare: completeness can never be shown (fail, don't wait). */
  provable: boolean;
  reason?: string;
  /** Partitions whose newest primary record is not (yet) on the secondary (at most 10). */
  missing: { topic: string; partition: number; primaryEnd: number; reason?: string }[];
  /** Per primary partition, the copy of its last record (same partition; only when the profile allows exact matching). */
  tails: TailMatch[];
  /** Per secondary partition, once complete: the first record written there after the switch, and the end of the copies. */
  postSwitch: PostSwitchEnd[];
  /** What the comparison relied on, and where it was conservative. */
  notes: string[];
}

export interface GuardCheck {
  checks: number;
  /** Groups whose commits could not come from consuming from the planned offsets, with what was seen. */
  suspicious: { group: string; live: boolean; seen: string; reapplied: boolean }[];
}

function sleepHeartbeating(ms: number, detail: () => unknown): Promise<void> {
  const ctx = Context.current();
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = setInterval(
      () => {
        ctx.heartbeat(detail());
        if (Date.now() - started >= ms) {
          clearInterval(tick);
          resolve();
        }
      },
      Math.min(1000, ms),
    );
    ctx.cancelled.catch((err) => {
      clearInterval(tick);
      reject(err);
    });
  });
}

export function switchoverActivities(deps: ActivityDeps) {
  return {
    /** Log end offsets of the secondary now: before the switch, every record there came from the primary. */
    async secondaryEnds(pair: PairConfig, topics: string[]): Promise<PartitionEnd[]> {
      return withAdmin(deps, pair.secondary, 'secondary-ends', async (s) =>
        (await partitionOffsets(s, topics)).map((p): PartitionEnd => [p.topic, p.partition, p.end]),
      );
    },

    /**
     * Is the primary quiet? Reads every partition's log end, waits `windowMs` (heartbeating), reads again; and
     * lists the planned groups that still have members there. Quiet = nothing moved and no member left.
     */
    async primaryQuiet(pair: PairConfig, topics: string[], groups: string[], windowMs: number): Promise<QuietCheck> {
      return withAdmin(deps, pair.primary, 'quiet', async (primary) => {
        const application = topics.filter((t) => t !== pair.replication.canaryTopic);
        const first = new Map(
          (await partitionOffsets(primary, application)).map((p) => [tpKey(p.topic, p.partition), p.end]),
        );
        await sleepHeartbeating(windowMs, () => ({ waiting: 'quiet window' }));
        const second = await partitionOffsets(primary, application);
        const moving = second
          .map((p) => ({
            topic: p.topic,
            partition: p.partition,
            records: p.end - (first.get(tpKey(p.topic, p.partition)) ?? p.end),
          }))
          .filter((m) => m.records > 0)
          .sort((a, b) => b.records - a.records);
        const members = (await describeGroupMembers(primary, groups)).filter((g) => g.members > 0);
        return {
          quiet: moving.length === 0 && members.length === 0,
          windowMs,
          moving: moving.slice(0, 10),
          movedRecords: moving.reduce((n, m) => n + m.records, 0),
          groupsWithMembers: members
            .slice(0, 20)
            .map((g) => ({ group: g.group, members: g.members, clients: g.clients.slice(0, 5) })),
        };
      });
    },

    /**
     * Replication is complete when every primary partition's newest record is on the secondary, found by
     * identity, not by comparing counts: in the same partition with its neighbour when the measured profile
     * allows exact matching (MirrorMaker 2), else by key and value on any partition (a re-producing stream).
     * Once complete, the secondary's post-switch records are told apart (copies vs. the applications' own), so
     * the final plan never starts a group past a record nobody processed. `preSwitchEnds` are the secondary's
     * log ends read just before the CNAME moved.
     */
    async replicationComplete(
      pair: PairConfig,
      topics: string[],
      preSwitchEnds: PartitionEnd[],
    ): Promise<ReplicationCheck> {
      return withBoth(deps, pair, 'complete', async ({ primary, secondary }) => {
        const application = topics.filter((t) => t !== pair.replication.canaryTopic);
        const before = new Map(preSwitchEnds.map(([t, p, e]) => [tpKey(t, p), e]));
        const profile = await lastCanaryProfile(secondary, pair.replication.canaryTopic);
        const exact = supportsExactMatch(profile);
        let tails: TailMatch[] = [];
        if (exact) {
          tails = await matchTails(primary, secondary, await partitionOffsets(primary, application));
          for (const t of tails) {
            if (t.found && t.lastCopy === null) {
              const end = before.get(tpKey(t.topic, t.partition)) ?? 0;
              if (end > 0) t.lastCopy = end - 1;
            }
          }
          const missing = tails.filter((t) => !t.found);
          if (missing.length) {
            return {
              complete: false,
              provable: true,
              tails,
              postSwitch: [],
              notes: [],
              missing: missing.slice(0, 10).map((t) => ({
                topic: t.topic,
                partition: t.partition,
                primaryEnd: t.primaryEnd,
                ...(t.reason ? { reason: t.reason } : {}),
              })),
            };
          }
        }
        const region = await postSwitchRegion(primary, secondary, application, before, profile, { checkTails: !exact });
        const notes = [`compared under ${describeProfile(profile)}`, ...region.notes.slice(0, 10)];
        if (!region.provable)
          return {
            complete: false,
            provable: false,
            ...(region.reason ? { reason: region.reason } : {}),
            missing: [],
            tails,
            postSwitch: [],
            notes,
          };
        return {
          complete: region.complete,
          provable: true,
          missing: region.missing.slice(0, 10),
          tails,
          postSwitch: region.complete ? region.ends : [],
          notes,
        };
      });
    },

    /**
     * The post-switch guard: for `windowMs`, every few seconds, reads the committed offsets of every planned group
     * on the secondary. A commit below the planned offset, or past the log end, cannot come from a consumer that
     * started at the plan: a stale client is committing positions of the other cluster. Empty groups get the
     * plan back at once; live ones are reported (their clients must be restarted).
     */
    async guardGroups(pair: PairConfig, groups: GroupTarget[], windowMs: number, everyMs = 3000): Promise<GuardCheck> {
      const ctx = Context.current();
      return withAdmin(deps, pair.secondary, 'guard', async (secondary) => {
        const planned = new Map(
          groups.map((g) => [
            g.group,
            g.offsets.map(([topic, partition, offset]): CommittedOffset => ({ topic, partition, offset })),
          ]),
        );
        const found = new Map<string, GuardCheck['suspicious'][number]>();
        const topics = [...new Set(groups.flatMap((g) => g.offsets.map(([t]) => t)))];
        const started = Date.now();
        let checks = 0;
        for (;;) {
          checks++;
          // Commits first, log ends after: a consumer at the tip keeps committing while producers write, so ends
          // read before the commits would make its legitimate commit look "past the log end".
          const commits = new Map<string, Map<string, number>>();
          await mapLimit([...planned], 16, async ([group, offsets]) => {
            commits.set(
              group,
              new Map(
                (await committedOffsets(secondary, group, offsets)).map((c) => [tpKey(c.topic, c.partition), c.offset]),
              ),
            );
          });
          const ends = new Map(
            (await partitionOffsets(secondary, topics)).map((p) => [tpKey(p.topic, p.partition), p.end]),
          );
          const wrong: { group: string; seen: string }[] = [];
          for (const [group, offsets] of planned) {
            const now = commits.get(group) ?? new Map<string, number>();
            const bad = offsets.filter((o) => {
              const c = now.get(tpKey(o.topic, o.partition));
              return c === undefined || c < o.offset || c > (ends.get(tpKey(o.topic, o.partition)) ?? Infinity);
            });
            if (bad.length) {
              wrong.push({
                group,
                seen: bad
                  .slice(0, 3)
                  .map(
                    (o) =>
                      `${o.topic}[${o.partition}] planned ${o.offset}, committed ${now.get(tpKey(o.topic, o.partition)) ?? 'none'}`,
                  )
                  .join('; '),
              });
            }
          }
          if (wrong.length) {
            const states = new Map(
              (
                await describeGroupMembers(
                  secondary,
                  wrong.map((w) => w.group),
                )
              ).map((g) => [g.group, g]),
            );
            const empty = wrong.filter((w) => !states.get(w.group)?.live);
            const again = await setManyGroupOffsets(
              secondary,
              empty.map((w) => ({ group: w.group, offsets: planned.get(w.group)! })),
            );
            const reapplied = new Set(again.done.map((d) => d.group));
            for (const w of wrong) {
              found.set(w.group, {
                group: w.group,
                live: !reapplied.has(w.group),
                seen: w.seen,
                reapplied: reapplied.has(w.group) || (found.get(w.group)?.reapplied ?? false),
              });
            }
          }
          ctx.heartbeat({ checks, suspicious: found.size });
          if (Date.now() - started >= windowMs) break;
          await sleepHeartbeating(Math.min(everyMs, Math.max(1, windowMs - (Date.now() - started))), () => ({
            checks,
            suspicious: found.size,
          }));
        }
        return { checks, suspicious: [...found.values()].slice(0, 50) };
      });
    },
  };
}
