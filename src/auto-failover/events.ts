// What the automatic failover tells people and the metrics: the watch (the clock, a page held for a person, a
// partition seen, a secondary that cannot take over) and drFailover (the veto window opened, vetoed, approved early,
// aborted because the primary answers). Plain data built in workflow code and sent to reportAutoFailover
// (activities/auto-failover.ts); no secrets, no URLs: who gets paged is the worker's own pairs file.
import type { AtRiskEstimate } from './at-risk';
import type { ProbeReading } from './decide';

/** Counted in kdr_auto_failover_total{pair,event} and sent to the pair's targets. */
export const COUNTED_EVENTS = [
  'started',
  'vetoed',
  'approved_early',
  'aborted',
  'held',
  'partition',
  'unsafe',
] as const;
/** Only move the gauges (the down clock started or stopped): nobody is paged for these. */
export const GAUGE_EVENTS = ['clock-started', 'clock-stopped'] as const;

export type AutoFailoverEventKind = (typeof COUNTED_EVENTS)[number] | (typeof GAUGE_EVENTS)[number];

export interface AutoFailoverEvent {
  kind: 'auto-failover';
  event: AutoFailoverEventKind;
  pair: string;
  /** One line: what happened and why (the decision in words, the veto's reason, the probe that answered). */
  why: string;
  /** Workflow time (epoch ms) of the event. */
  at: number;
  /** When a quorum of probes first saw the primary down (the down clock); absent once it stopped. */
  downSince?: number;
  atRisk?: AtRiskEstimate;
  /** The probes' readings behind the event (times, errors), at most a few. */
  evidence?: ProbeReading[];
  /** started: when the veto window ends and the failover proceeds without a person (epoch ms). */
  proceedsAt?: number;
  /** vetoed / approved_early: who decided. */
  by?: string;
}

export function pagesSomeone(e: AutoFailoverEvent): boolean {
  return (COUNTED_EVENTS as readonly string[]).includes(e.event);
}
