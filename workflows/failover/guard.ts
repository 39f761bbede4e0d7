// Post-switch guard: for a while after the switch, a commit below the plan means a client that never restarted
// (it keeps the other cluster's positions). Live ones block the step; empty groups get the plan re-applied.
import { formatDuration, type PairConfig } from '../../src/config';
import type { GroupTarget } from '../../src/plan/model';
import { stepFailure, type StepContext } from '../runner';
import { acts } from '../acts';

export async function guardAfterSwitch(step: StepContext, pair: PairConfig, groups: GroupTarget[], guard: number) {
  const { guardGroups } = acts(step);
  step.summary(
    `watching ${groups.length} group(s) for ${formatDuration(guard)}: a commit below the plan means a stale client`,
  );
  const g = await guardGroups(pair, groups, guard);
  const live = g.suspicious.filter((s) => s.live);
  if (live.length) {
    throw stepFailure(
      'StaleClientCommits',
      `${live.length} group(s) have clients committing positions that do not come from the plan — restart those clients ` +
        `(a client that never restarted keeps the other cluster's positions): ${live
          .slice(0, 10)
          .map((s) => `${s.group}: ${s.seen}`)
          .join('; ')}`,
    );
  }
  step.summary(
    `${g.checks} check(s) over ${formatDuration(guard)}: ` +
      (g.suspicious.length
        ? `plan re-applied to ${g.suspicious.length} empty group(s): ${g.suspicious
            .slice(0, 5)
            .map((s) => `${s.group} (${s.seen})`)
            .join('; ')}`
        : 'every commit consistent with the plan'),
  );
  return g;
}
