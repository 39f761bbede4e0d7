// drFailover's reset of one batch of groups on the secondary, resumable: the groups an earlier attempt finished
// (its last heartbeat) are not touched again; each group done is reported at once (the heartbeat, at most every
// 500 ms); a cancellation stops it half-way (not a result); a broker away under the reset makes the attempt fail
// so the activity's retry resets the rest, while answers about a group (live members, a read-back that differs)
// are the batch's result. How each group is reset is src/kafka/admin/set-offsets.ts (resetGroupOffsets).
import type { CommittedOffset, GroupResetResult } from '../kafka/admin';
import type { GroupReset, GroupTarget } from '../plan/model';
import { isRetriable } from '../retriable';

export interface ResetBatchResult {
  done: GroupReset[];
  live: { group: string; members: number; state: string }[];
  failed: { group: string; error: string }[];
}

export interface ResetPorts {
  /** What an earlier attempt of this batch reported done (its last heartbeat), else empty. */
  previous: GroupReset[];
  /** Resets these groups to their planned offsets, telling `onReset` about each group done. */
  reset(
    plans: { group: string; offsets: CommittedOffset[] }[],
    options: { concurrency: number; stopped: () => boolean; onReset: (reset: GroupReset) => void },
  ): Promise<Pick<GroupResetResult, 'live' | 'failed'>>;
  /** The attempt was cancelled (worker shutdown, run cancelled). */
  stopped(): boolean;
  heartbeat(done: GroupReset[]): void;
  now(): number;
}

/** Stopped half-way by a cancellation: the activity reports it as cancelled, never as a result. */
export class ResetCancelled extends Error {
  override name = 'ResetCancelled';
}

export async function resetBatch(batch: GroupTarget[], ports: ResetPorts, concurrency = 32): Promise<ResetBatchResult> {
  const already = new Set(ports.previous.map((d) => d.group));
  const done: GroupReset[] = ports.previous.filter((d) => batch.some((g) => g.group === d.group));
  const plans = batch
    .filter((g) => !already.has(g.group))
    .map((g) => ({
      group: g.group,
      offsets: g.offsets.map(([topic, partition, offset]): CommittedOffset => ({ topic, partition, offset })),
    }));
  let lastBeat = 0;
  const result = await ports.reset(plans, {
    concurrency,
    stopped: ports.stopped,
    onReset: (reset) => {
      done.push(reset);
      // At most every 500 ms: each heartbeat serializes every group done so far (250 groups, ~100 KB), and one per
      // group kept the worker busy encoding. A group committed after the last heartbeat is found at its planned
      // offsets by a retry and not committed again (its report then shows no change).
      if (ports.now() - lastBeat >= 500) {
        lastBeat = ports.now();
        ports.heartbeat(done);
      }
    },
  });
  ports.heartbeat(done);
  if (ports.stopped()) throw new ResetCancelled(`reset cancelled after ${done.length}/${batch.length} groups`);
  // A broker restarting under the reset fails every group it was committing with a connection error; reported as
  // failed groups they blocked the step for an operator. The activity retries instead, from the heartbeat: groups
  // done are not touched, and a group whose commit landed before the broker died is found at its plan.
  const transient = result.failed.filter((f) => isRetriable(f.error));
  if (transient.length) {
    throw new Error(
      `${transient.length} group(s) hit a transient broker error ` +
        `(${transient[0].group}: ${transient[0].error.message}); ` +
        `${done.length}/${batch.length} groups done, the retry resets the rest`,
    );
  }
  return {
    done,
    live: result.live.map((e) => ({ group: e.group, members: e.members, state: e.state })),
    failed: result.failed.map((f) => ({ group: f.group, error: f.error.message })),
  };
}
