// Setting consumer groups' offsets: a commit as an admin (src/kafka/protocol/offset-commit.ts), then a read back,
// so a group reset reports what the broker holds rather than what was asked.
import { commitOffsets, fetchCommitted, mapLimit, tpKey } from '../protocol';
import { GroupHasLiveMembersError, OffsetReadBackError } from './errors';
import { describeGroupMembers, type CommittedOffset, type GroupMembers } from './groups';
import type { AdminSession } from './session';

export interface SetOffsetsResult {
  group: string;
  applied: CommittedOffset[];
}

const LIVE_GROUP_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
]);

async function applyAndVerify(
  s: AdminSession,
  group: string,
  offsets: readonly CommittedOffset[],
  state: GroupMembers | undefined,
): Promise<SetOffsetsResult> {
  if (state?.live) throw new GroupHasLiveMembersError(group, state.state, state.members);
  try {
    await commitOffsets(s.protocol, group, offsets);
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type && LIVE_GROUP_ERRORS.has(type))
      throw new GroupHasLiveMembersError(group, `broker said ${type}`, state?.members ?? 1);
    throw err;
  }
  const back = await fetchCommitted(s.protocol, group, offsets);
  const wrong = offsets.filter((o) => back.get(tpKey(o.topic, o.partition)) !== o.offset);
  if (wrong.length) {
    throw new OffsetReadBackError(
      `group ${group}: read back differs from what was set on ` +
        wrong
          .map((o) => `${o.topic}[${o.partition}] wanted ${o.offset} got ${back.get(tpKey(o.topic, o.partition))}`)
          .join(', '),
    );
  }
  return { group, applied: [...offsets] };
}

/**
 * Sets a group's committed offsets exactly, per partition, then reads them back and compares. Refuses
 * (GroupHasLiveMembersError) when the group has live members; setting the same offsets again is a no-op.
 */
export async function setGroupOffsets(
  s: AdminSession,
  group: string,
  offsets: readonly CommittedOffset[],
): Promise<SetOffsetsResult> {
  const [state] = await describeGroupMembers(s, [group]);
  return applyAndVerify(s, group, offsets, state);
}

export interface SetManyResult {
  done: SetOffsetsResult[];
  live: GroupHasLiveMembersError[];
  failed: { group: string; error: Error }[];
}

/**
 * Many groups at once: one batched describe, then commit + read back per group with bounded concurrency.
 * A live or failing group does not stop the others; the caller sees each outcome.
 */
export async function setManyGroupOffsets(
  s: AdminSession,
  plans: readonly { group: string; offsets: readonly CommittedOffset[] }[],
  options: {
    concurrency?: number;
    onProgress?: (done: number, total: number, applied?: SetOffsetsResult) => void;
    /** Checked before each group: a cancelled activity must not go on committing after its retry has started. */
    stopped?: () => boolean;
  } = {},
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
  let count = 0;
  await mapLimit(plans, options.concurrency ?? 32, async (p) => {
    let applied: SetOffsetsResult | undefined;
    if (options.stopped?.()) return;
    try {
      applied = await applyAndVerify(s, p.group, p.offsets, states.get(p.group));
      result.done.push(applied);
    } catch (err) {
      if (err instanceof GroupHasLiveMembersError) result.live.push(err);
      else result.failed.push({ group: p.group, error: err as Error });
    }
    options.onProgress?.(++count, plans.length, applied);
  });
  return result;
}
