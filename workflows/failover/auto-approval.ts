// drFailover started by the pair's own watch under the automatic failover policy (docs/operator-guide.md §8): the
// approval step is satisfied by the policy only after a veto window, and only when the worker's pairs file enables
// the policy, the run's parent (set by Temporal) is the pair's running drWatch and it was requested as
// "auto-failover:<pair>". Anything else waits for a person as usual. During the window any listed approver may veto
// (the run ends rejected) or approve (it goes on at once), and the primary is probed every watch interval: a probe
// that reaches it aborts the run. Nothing is changed before the window ends, so a vetoed or aborted run changes nothing.
import { condition, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import {
  describeAutoFailover,
  normaliseName,
  type AutoEvidence,
  type AutoFailoverConfig,
  type FailoverInput,
  type PairConfig,
} from '../../src/config';
import { primaryAnswers, type ProbeReading } from '../../src/auto-failover/decide';
import type { AutoFailoverEvent } from '../../src/auto-failover/events';
import type { KdrActivities } from '../../activities';
import { earlierWatchWorkflowId, watchWorkflowId } from '../contract';
import { describeFailure, type Approval, type ApprovalOptions, type ApprovalOutcome } from '../runner';
import { probeReadings } from '../auto-probes';
import type { FailoverRun } from './steps';

export const AUTO_FAILOVER_PATCH = 'auto-failover-veto';
/** Who the approval is recorded as when the window passes without a veto. */
export const POLICY_APPROVER = 'policy autoFailover';

export const autoRequester = (pair: string): string => `auto-failover:${pair}`;

export interface AutoGrant {
  policy: AutoFailoverConfig;
  evidence: AutoEvidence;
}

const { autoFailoverPolicy, reportAutoFailover } = proxyActivities<KdrActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** Why the policy may not stand in for a person's approval of this run, judged from Temporal's facts; or undefined. */
function refusal(input: FailoverInput, name: string): string | undefined {
  const parent = workflowInfo().parent;
  if (input.config) return 'the run carries an inline config: the policy applies only to pairs of the pairs file';
  if (input.reverse) return 'a switch-back is never automatic';
  if (input.evacuation) return 'an evacuation member is released by the evacuation';
  if (normaliseName(input.requestedBy) !== normaliseName(autoRequester(name)))
    return `requested by ${input.requestedBy}, not ${autoRequester(name)}`;
  if (!parent || ![watchWorkflowId(name), earlierWatchWorkflowId(name)].includes(parent.workflowId))
    return `not started by the pair's own watch ${watchWorkflowId(name)} (parent: ${parent?.workflowId ?? 'none'})`;
  return undefined;
}

/**
 * The policy's grant for this run, or undefined (audited): then the approval step waits for a person as usual.
 * Asked only of runs whose input carries the watch's evidence (`auto`): every other run's commands are unchanged.
 */
export async function autoGrant(run: FailoverRun, input: FailoverInput, name: string): Promise<AutoGrant | undefined> {
  if (!input.auto || !patched(AUTO_FAILOVER_PATCH)) return undefined;
  const problem = refusal(input, name);
  const parent = workflowInfo().parent;
  const verdict =
    problem !== undefined || !parent
      ? { ok: false as const, reason: problem ?? 'no parent' }
      : await autoFailoverPolicy(name, { workflowId: parent.workflowId, runId: parent.runId }).catch((err) => ({
          ok: false as const,
          reason: `the policy could not be checked: ${describeFailure(err)}`,
        }));
  if (!verdict.ok) {
    run.audit({
      action: 'policy',
      accepted: false,
      note: `automatic failover policy not applied: ${verdict.reason}; a person approves as usual`.slice(0, 500),
    });
    return undefined;
  }
  run.audit({
    action: 'policy',
    note:
      `automatic failover by policy autoFailover of the pairs file (${describeAutoFailover(verdict.policy)}); ` +
      `primary down since ${iso(input.auto.since)}; evidence: ${evidenceLine(input.auto.evidence)}; ` +
      `at risk: ${riskLine(input.auto)}`.slice(0, 1000),
  });
  return { policy: verdict.policy, evidence: input.auto };
}

/** Reports an automatic failover event; a failed report is audited and the run goes on. */
export async function reportAuto(run: FailoverRun, event: Omit<AutoFailoverEvent, 'kind' | 'at'>): Promise<void> {
  try {
    const outcome = await reportAutoFailover({ kind: 'auto-failover', at: Date.now(), ...event });
    if (outcome.sent.length || outcome.failed.length)
      run.audit({
        action: 'notify',
        accepted: outcome.failed.length === 0,
        note: `auto-failover ${event.event}: ${outcome.sent.length ? `sent to ${outcome.sent.join(', ')}` : ''}${
          outcome.failed.length ? ` FAILED ${outcome.failed.map((f) => f.error).join('; ')}` : ''
        }`.slice(0, 500),
      });
  } catch (err) {
    run.audit({ action: 'notify', accepted: false, note: `auto-failover ${event.event}: ${describeFailure(err)}` });
  }
}

/**
 * The approval step of an automatic failover: the policy approves once the veto window has passed. `options` is the
 * pair's approval policy: who may veto or approve early, and (signed pairs) how they prove it.
 */
export async function vetoWindow(
  run: FailoverRun,
  grant: AutoGrant,
  pair: PairConfig,
  options: ApprovalOptions,
): Promise<Approval> {
  const windowMs = grant.policy.vetoWindow;
  // One listed approver ends the wait early; the requester is no person and may approve nothing.
  const policy = { ...options.policy, required: 1, timeout: windowMs, forbidSelfApproval: true };
  delete policy.requesterUnproven;
  let open = true;
  let answered: ProbeReading | undefined;
  let probes = 0;
  const base = { pair: pair.name, downSince: grant.evidence.since, atRisk: grant.evidence.atRisk };
  // Probing runs beside the wait; it stops when the window ends (a probe still in flight is ignored).
  const probing = async () => {
    while (open && !answered) {
      await condition(() => !open, pair.watch.interval);
      if (!open) return;
      const readings = await probeReadings(pair, grant.policy, { kafka: true, now: () => Date.now() });
      probes++;
      if (open) answered ??= primaryAnswers(readings);
    }
  };
  void probing().catch(() => undefined);
  const note = `no veto: primary down since ${iso(grant.evidence.since)} (${evidenceLine(grant.evidence.evidence)}); at risk ${riskLine(grant.evidence)}`;
  const approval = await run.vetoWindow(
    'approval',
    { ...options, policy },
    {
      by: POLICY_APPROVER,
      note: note.slice(0, 500),
      interrupt: () =>
        answered && `the primary answers again (probe ${answered.probe} at ${iso(answered.at)}) in the veto window`,
      opened: (deadline) =>
        reportAuto(run, {
          ...base,
          event: 'started',
          why: `automatic failover of ${pair.name} in ${Math.round(windowMs / 1000)} s: kdr reject ${pair.name} to stop, kdr approve ${pair.name} to go now`,
          proceedsAt: Date.parse(deadline),
          evidence: grant.evidence.evidence.slice(0, 6),
        }),
      decided: async (outcome: ApprovalOutcome) => {
        open = false;
        run.audit({ action: 'probe', note: `${probes} probe round(s) of the primary in the veto window` });
        if (outcome.kind === 'rejected')
          await reportAuto(run, { ...base, event: 'vetoed', by: outcome.by, why: `vetoed: ${outcome.reason}` });
        else if (outcome.kind === 'approved')
          await reportAuto(run, {
            ...base,
            event: 'approved_early',
            by: outcome.approval.approvedBy.map((a) => a.by).join(', '),
            why: 'approved early: the failover goes on without waiting out the window',
          });
        else if (outcome.kind === 'interrupted' && answered)
          await reportAuto(run, {
            ...base,
            event: 'aborted',
            why: 'the primary answers again in the veto window: aborted, nothing changed',
            evidence: [answered],
          });
      },
    },
  );
  return { planId: approval.planId, approvedBy: approval.approvedBy };
}

/** The watch's `mode: "outage"` run found the primary answering: it never becomes a switchover. */
export async function refuseSwitchover(run: FailoverRun, grant: AutoGrant | undefined, name: string): Promise<never> {
  const reason =
    'the primary answers (assess): an automatic failover expects an outage and never runs as a switchover; ' +
    'nothing was changed';
  if (grant)
    await reportAuto(run, {
      pair: name,
      event: 'aborted',
      why: reason,
      downSince: grant.evidence.since,
      atRisk: grant.evidence.atRisk,
    });
  return run.abort(reason);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function evidenceLine(readings: ProbeReading[]): string {
  return (
    readings
      .slice(0, 6)
      .map((r) => `${r.probe} ${r.verdict} at ${iso(r.at)}${r.error ? ` (${r.error.slice(0, 120)})` : ''}`)
      .join('; ') || 'none'
  );
}

function riskLine(e: AutoEvidence): string {
  return `${e.atRisk.records ?? '?'} record(s), ${e.atRisk.seconds ?? '?'} s (${e.atRisk.basis})`;
}
