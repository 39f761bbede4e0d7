// drEvacuate follows its members: a member's new row merged into the table, and what changed on it (a block, an
// end, a switch) queued as an event and written to the audit trail.
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
