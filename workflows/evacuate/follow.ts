// drEvacuate follows its members: a member's new row merged into the table, and what changed on it (a block, an
// end, a switch) queued as an event and written to the audit trail.
import { patched } from '@temporalio/workflow';
import type { RunEvent } from '../../src/notify/events';
import type { PairRow } from '../../src/evacuation/types';
import type { AuditEntry } from '../runner/types';

export type PendingEvent = { event: RunEvent; member?: string };
type Audit = (entry: Omit<AuditEntry, 'at' | 'accepted' | 'by'> & { by?: string; accepted?: boolean }) => void;

/** The row `n` a member's query answered, over `before`: keeps what the evacuation released and first planned. */
export function mergeRow(
  before: PairRow,
  n: PairRow,
  startedAt: number,
  pending: PendingEvent[],
  audit: Audit,
): PairRow {
  const row: PairRow = {
    ...n,
    released: before.released,
    planId: before.planId ?? n.planId,
    plan: before.plan ?? n.plan,
  };
  if (row.blocked && before.blocked?.step !== row.blocked.step) {
    pending.push({
      member: row.workflowId,
      event: {
        runbook: 'drFailover',
        pair: row.pair,
        kind: 'step-blocked',
        step: row.blocked.step,
        title: `${row.pair} blocked`,
        error: row.blocked.error,
        skippable: false,
      },
    });
    audit({ action: 'pair-blocked', note: `${row.pair} blocked at ${row.blocked.step}: ${row.blocked.error}` });
  }
  // A member asking approval on its own run (its final plan got worse): paged once through the evacuation, with
  // the member's run in the commands; its approvers are the evacuation's (the member's request carries them).
  if (
    row.asks &&
    !row.ended &&
    row.asks.planId !== before.asks?.planId &&
    patched('evacuation-member-approval-notice')
  ) {
    const a = row.asks;
    pending.push({
      member: row.workflowId,
      event: {
        runbook: 'drFailover',
        pair: row.pair,
        kind: 'approval-needed',
        step: a.step,
        planId: a.planId,
        required: a.required,
        approvedBy: a.approvedBy,
        ...(a.allowList ? { allowList: a.allowList } : {}),
        ...(a.requestedBy ? { requestedBy: a.requestedBy } : {}),
        deadline: a.deadline,
      },
    });
    audit({
      action: 'pair-approval',
      note: `${row.pair} asks approval of plan ${a.planId} (${a.step}) on ${row.workflowId}${
        a.allowList ? ` from ${a.allowList.join(', ')}` : ''
      }`,
    });
  }
  if (row.ended && !before.ended) {
    const ok = row.ended.outcome === 'completed';
    pending.push({
      member: row.workflowId,
      event: {
        runbook: 'drFailover',
        pair: row.pair,
        kind: ok ? 'run-completed' : 'run-aborted',
        startedAt: new Date(startedAt).toISOString(),
        endedAt: row.ended.at,
        steps: [],
        ...(ok ? {} : { reason: `${row.workflowId} ${row.ended.outcome}` }),
      },
    });
    audit({ action: 'pair-ended', note: `${row.pair}: ${row.workflowId} ${row.ended.outcome}` });
  }
  if (row.switched && !before.switched)
    audit({
      action: 'pair-switched',
      note: `${row.pair}: CNAME ${row.plan?.cname.domain ?? ''} -> ${row.plan?.cname.to ?? 'secondary'}`,
    });
  return row;
}
