// The run's audit trail: every decision, by an operator or by the runbook, accepted or refused, in order.
import { storedText } from '../../src/security/escape';
import { now } from './text';
import type { AuditEntry } from './types';

const MAX_AUDIT = 200;

export class AuditTrail {
  private readonly entries: AuditEntry[] = [];
  /** Refused requests dropped to keep the trail bounded (shown as a count). */
  dropped = 0;

  add(entry: Omit<AuditEntry, 'at'>): void {
    const clean: AuditEntry = { at: now(), ...entry };
    // A refused request is recorded as it came, and its fields were not validated: whoever sends a signal chooses
    // them. Stored as one line with control characters escaped (no terminal escape reaches `kdr status`), bounded.
    clean.by = storedText(clean.by, 128) || '(blank)';
    clean.action = storedText(clean.action, 64);
    if (clean.step) clean.step = storedText(clean.step, 64);
    if (clean.planId) clean.planId = storedText(clean.planId, 80);
    if (clean.note) clean.note = storedText(clean.note, 500);
    if (clean.reason) clean.reason = storedText(clean.reason, 500);
    for (const key of Object.keys(clean) as (keyof AuditEntry)[]) if (clean[key] === undefined) delete clean[key];
    this.entries.push(clean);
    // Refusals can be sent without limit; keep the trail (and the result) bounded, accepted decisions first.
    if (this.entries.length > MAX_AUDIT) {
      const i = this.entries.findIndex((a) => !a.accepted);
      this.entries.splice(i >= 0 ? i : 0, 1);
      this.dropped += 1;
    }
  }

  list(): AuditEntry[] {
    return [...this.entries];
  }
}
