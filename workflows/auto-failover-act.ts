// drWatch acting on its automatic failover decision (pairs with autoFailover enabled, behind patched()): every
// enabled probe's reading each check, where the pair stands (asked only when a probe sees the primary down), then
// on "down-confirmed" the ordinary drFailover as a child, at most once per down clock; one page per episode for a
// decision a person must take (held above maxAtRisk, a partition, a secondary that cannot take over).
import { isCancellation, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { AutoFailoverConfig, AutoWatchState, PairConfig } from '../src/config';
import { estimateAtRisk } from '../src/auto-failover/at-risk';
import type { PairSituation, ProbeReading } from '../src/auto-failover/decide';
import type { AutoFailoverEvent } from '../src/auto-failover/events';
import type { KdrActivities } from '../activities';
import type { WatchTick } from '../activities/watch';
import { failoverWorkflowId } from './contract';
import { describeFailure } from './runner';
import { autoFailoverCheck } from './auto-failover-watch';
import { probeReadings } from './auto-probes';
import { autoRequester } from './failover/auto-approval';
import type { drFailover } from './dr-failover';

/** What a person set with kdr auto pause|resume: carried by the watch, applied at every check. */
export type AutoControl = Pick<AutoWatchState, 'paused' | 'audit'>;

export interface AutoCheck {
  pair: PairConfig;
  policy: AutoFailoverConfig;
  previous: AutoWatchState | undefined;
  tick: WatchTick | undefined;
  control: AutoControl;
  /** The watch runs on a pair of the worker's pairs file (not an inline config): only then may it start a failover. */
  fromFile: boolean;
}

const { autoFailoverSituation, reportAutoFailover } = proxyActivities<KdrActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 2, initialInterval: '1s' },
});

export async function autoFailoverAct(c: AutoCheck): Promise<AutoWatchState> {
  const { pair, policy, previous } = c;
  const extra = await probeReadings(pair, policy, { kafka: false, now: () => Date.now() });
  const anyDown = (c.tick !== undefined && !c.tick.primaryReachable) || extra.some((r) => r.verdict === 'down');
  let situation: PairSituation = 'protected';
  let unsure: string | undefined;
  if (anyDown) {
    try {
      situation = (await autoFailoverSituation(pair)).situation;
    } catch (err) {
      if (isCancellation(err)) throw err;
      unsure = describeFailure(err);
    }
  }
  const checked = autoFailoverCheck(policy, previous, c.tick, Date.now(), { readings: extra, situation });
  const next: AutoWatchState = {
    ...checked,
    ...(previous?.started ? { started: previous.started } : {}),
    ...(c.control.paused ? { paused: c.control.paused } : {}),
    ...(c.control.audit?.length ? { audit: c.control.audit } : {}),
  };
  const clock = next.clock;
  const atRisk = estimateAtRisk(next.measured, clock?.since ?? Date.now());
  const base = { pair: pair.name, atRisk, ...(clock ? { downSince: clock.since } : {}) };
  const say = (line: string) => (next.why = `${line}; ${next.why}`.slice(0, 600));

  // An inline config's name is the starter's choice: it pages and counts nothing (as the runs' events).
  const report = c.fromFile ? reportEvent : async (_e: Omit<AutoFailoverEvent, 'kind' | 'at'>) => undefined;
  // The gauges: a clock started or stopped (no page).
  if (clock && !previous?.clock) await report({ ...base, event: 'clock-started', why: next.why });
  if (!clock && previous?.clock) await report({ ...base, event: 'clock-stopped', why: next.why });

  let alert: { kind: 'held' | 'partition' | 'unsafe'; since: number } | undefined;
  if (next.decision === 'down-confirmed' && clock) {
    if (c.control.paused) {
      say(`paused by ${c.control.paused.by}: no automatic failover, a person decides`);
      alert = { kind: 'held', since: clock.since };
    } else if (!c.fromFile) {
      say('this watch runs on an inline config: only a pair of the pairs file fails over by itself');
    } else if (unsure !== undefined) {
      say(`where the pair stands could not be read (${unsure.slice(0, 200)}): no failover this check`);
    } else if (previous?.started?.since === clock.since) {
      // Not "automatic failover starts": one was started for this outage already, and no second one will be.
      next.why = (
        `primary down since ${iso(clock.since)}: ${previous.started.workflowId} ${previous.started.outcome} at ` +
        `${iso(previous.started.at)} for this outage; no second automatic failover`
      ).slice(0, 600);
    } else {
      const started = await startFailover(pair, clock, readingsOf(next), atRisk);
      if (typeof started === 'string') say(`the failover could not be started (${started}); next check tries again`);
      else {
        next.started = started;
        say(`${started.workflowId} ${started.outcome}`);
      }
    }
  } else if (next.decision === 'hold-for-human' && clock) alert = { kind: 'held', since: clock.since };
  else if (next.decision === 'alert-partition')
    alert = { kind: 'partition', since: previous?.alerted?.since ?? Date.now() };
  // The pair is protected, the primary down, and the check could not read the secondary: nothing could take over.
  else if (next.decision === 'never' && situation === 'protected' && c.tick === undefined)
    alert = { kind: 'unsafe', since: clock?.since ?? previous?.alerted?.since ?? Date.now() };

  if (alert) {
    const same =
      previous?.alerted?.kind === alert.kind && (alert.kind === 'partition' || previous.alerted.since === alert.since);
    const since = same ? previous!.alerted!.since : alert.since;
    next.alerted = { kind: alert.kind, since };
    if (!same) await report({ ...base, event: alert.kind, why: next.why, evidence: readingsOf(next).slice(0, 6) });
  }
  return next;
}

function readingsOf(s: AutoWatchState): ProbeReading[] {
  return [...(s.clock?.evidence ?? []), ...(s.readings ?? []).filter((r) => r.verdict !== 'up')].slice(0, 12);
}

/** The pair's ordinary drFailover, started once: it outlives the watch (which it stops when the CNAME moves). */
async function startFailover(
  pair: PairConfig,
  clock: { since: number },
  evidence: ProbeReading[],
  atRisk: ReturnType<typeof estimateAtRisk>,
): Promise<NonNullable<AutoWatchState['started']> | string> {
  const workflowId = failoverWorkflowId(pair.name);
  const at = Date.now();
  try {
    await startChild<typeof drFailover>('drFailover', {
      workflowId,
      args: [
        {
          pair: pair.name,
          mode: 'outage',
          requestedBy: autoRequester(pair.name),
          auto: { since: clock.since, evidence, atRisk: { ...atRisk, basis: atRisk.basis.slice(0, 600) } },
        },
      ],
      // The failover is never undone by the watch ending: it stops the watch itself when the CNAME moves.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return { since: clock.since, at, workflowId, outcome: 'started' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Someone's failover of the pair runs under the id: it is the failover of this outage, never a second one.
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return { since: clock.since, at, workflowId, outcome: 'already-running' };
    return describeFailure(err).slice(0, 300);
  }
}

async function reportEvent(e: Omit<AutoFailoverEvent, 'kind' | 'at'>): Promise<void> {
  try {
    await reportAutoFailover({ kind: 'auto-failover', at: Date.now(), ...e });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // A failed page is counted by the worker (kdr_notifications_total); the watch goes on.
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
