// kafka-dr's own metrics, fed by the activities that already see the numbers: every drWatch tick (replication
// lag, newest replicated record, snapshot) and every run's end (step durations, approval wait, failover time).
// One registry per worker process; each worker exposes what it observed, so sum or max across workers.
import type { RunEvent } from '../notify/events';
import { Registry } from './registry';

export const registry = new Registry();

const SECONDS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600];

const lag = registry.gauge(
  'kdr_replication_lag_records',
  'Records on the primary not yet on the secondary (sum over partitions), last drWatch tick',
);
const rpo = registry.gauge(
  'kdr_replication_rpo_seconds',
  "How much newer the primary's newest record is than the secondary's, last drWatch tick",
);
const health = registry.gauge(
  'kdr_watch_health',
  'drWatch health of the pair: 1 for the current value of label health',
);
const lastTick = registry.gauge(
  'kdr_watch_last_tick_timestamp_seconds',
  'When this worker last ran a drWatch check of the pair',
);
const newest = new Map<string, number>();
const snapshots = new Map<string, number>();
registry.computed(
  'kdr_replication_newest_record_age_seconds',
  "Age of the newest record on the secondary's copies of the application topics",
  (now) => [...newest].map(([pair, at]) => [{ pair }, Math.max(0, now - at) / 1000]),
);
registry.computed(
  'kdr_watch_snapshot_age_seconds',
  'Age of the newest complete position snapshot (what a failover with the primary gone plans from)',
  (now) => [...snapshots].map(([pair, at]) => [{ pair }, Math.max(0, now - at) / 1000]),
);

const runs = registry.counter('kdr_runs_total', 'Runbook runs ended, by outcome');
const steps = registry.histogram(
  'kdr_step_duration_seconds',
  'Duration of runbook steps (operator waits included), by final state',
  SECONDS,
);
const approvalWait = registry.histogram(
  'kdr_approval_wait_seconds',
  'From the approval request to its decision',
  SECONDS,
);
const failoverTime = registry.gauge(
  'kdr_failover_approval_to_done_seconds',
  'Last completed drFailover of the pair: from the approval to the end of the run',
);
const notifications = registry.counter(
  'kdr_notifications_total',
  'Notifications by target type and result (sent, failed)',
);
const unknownStreamStatus = registry.counter(
  'kdr_eventbridge_unknown_status_total',
  'EventBridge event stream statuses kafka-dr does not know, read as not running yet, by status',
);
const deadLetters = registry.gauge(
  'kdr_dead_letter_records',
  "Records in the pair's dead-letter queue on the secondary (records the replicator could not write), last drWatch tick",
);

/**
 * What the metrics read of a drWatch tick (activities/watch.ts WatchTick has these fields and more). Declared here,
 * on the domain floor, so the metrics need no import from the activities above them.
 */
export interface TickFacts {
  at: number;
  health: string;
  lag: { total: number } | null;
  rpoMs: number | null;
  deadLetter?: { topic: string; records: number };
  newestReplicatedAt: number | null;
  snapshot?: { takenAt: number } | { error: string } | object;
}

export function observeTick(pair: string, tick: TickFacts): void {
  lastTick.set({ pair }, tick.at / 1000);
  if (tick.lag) lag.set({ pair }, tick.lag.total);
  if (tick.rpoMs !== null) rpo.set({ pair }, tick.rpoMs / 1000);
  if (tick.deadLetter) deadLetters.set({ pair, topic: tick.deadLetter.topic }, tick.deadLetter.records);
  if (tick.newestReplicatedAt !== null) newest.set(pair, tick.newestReplicatedAt);
  if (tick.snapshot && 'takenAt' in tick.snapshot) snapshots.set(pair, (tick.snapshot as { takenAt: number }).takenAt);
  health.remove({ pair });
  health.set({ pair, health: tick.health }, 1);
}

export function observeRunEnd(
  event: Extract<RunEvent, { kind: 'run-completed' | 'run-aborted' | 'run-rejected' }>,
): void {
  const outcome = event.kind.slice(4);
  runs.inc({ runbook: event.runbook, outcome });
  for (const s of event.steps) {
    if (s.durationMs === undefined || s.state === 'pending') continue;
    steps.observe({ runbook: event.runbook, step: s.name, state: s.state }, s.durationMs / 1000);
    if (/approval$/.test(s.name)) approvalWait.observe({ runbook: event.runbook, state: s.state }, s.durationMs / 1000);
  }
  const approved = event.steps.find((s) => s.name === 'approval' && s.state === 'succeeded');
  if (event.runbook === 'drFailover' && event.kind === 'run-completed' && approved?.endedAt) {
    failoverTime.set({ pair: event.pair }, (Date.parse(event.endedAt) - Date.parse(approved.endedAt)) / 1000);
  }
}

export function observeNotification(type: string, result: 'sent' | 'failed'): void {
  notifications.inc({ type, result });
}

export function observeUnknownStreamStatus(status: string): void {
  unknownStreamStatus.inc({ status: status.slice(0, 64) });
}
