// drFailover's step table, shared by the workflow and its stage helpers (so `run.step` names are checked in both).
import { quick, reading, resetting, watching } from '../activity-options';
import type { Runbook } from '../runner';

export const FAILOVER_STEPS = {
  'load-pair': { title: 'Load and validate the pair and options', activities: quick },
  assess: { title: 'Assess: secondary healthy, primary reachable, connector', activities: reading },
  plan: { title: 'Plan offsets for every group', activities: reading },
  approval: { title: 'Approval' },
  freeze: { title: 'Outage: pause replication and re-plan on the frozen secondary', activities: reading },
  'reset-offsets': { title: 'Reset offsets on the secondary (before the CNAME moves)', activities: resetting },
  'switch-cname': { title: 'Switch the CNAME to the secondary', activities: quick },
  drain: { title: 'Switchover: primary quiet, replication complete, connector paused', activities: watching },
  'final-plan': { title: "Switchover: final plan from the groups' last positions", activities: reading },
  reapproval: { title: 'Approval again (only if the final plan is worse than the approved one)' },
  'apply-final': { title: 'Switchover: apply the final plan', activities: resetting },
  guard: { title: 'Post-switch guard: no stale client commits over the plan', skippable: true, activities: watching },
  verify: { title: 'Verify and report', activities: quick },
} as const;

export type FailoverRun = Runbook<typeof FAILOVER_STEPS>;
