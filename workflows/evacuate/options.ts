// drEvacuate's activity options and the shape of a started member.
import { proxyActivities } from '@temporalio/workflow';
import type { KdrActivities } from '../../activities';

/** How long one progress activity waits for a change before it answers anyway (the RTO clock in the details). */
export const FOLLOW_WAIT_MS = 60_000;
/** Follows the members: long, heartbeating; a lost worker is noticed by the heartbeat. */
export const following = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' },
} as const;

// Delivery retries live in the activity (per target); a failed report is audited and the evacuation goes on.
export const notifier = proxyActivities<Pick<KdrActivities, 'reportEvacuationEvents'>>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 2, initialInterval: '1s' },
});

export interface Member {
  pair: string;
  tier: number;
  workflowId: string;
  runId: string;
}
