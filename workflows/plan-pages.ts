// A plan too large for one payload comes back from planOffsets as its first page and a reference to the plan
// store on the secondary (src/plan/store.ts). The workflow reads the other pages, one activity each, so
// every payload stays far below Temporal's 2 MB and the run then holds the whole plan: sealing, comparing,
// resetting and the post-switch guard see every group, exactly as with a small plan.
import type { PairConfig } from '../src/config';
import type { KdrActivities } from '../activities';
import type { StepContext } from './runner';
import type { FailoverPlan } from '../src/plan/model';
import { stepFailure } from './runner';
import { acts } from './acts';

export async function wholePlan(step: StepContext, pair: PairConfig, plan: FailoverPlan): Promise<FailoverPlan> {
  return readWholePlan(acts(step).readPlanPage, pair, plan);
}

/** The same with the caller's own activity stub (drDrill has no steps). */
export async function readWholePlan(
  readPlanPage: KdrActivities['readPlanPage'],
  pair: PairConfig,
  plan: FailoverPlan,
): Promise<FailoverPlan> {
  const ref = plan.stored;
  if (!ref) return plan;
  const rest = await Promise.all(ref.pages.slice(1).map((_, i) => readPlanPage(pair, ref, i + 1)));
  const groups = [...plan.groups, ...rest.flat()];
  if (groups.length !== ref.groups) {
    throw stepFailure(
      'PlanStoreIncomplete',
      `stored plan ${ref.sha256}: read ${groups.length} groups back, the plan has ${ref.groups}`,
    );
  }
  return { ...plan, groups };
}
