// Where a pair is in its disaster-recovery cycle (docs/operator-guide.md, "Where a pair is"), recorded by drFailback
// in its run's memo so `kdr pairs` and the UI show it without reaching either cluster:
//   protected -> failed-over -> re-protected -> switching-back -> switched-back -> protected
// drSetup and drFailover need no record: their completed runs say it (kdr pairs reads them), and drSetup reads the
// CNAME and the reverse replication themselves before changing anything (reversal-guard.ts).
import { patched, upsertMemo, workflowInfo } from '@temporalio/workflow';

export const PAIR_STATE_MEMO = 'kdrPairState';

export type PairStage = 'protected' | 'failed-over' | 're-protected' | 'switching-back' | 'switched-back';

export interface PairStateRecord {
  stage: PairStage;
  /** The side clients reach through the custom domain. */
  active: 'primary' | 'secondary';
  /** Which way records are copied: forward (primary -> secondary), reverse, or nothing running. */
  replication: 'forward' | 'reverse' | 'none';
  /** Workflow time of the change (deterministic), ISO 8601. */
  at: string;
  /** The run that recorded it. */
  by: string;
}

/** Records the pair's state in this run's memo; runs started before the memo existed replay without it. */
export function recordPairState(state: Omit<PairStateRecord, 'at' | 'by'>): void {
  if (!patched('failback-pair-state')) return;
  upsertMemo({
    [PAIR_STATE_MEMO]: {
      ...state,
      at: new Date().toISOString(),
      by: workflowInfo().workflowId,
    } satisfies PairStateRecord,
  });
}
