// Resetting the planned groups on the target side, in batches over a few lanes: a retry resets only the groups
// not done yet (`done` survives the attempt), and a group with live members is reported, never forced.
import { patched } from '@temporalio/workflow';
import type { PairConfig } from '../../src/config';
import type { GroupReset, GroupTarget } from '../../src/plan/model';
import { stepFailure, type StepContext } from '../runner';
import { acts } from '../acts';

/** Groups per reset activity: big enough to keep the history small, small enough to heartbeat meaningfully. */
const RESET_BATCH = 250;
/** Reset activities in flight at once (each with 32 groups in flight): 128 groups, as many admin sessions as lanes. */
const RESET_LANES = 4;

export async function resetAll(
  step: StepContext,
  pair: PairConfig,
  groups: GroupTarget[],
  done: Map<string, GroupReset>,
): Promise<void> {
  const { resetGroups } = acts(step);
  const todo = groups.filter((g) => !done.has(g.group));
  const live: string[] = [];
  const failed: string[] = [];
  // Several batches in flight: one after the other, 10,000 groups paid 40 activity round trips and admin
  // sessions in sequence. Each batch still heartbeats its own groups, so a retry resumes where it stopped.
  const lanes = patched('failover-reset-batches-in-parallel') ? RESET_LANES : 1;
  // Large plans in larger batches (about 4 per lane: 625 groups at 10,000), for fewer round trips still.
  const size = patched('failover-reset-batches-sized')
    ? Math.max(RESET_BATCH, Math.ceil(todo.length / (lanes * 4)))
    : RESET_BATCH;
  const batches: GroupTarget[][] = [];
  for (let i = 0; i < todo.length; i += size) batches.push(todo.slice(i, i + size));
  let next = 0;
  let stop: unknown;
  const lane = async () => {
    while (next < batches.length && stop === undefined) {
      const batch = batches[next++];
      let r: Awaited<ReturnType<typeof resetGroups>>;
      try {
        r = await resetGroups(pair, batch, { concurrency: 32 });
      } catch (err) {
        stop ??= err;
        return;
      }
      for (const d of r.done) done.set(d.group, d);
      const answered = new Set([
        ...r.done.map((d) => d.group),
        ...r.live.map((l) => l.group),
        ...r.failed.map((f) => f.group),
      ]);
      const unanswered = batch.filter((g) => !answered.has(g.group)).map((g) => g.group);
      if (unanswered.length)
        failed.push(...unanswered.slice(0, 10).map((g) => `${g}: no outcome reported (the reset was interrupted)`));
      live.push(...r.live.map((l) => `${l.group} (${l.members} member(s), ${l.state})`));
      failed.push(...r.failed.map((f) => `${f.group}: ${f.error}`));
      step.summary(`${done.size}/${groups.length} groups reset`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, batches.length) }, lane));
  // The other lanes finished their batch first: every group reset so far is in `done` for the retry.
  if (stop !== undefined) throw stop;
  if (live.length || failed.length) {
    const parts = [
      live.length
        ? `${live.length} group(s) still have live members on the secondary, stop their consumers: ${live.slice(0, 20).join(', ')}`
        : '',
      failed.length ? `${failed.length} group(s) failed: ${failed.slice(0, 10).join('; ')}` : '',
    ].filter(Boolean);
    throw stepFailure(
      live.length ? 'GroupsHaveLiveMembers' : 'ResetFailed',
      `${parts.join('; ')}. ${done.size}/${groups.length} groups done; resolve retry resets only the rest`,
    );
  }
  step.summary(`${done.size}/${groups.length} groups reset and read back`);
}
