// Whether drWatch may start a failover by itself: one pure step per watch check. The watch carries the down clock
// (when a quorum of probes first agreed, without a break, that the primary is down) from one check to the next, in
// workflow time. The rows, in the order they are tried, are the decision table of docs/operator-guide.md.
import type { AutoFailoverConfig, AutoProbe } from '../config/auto-failover';
import { exceeds, type AtRiskEstimate } from './at-risk';

/** What one probe saw this check. "unknown" (no answer from the cloud API, the remote worker silent) is not "down". */
export type ProbeVerdict = 'up' | 'down' | 'unknown';

export interface ProbeReading {
  probe: AutoProbe;
  verdict: ProbeVerdict;
  at: number;
  /** Why down or unknown (the error), clipped by the caller. */
  error?: string;
}

/** Where the pair is in its DR cycle, as the watch knows it. */
export type PairSituation = 'protected' | 'failing-over' | 'failed-over' | 'failing-back';

/** Carried from check to check by the watch (workflow state): the evidence of the first check of the run of "down". */
export interface DownClock {
  since: number;
  evidence: ProbeReading[];
}

export interface DecisionInput {
  policy: AutoFailoverConfig;
  now: number;
  readings: ProbeReading[];
  clock: DownClock | undefined;
  situation: PairSituation;
  secondary: { healthy: boolean; why?: string };
  atRisk: AtRiskEstimate;
}

export type NeverReason = 'disabled' | 'failing-over' | 'failed-over' | 'failing-back' | 'secondary-unhealthy';

export type Decision =
  | { kind: 'healthy'; flap?: { downSince: number } }
  | { kind: 'suspect'; since: number | null; remainingMs: number | null; down: AutoProbe[]; unknown: AutoProbe[] }
  | { kind: 'down-confirmed'; since: number; evidence: ProbeReading[]; atRisk: AtRiskEstimate }
  | { kind: 'hold-for-human'; since: number; evidence: ProbeReading[]; atRisk: AtRiskEstimate; why: string }
  | { kind: 'alert-partition'; seenFrom: AutoProbe[]; reachableFrom: AutoProbe[] }
  | { kind: 'never'; reason: NeverReason; detail: string };

export interface DecisionStep {
  decision: Decision;
  /** The clock to carry to the next check (undefined: not running). */
  clock: DownClock | undefined;
}

const NEVER_IN: Partial<Record<PairSituation, string>> = {
  'failing-over': 'a failover of this pair is already running',
  'failed-over': 'the pair is already failed over: its clients are on the secondary',
  'failing-back': 'the pair is failing back: its clients are moving between the sides',
};

export function decide(input: DecisionInput): DecisionStep {
  const { policy, now, readings, clock } = input;
  if (!policy.enabled) return never('disabled', 'autoFailover is not enabled in the pairs file');
  const stateDetail = NEVER_IN[input.situation];
  if (stateDetail) return never(input.situation as NeverReason, stateDetail);

  const seen = (v: ProbeVerdict) => readings.filter((r) => r.verdict === v).map((r) => r.probe);
  const up = seen('up');
  const down = seen('down');
  const unknown = seen('unknown');

  // One vantage point cannot reach the primary while another can: the network between them, not the primary.
  if (down.length > 0 && up.length > 0)
    return { decision: { kind: 'alert-partition', seenFrom: down, reachableFrom: up }, clock: undefined };
  if (down.length === 0) {
    // The primary answers (or nobody knows): any running clock was a flap and starts again from zero next time.
    if (up.length > 0)
      return {
        decision: { kind: 'healthy', ...(clock ? { flap: { downSince: clock.since } } : {}) },
        clock: undefined,
      };
    return { decision: { kind: 'suspect', since: null, remainingMs: null, down, unknown }, clock: undefined };
  }
  // Some probes see it down, the others cannot tell: not enough agreement to run the clock.
  if (down.length < policy.quorum)
    return { decision: { kind: 'suspect', since: null, remainingMs: null, down, unknown }, clock: undefined };

  const running: DownClock = clock ?? { since: now, evidence: readings.filter((r) => r.verdict === 'down') };
  if (!input.secondary.healthy)
    return {
      ...never('secondary-unhealthy', `the secondary cannot take over: ${input.secondary.why ?? 'unhealthy'}`),
      clock: running,
    };
  const elapsed = now - running.since;
  if (elapsed < policy.after)
    return {
      decision: { kind: 'suspect', since: running.since, remainingMs: policy.after - elapsed, down, unknown },
      clock: running,
    };
  const evidence = [...running.evidence, ...readings.filter((r) => r.verdict === 'down')];
  const over = exceeds(input.atRisk, policy.maxAtRisk);
  if (over !== undefined)
    return {
      decision: { kind: 'hold-for-human', since: running.since, evidence, atRisk: input.atRisk, why: over },
      clock: running,
    };
  return { decision: { kind: 'down-confirmed', since: running.since, evidence, atRisk: input.atRisk }, clock: running };
}

function never(reason: NeverReason, detail: string): DecisionStep {
  return { decision: { kind: 'never', reason, detail }, clock: undefined };
}

/** During the veto window: the primary answers again when any probe reaches it (the run then aborts, nothing changed). */
export function primaryAnswers(readings: ProbeReading[]): ProbeReading | undefined {
  return readings.find((r) => r.verdict === 'up');
}

/** The decision in one line, for the watch's details, pages and the audit trail. */
export function describeDecision(d: Decision): string {
  switch (d.kind) {
    case 'healthy':
      return d.flap ? `primary answers again (down since ${iso(d.flap.downSince)}: clock reset)` : 'primary answers';
    case 'suspect':
      return d.since === null
        ? `primary suspect: down from ${d.down.join(', ') || 'no probe'}, unknown from ${d.unknown.join(', ') || 'none'}; ` +
            'not enough probes agree to start the clock'
        : `primary down since ${iso(d.since)} (${d.down.join(', ')}); automatic failover in ${Math.ceil((d.remainingMs ?? 0) / 1000)} s ` +
            'unless it answers again';
    case 'down-confirmed':
      return `primary down since ${iso(d.since)}: automatic failover starts (at risk: ${risk(d.atRisk)})`;
    case 'hold-for-human':
      return `primary down since ${iso(d.since)} but ${d.why}: no automatic failover, a person decides (${d.atRisk.basis})`;
    case 'alert-partition':
      return `partition seen from ${d.seenFrom.join(', ')}: ${d.reachableFrom.join(', ')} still reach(es) the primary; no failover`;
    case 'never':
      return `no automatic failover: ${d.detail}`;
  }
}

function risk(a: AtRiskEstimate): string {
  return `${a.records ?? '?'} record(s), ${a.seconds ?? '?'} s`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
