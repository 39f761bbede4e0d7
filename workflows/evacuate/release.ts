// A member of an evacuation (drFailover started by drEvacuate with `evacuation: true`) does not open its own first
// approval: the evacuation's one approval covers its exact first plan. Its parent signals the release, and since a
// signal proves nothing about its sender, the member asks its parent's own `evacuation` query (an activity) that
// the evacuation was approved and released exactly this planId. Any other plan, or no approval, is refused.
import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { MAX_APPROVAL_TIMEOUT_MS } from '../../src/config';
import type { KdrActivities } from '../../activities';
import { refused, type Approval, type Runbook, type StepDeclarations } from '../runner';
import { quick } from '../activity-options';
import { evacuationReleaseSignal } from './definitions';

/** Refuses `evacuation: true` on a run nobody started as a child: only drEvacuate may. */
export function evacuationParent(): { workflowId: string; runId: string } {
  const parent = workflowInfo().parent;
  if (!parent)
    throw refused(
      'evacuation is set by drEvacuate on its member failovers only: start kdr failover (or kdr evacuate) instead',
    );
  return { workflowId: parent.workflowId, runId: parent.runId };
}

/**
 * Waits (as step `approval`) for the evacuation to release `planId`. Returns the approval, or undefined when the
 * evacuation ended without releasing it (rejected, timed out): then nothing was changed and the run ends.
 */
export async function evacuationRelease<S extends StepDeclarations & { approval: unknown }>(
  run: Runbook<S>,
  pair: string,
  planId: string,
): Promise<Approval | { withdrawn: string }> {
  const parent = evacuationParent();
  let offered = 0;
  setHandler(
    evacuationReleaseSignal,
    () => {
      offered++;
    },
    { description: "drEvacuate releases this member's plan (checked against the parent)" },
  );
  const outcome = await run.step('approval', async (step): Promise<Approval | { withdrawn: string }> => {
    const acts = step.activities<KdrActivities>(quick);
    step.summary(
      `waiting for evacuation ${parent.workflowId} to be approved and release plan ${planId} (kdr evacuate --status)`,
    );
    for (;;) {
      const seen = offered;
      if (!(await condition(() => offered > seen, MAX_APPROVAL_TIMEOUT_MS))) {
        return {
          withdrawn: `evacuation ${parent.workflowId} released nothing within ${MAX_APPROVAL_TIMEOUT_MS / 86_400_000} days`,
        };
      }
      const v = await acts.confirmEvacuationRelease(parent, pair, planId);
      if (v.ok) {
        run.audit({
          action: 'approve',
          planId,
          note: `released by evacuation ${parent.workflowId} (plan ${v.evacuationPlanId}) approved by ${v.approvedBy.join(', ')}`,
        });
        step.summary(
          `plan ${planId} approved by ${v.approvedBy.join(', ')} through evacuation plan ${v.evacuationPlanId}`,
        );
        return { planId, approvedBy: v.approvedBy.map((by) => ({ by, at: new Date().toISOString() })) };
      }
      run.audit({ action: 'approve', accepted: false, planId, reason: v.reason ?? 'not released' });
      if (v.withdrawn) return { withdrawn: v.reason ?? 'the evacuation ended' };
    }
  });
  return outcome as Approval | { withdrawn: string };
}
