// The kafka-dr activities as a runbook step calls them, typed once for every runbook: `acts(step).assess(pair)`
// runs `assess` with the step's declared options (timeouts, retry policy, the pair's deadline), `acts(step, quick)`
// overrides some. Making the proxy adds nothing to a run's history: only the calls do, under the same names and
// with the same options as before.
import type { ActivityInterfaceFor, ActivityOptions } from '@temporalio/workflow';
import type { KdrActivities } from '../activities';
import type { StepContext } from './runner';

export function acts(step: StepContext, options?: Partial<ActivityOptions>): ActivityInterfaceFor<KdrActivities> {
  return step.activities<KdrActivities>(options);
}
