// Setting consumer groups' offsets: a commit as an admin (src/kafka/protocol/offset-commit.ts), then a read back,
// so a group reset reports what the broker holds rather than what was asked.
//
// Many groups: OffsetCommit names one group, so each group costs one commit; everything else is batched per
// coordinator (describe, the old offsets, the read-back: OffsetFetch v8 names up to 500 groups, each with its own
// partitions). A reset of n groups is then about n + 3 requests instead of 2n: the read-back per group was half
// of a reset's requests, and most of its time at 100 and 1,000 groups (docs/benchmarks.md).
import { commitOffsets, fetchCommitted, fetchCommittedEach, mapLimit, tpKey } from '../protocol';
import { GroupHasLiveMembersError, OffsetReadBackError } from './errors';
import { describeGroupMembers, type CommittedOffset, type GroupMembers } from './groups';
import type { AdminSession } from './session';

export interface SetOffsetsResult {
  group: string;
  applied: CommittedOffset[];
}

/** What a reset needs of a session: only the protocol connection (no kafkajs Admin). */
export type ProtocolSession = Pick<AdminSession, 'protocol'>;

type GroupPlan = { group: string; offsets: readonly CommittedOffset[] };

const LIVE_GROUP_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
]);

/** Groups read back per verification round: one OffsetFetch v8 per coordinator. */
const VERIFY_CHUNK = 500;

async function commitAsAdmin(s: ProtocolSession, p: GroupPlan, state: GroupMembers | undefined): Promise<void> {
  if (state?.live) throw new GroupHasLiveMembersError(p.group, state.state, state.members);
  try {
    await commitOffsets(s.protocol, p.group, p.offsets);
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type && LIVE_GROUP_ERRORS.has(type))
      throw new GroupHasLiveMembersError(p.group, `broker said ${type}`, state?.members ?? 1);
    throw err;
  }
}

function readBackError(
  group: string,
  offsets: readonly CommittedOffset[],
  back: Map<string, number> | undefined,
): OffsetReadBackError | null {
  const wrong = offsets.filter((o) => back?.get(tpKey(o.topic, o.partition)) !== o.offset);
  if (!wrong.length) return null;
  return new OffsetReadBackError(
    `group ${group}: read back differs from what was set on ` +
      wrong
        .map((o) => `${o.topic}[${o.partition}] wanted ${o.offset} got ${back?.get(tpKey(o.topic, o.partition))}`)
        .join(', '),
  );
}

/**
 * Sets a group's committed offsets exactly, per partition, then reads them back and compares. Refuses
 * (GroupHasLiveMembersError) when the group has live members; setting the same offsets again is a no-op.
 */
export async function setGroupOffsets(
  s: ProtocolSession,
  group: string,
  offsets: readonly CommittedOffset[],
): Promise<SetOffsetsResult> {
  const [state] = await describeGroupMembers(s, [group]);
  await commitAsAdmin(s, { group, offsets }, state);
  const error = readBackError(group, offsets, await fetchCommitted(s.protocol, group, offsets));
  if (error) throw error;
  return { group, applied: [...offsets] };
}

export interface SetManyResult {
  done: SetOffsetsResult[];
  live: GroupHasLiveMembersError[];
  failed: { group: string; error: Error }[];
}

interface ManyOptions {
  concurrency?: number;
  /** Called once per group, when its outcome is known (for a done group: after its read-back). */
  onProgress?: (done: number, total: number, applied?: SetOffsetsResult) => void;
  /** Checked before each group: a cancelled activity must not go on committing after its retry has started. */
  stopped?: () => boolean;
}

/**
 * Commits each plan (the live ones refused without a request), then reads the committed ones back, a chunk of
 * groups at a time, in one request per coordinator. A group counts as done only once its read-back matches.
 */
async function commitThenVerify(
  s: ProtocolSession,
  plans: readonly GroupPlan[],
  states: Map<string, GroupMembers>,
  result: SetManyResult,
  options: ManyOptions,
): Promise<void> {
  let count = 0;
  const outcome = (applied?: SetOffsetsResult) => options.onProgress?.(++count, plans.length, applied);
  for (let from = 0; from < plans.length; from += VERIFY_CHUNK) {
    const committed: GroupPlan[] = [];
    await mapLimit(plans.slice(from, from + VERIFY_CHUNK), options.concurrency ?? 32, async (p) => {
      if (options.stopped?.()) return;
      try {
        await commitAsAdmin(s, p, states.get(p.group));
        committed.push(p);
      } catch (err) {
        if (err instanceof GroupHasLiveMembersError) result.live.push(err);
        else result.failed.push({ group: p.group, error: err as Error });
        outcome();
      }
    });
    if (committed.length === 0) continue;
    let back: Map<string, Map<string, number>>;
    try {
      back = await fetchCommittedEach(
        s.protocol,
        committed.map((p) => ({ group: p.group, partitions: p.offsets })),
        { concurrency: options.concurrency },
      );
    } catch (err) {
      // Committed but not verified: reported failed (a retry finds them at their plan and reads them again).
      for (const p of committed) {
        result.failed.push({ group: p.group, error: err as Error });
        outcome();
      }
      continue;
    }
    for (const p of committed) {
      const error = readBackError(p.group, p.offsets, back.get(p.group));
      if (error) {
        result.failed.push({ group: p.group, error });
        outcome();
      } else {
        const applied = { group: p.group, applied: [...p.offsets] };
        result.done.push(applied);
        outcome(applied);
      }
    }
  }
}

/**
 * Many groups at once: one batched describe, a commit per group with bounded concurrency, then batched
 * read-backs. A live or failing group does not stop the others; the caller sees each outcome.
 */
export async function setManyGroupOffsets(
  s: ProtocolSession,
  plans: readonly GroupPlan[],
  options: ManyOptions = {},
): Promise<SetManyResult> {
  const states = new Map(
    (
      await describeGroupMembers(
        s,
        plans.map((p) => p.group),
      )
    ).map((g) => [g.group, g]),
  );
  const result: SetManyResult = { done: [], live: [], failed: [] };
  await commitThenVerify(s, plans, states, result, options);
  return result;
}

/** [topic, partition, offset before, offset after]: compact, since a reset's report goes into history. */
export type OffsetChange = [string, number, number, number];

export interface GroupOffsetsReset {
  group: string;
  /** One per planned partition; before is -1 where the group had no commit. */
  changes: OffsetChange[];
}

export interface GroupResetResult {
  /** Every group at its plan: committed and read back, or found there already (then before = after). */
  done: GroupOffsetsReset[];
  live: GroupHasLiveMembersError[];
  failed: { group: string; error: Error }[];
}

/**
 * drFailover's reset: each group's old offsets (for the report) and its members are read first, both batched
 * and at the same time; a group already at its plan is done without a commit (so a retry commits each group
 * once); a group with live members is refused; the rest are committed and read back (as setManyGroupOffsets).
 * `onReset` hears each group done as soon as it is verified.
 */
export async function resetGroupOffsets(
  s: ProtocolSession,
  plans: readonly GroupPlan[],
  options: {
    concurrency?: number;
    stopped?: () => boolean;
    onReset?: (reset: GroupOffsetsReset) => void;
  } = {},
): Promise<GroupResetResult> {
  const [described, before] = await Promise.all([
    describeGroupMembers(
      s,
      plans.map((p) => p.group),
    ),
    fetchCommittedEach(
      s.protocol,
      plans.map((p) => ({ group: p.group, partitions: p.offsets })),
      { concurrency: options.concurrency },
    ),
  ]);
  const states = new Map(described.map((g) => [g.group, g]));
  const done: GroupOffsetsReset[] = [];
  const record = (group: string, applied: readonly CommittedOffset[]) => {
    const old = before.get(group);
    const reset = {
      group,
      changes: applied.map((a): OffsetChange => [
        a.topic,
        a.partition,
        old?.get(tpKey(a.topic, a.partition)) ?? -1,
        a.offset,
      ]),
    };
    done.push(reset);
    options.onReset?.(reset);
  };
  const todo: GroupPlan[] = [];
  for (const p of plans) {
    const old = before.get(p.group);
    if (p.offsets.every((o) => old?.get(tpKey(o.topic, o.partition)) === o.offset)) record(p.group, p.offsets);
    else todo.push(p);
  }
  const result: SetManyResult = { done: [], live: [], failed: [] };
  await commitThenVerify(s, todo, states, result, {
    concurrency: options.concurrency,
    stopped: options.stopped,
    onProgress: (_n, _total, applied) => applied && record(applied.group, applied.applied),
  });
  return { done, live: result.live, failed: result.failed };
}
