// drWatch's automatic failover check (pairs with autoFailover enabled): one decision per watch check from the
// check's own probe of the primary, the down clock carried in the watch's state (workflow time only, so it survives
// continue-as-new and replays), and the last measurement of both sides for the at-risk estimate.
import type { AutoFailoverConfig, AutoWatchState } from '../src/config';
import type { WatchTick } from '../activities/watch';
import { decide, describeDecision, type PairSituation, type ProbeReading } from '../src/auto-failover/decide';
import { estimateAtRisk } from '../src/auto-failover/at-risk';

const MAX_EVIDENCE = 6;

export function autoFailoverCheck(
  policy: AutoFailoverConfig,
  previous: AutoWatchState | undefined,
  tick: WatchTick | undefined,
  now: number,
  /** The other probes' readings and where the pair stands (auto-failover-act.ts); without them, kafka alone. */
  more?: { readings: ProbeReading[]; situation: PairSituation },
): AutoWatchState {
  // The check itself failed (the secondary could not be read): the worker's probe could not tell.
  const kafka: ProbeReading = !tick
    ? { probe: 'kafka', verdict: 'unknown', at: now, error: 'the watch check failed' }
    : tick.primaryReachable
      ? { probe: 'kafka', verdict: 'up', at: tick.at }
      : {
          probe: 'kafka',
          verdict: 'down',
          at: tick.at,
          error: (tick.reasons[0] ?? 'primary does not answer').slice(0, 300),
        };
  const measured =
    tick && tick.primaryReachable && tick.lag
      ? {
          at: tick.at,
          lagRecords: tick.lag.total,
          latencyMs: Math.max(0, Math.round(tick.canary?.latencyMaxMs ?? tick.rpoMs ?? 0)),
        }
      : previous?.measured;
  const clock = previous?.clock;
  const step = decide({
    policy,
    now,
    readings: [kafka, ...(more?.readings ?? [])],
    clock,
    situation: more?.situation ?? 'protected',
    secondary: tick ? { healthy: true } : { healthy: false, why: 'the watch could not read the secondary' },
    atRisk: estimateAtRisk(measured, clock?.since ?? now),
  });
  // While a failover runs the decision is "never" and carries no clock; the outage goes on unless a probe reaches the
  // primary. Keeping its clock keeps the failover started for it its only one: once a veto ends that run, the next
  // check finds it already started for this clock instead of starting a second one `after` later.
  const outageGoesOn =
    more?.situation === 'failing-over' &&
    clock !== undefined &&
    ![kafka, ...more.readings].some((r) => r.verdict === 'up');
  const kept = step.clock ?? (outageGoesOn ? clock : undefined);
  return {
    decision: step.decision.kind,
    why: describeDecision(step.decision).slice(0, 600),
    ...(kept ? { clock: { since: kept.since, evidence: kept.evidence.slice(0, MAX_EVIDENCE) } } : {}),
    ...(measured ? { measured } : {}),
    ...(more ? { readings: [kafka, ...more.readings] } : {}),
  };
}
