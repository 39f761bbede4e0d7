// Workflow ids of a pair's runs: one scheme, `dr-<runbook>-<pair>`, so one run of each runbook per pair at a time
// and a pair's runs sort together in the Temporal UI. Ids are kdr's and the runbooks' own choice: a run started from
// the Temporal UI may have any id (its runbook still refuses a second failover of the pair, by search attribute).
//
// Runs started before the scheme keep their ids (drWatch ran as `kdr-watch-<pair>`): `workflowIdsOf` lists the
// current id first, then the earlier ones, and kdr tries them in that order, so a watch started by an older version
// is still found, shown and stopped. The runbooks themselves switch ids behind `patched()` (workflows/watch-start.ts).

/** The workflow type of each runbook kdr starts by pair; the key is the runbook's part of the workflow id. */
export const RUNBOOKS = {
  setup: 'drSetup',
  failover: 'drFailover',
  verify: 'drVerify',
  watch: 'drWatch',
  failback: 'drFailback',
  drill: 'drDrill',
} as const;
export type Runbook = keyof typeof RUNBOOKS;

/** The id of `runbook`'s run for `pair`. */
export const workflowId = (runbook: Runbook, pair: string): string => `dr-${runbook}-${pair}`;

/** Id prefixes of runs started before the one scheme, per runbook. */
const EARLIER_PREFIXES: Partial<Record<Runbook, readonly string[]>> = { watch: ['kdr-watch-'] };

/** The ids a run of `runbook` for `pair` may have: the current one, then those of runs started by earlier versions. */
export function workflowIdsOf(runbook: Runbook, pair: string): string[] {
  return [workflowId(runbook, pair), ...(EARLIER_PREFIXES[runbook] ?? []).map((prefix) => `${prefix}${pair}`)];
}

export const setupWorkflowId = (pair: string): string => workflowId('setup', pair);
export const failoverWorkflowId = (pair: string): string => workflowId('failover', pair);
export const verifyWorkflowId = (pair: string): string => workflowId('verify', pair);
export const watchWorkflowId = (pair: string): string => workflowId('watch', pair);
export const failbackWorkflowId = (pair: string): string => workflowId('failback', pair);
export const drillWorkflowId = (pair: string): string => workflowId('drill', pair);

/**
 * The switch-back's drFailover runs under the pair's failover workflow id, so `kdr approve|status|resolve <pair>`
 * (which look for a running failover first) reach it.
 */
export const switchBackWorkflowId = failoverWorkflowId;

/** drWatch's id before the one scheme; the runbooks still use it when replaying runs recorded before it. */
export const earlierWatchWorkflowId = (pair: string): string => `kdr-watch-${pair}`;

/** The Temporal Schedule of a pair's drills (a schedule id, not a workflow id: its runs are `dr-drill-<pair>-<time>`). */
export const drillScheduleId = (pair: string): string => `kdr-drill-${pair}`;
