// Runs and watches report approvals, blocked steps, ends and health changes to the worker (notifications to the
// pair's targets, metrics). Behind patched(): histories recorded before these activity calls existed replay
// without them. A failed report is recorded in the audit trail and the run goes on.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { KdrActivities } from '../activities';
import type { HealthChange, NotifyOutcome, RunEvent } from '../src/notify/events';
import { describeFailure, type Runbook, type StepDeclarations } from './runner';

export const RUN_EVENTS_PATCH = 'kdr-run-events';
export const HEALTH_EVENTS_PATCH = 'kdr-watch-health-events';

// Delivery retries live in the activity (per target, so a sent message is not sent again); the activity's own
// retry covers a worker lost mid-call.
const { reportRunEvent, reportHealthChange } = proxyActivities<KdrActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 2, initialInterval: '1s' },
});

/**
 * Reports the run's events (approval needed, step blocked, completed/aborted/rejected). Runs of inline configs
 * count in the metrics but page nobody: their pair name is the starter's choice.
 */
export function reportEvents<S extends StepDeclarations>(run: Runbook<S>, o: { inline: boolean }): void {
  run.onEvent(async (event: RunEvent) => {
    if (!patched(RUN_EVENTS_PATCH)) return;
    try {
      const outcome = await reportRunEvent(o.inline ? { ...event, inline: true } : event);
      const line = describeOutcome(event.kind, outcome);
      if (line) run.audit({ action: 'notify', accepted: outcome.failed.length === 0, note: line });
    } catch (err) {
      run.audit({ action: 'notify', accepted: false, note: `${event.kind}: not reported: ${describeFailure(err)}` });
    }
  });
}

/** Worth a page: every health change but the first "healthy" of a new watch. */
export function notableChange(from: string, to: string): boolean {
  return from !== to && !(from === 'unknown' && to === 'healthy');
}

/** Reports a watch's health change; returns a line for the watch's details when something failed. */
export async function reportHealth(change: HealthChange): Promise<string | undefined> {
  if (!patched(HEALTH_EVENTS_PATCH)) return undefined;
  try {
    const outcome = await reportHealthChange(change);
    return outcome.failed.length ? describeOutcome(change.kind, outcome) : undefined;
  } catch (err) {
    return `health-changed: not reported: ${describeFailure(err)}`;
  }
}

function describeOutcome(kind: string, o: NotifyOutcome): string | undefined {
  if (o.sent.length === 0 && o.failed.length === 0) return undefined;
  return [
    `${kind}:`,
    o.sent.length ? `sent to ${o.sent.join(', ')}` : '',
    o.failed.length ? `FAILED ${o.failed.map((f) => f.error).join('; ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
