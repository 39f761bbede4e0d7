// drEvacuate: a zone or region fails, and every pair whose primary lives there must move. One run selects the pairs,
// runs each pair's own drFailover as a child under its usual id (dr-failover-<pair>: every per-pair step, query and
// kdr command still works), gathers their first plans into ONE evacuation plan, waits for ONE approval, then
// releases the pairs tier by tier, a bounded number at a time; a tier's next pair starts when an earlier one has
// switched its CNAME (or blocked: a blocked pair never holds the others). The children carry the details; this
// run's history holds their starts and ends, one activity per change of the table, and the releases.
import { getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { EvacuateInputSchema, asRequest, type EvacuateInput } from '../src/config/evacuation';
import type { PairApproval } from '../src/config';
import { failoverWorkflowId } from './contract';
import type { KdrActivities } from '../activities';
import type { ShownPlan } from '../src/plan/model';
import { describeSelection } from '../src/evacuation/select';
import { evacuationMarkdown, evacuationPlan, fingerprintOf } from '../src/evacuation/plan';
import type { EvacuationPlan, EvacuationView, PairFacts, PairRow } from '../src/evacuation/types';
import { describeFailure, runbook, type StepContext } from './runner';
import { approvalOptions, approvalPolicyFor, decisionGuard } from './approval-policy';
import { quick } from './activity-options';
import { evacuationQuery, evacuationReleaseSignal } from './evacuate/definitions';
import { FOLLOW_WAIT_MS, following, notifier, type Member } from './evacuate/options';
import { selectMembers } from './evacuate/select';
import { startMembers } from './evacuate/members';
import { mergeRow, type PendingEvent } from './evacuate/follow';
import { parityApprovePairs, withParityApprovals } from './evacuate/parity-approval';
import { evacuationView, pairOutcomes, pairsTable, reportSummary, waitingSummary } from './evacuate/view';

export async function drEvacuate(raw: unknown) {
  const run = runbook('drEvacuate', {
    select: { title: 'Select the pairs; refuse what cannot be evacuated (nothing is started then)', activities: quick },
    plan: { title: 'Every pair plans in its own drFailover: one evacuation plan', activities: following },
    approval: { title: "Approval of the evacuation plan (releases every pair's first plan)" },
    'late-approval': { title: 'Approval of pairs planned after the evacuation plan (only if any)' },
    failover: {
      title: 'Fail over tier by tier, a bounded number at a time; a blocked pair never holds the others',
      activities: following,
    },
    report: { title: 'Report', activities: quick },
  });
  const input: EvacuateInput = run.input(EvacuateInputSchema, raw);
  const self = workflowInfo().workflowId;
  const select = describeSelection(input.select);
  run.setPair(self);
  const startedAt = Date.now();

  // The table: one row per pair, what the members' own queries said last.
  let rows: PairRow[] = [];
  const released: Record<string, string> = {};
  const covered = new Map<string, string>();
  let plan: EvacuationPlan | undefined;
  let approvedAt: number | undefined = undefined;
  let approvedBy: string[] = [];
  let allSwitchedAt: number | undefined;
  let phase = 'selecting';

  const view = (): EvacuationView =>
    evacuationView({
      self,
      phase,
      input,
      select,
      startedAt,
      approvedAt,
      approvedBy,
      plan,
      released,
      rows,
      allSwitchedAt,
    });
  setHandler(evacuationQuery, view, {
    description: "Every pair's phase, step, lag and lost/dup bound; the RTO so far; what the approval released",
  });

  const acts = (step: StepContext) => step.activities<KdrActivities>();
  /** Events waiting to be sent: one activity per change of the table, whatever number of pairs changed. */
  const pending: PendingEvent[] = [];
  const flush = async () => {
    const events = pending.splice(0);
    if (events.length === 0) return;
    try {
      const outcome = await notifier.reportEvacuationEvents(events);
      if (outcome.failed.length)
        run.audit({
          action: 'notify',
          accepted: false,
          note: outcome.failed.map((f) => `${f.target}: ${f.error}`).join('; '),
        });
    } catch (err) {
      run.audit({ action: 'notify', accepted: false, note: `not reported: ${describeFailure(err)}` });
    }
  };
  // The run's own approval wait, block and end: one set of notifications for the evacuation, not one per pair.
  run.onEvent(async (event) => {
    pending.push({ event });
    await flush();
  });

  const chosen = await run.step('select', (step) => selectMembers(step, input, select));
  // The evacuation's approvals, rejects and resolves: under its policy, tightened by the input; signed when it is.
  const policy = approvalPolicyFor(
    { name: self, approval: chosen.base },
    { approval: input.approval, requestedBy: input.requestedBy },
  );
  run.setPair(self, decisionGuard({ name: self, approval: chosen.base }));
  const memberRequest = asRequest({
    ...chosen.base,
    ...policy,
    required: policy.required - (policy.requesterUnproven ? 1 : 0),
  } as PairApproval);
  // A pair whose parity.failover "approve" asks one approval more alone asks it of the evacuation too.
  const parityApprove = parityApprovePairs(chosen.pairs);
  const policyFor = (p: EvacuationPlan) => withParityApprovals(policy, p, (entry) => run.audit(entry));
  rows = chosen.pairs.map((p: PairFacts): PairRow => ({
    pair: p.name,
    tier: p.tier,
    workflowId: failoverWorkflowId(p.name),
    phase: 'not-started',
    switched: false,
    released: false,
  }));
  const members: Member[] = [];

  /** One change of the table (or a minute): merges the members' rows, notes switches, blocks and ends. */
  async function followOnce(step: StepContext, waitMs = FOLLOW_WAIT_MS): Promise<void> {
    const open = members.filter((m) => !rows.find((r) => r.pair === m.pair)?.ended);
    if (open.length === 0) return;
    const known = Object.fromEntries(rows.map((r) => [r.pair, fingerprintOf(r)]));
    const next = await acts(step).evacuationProgress(
      open,
      known,
      rows.filter((r) => open.some((m) => m.pair === r.pair)),
      waitMs,
    );
    for (const n of next) {
      const i = rows.findIndex((r) => r.pair === n.pair);
      const row = mergeRow(rows[i], n, startedAt, pending, (entry) => run.audit(entry));
      rows[i] = row;
    }
    if (allSwitchedAt === undefined && rows.every((r) => r.switched || r.ended)) allSwitchedAt = Date.now();
    show();
    await flush();
  }

  function show(): void {
    if (!plan) return;
    const table = pairsTable(view(), rows);
    run.setPlan(plan.planId, plan as unknown as ShownPlan, evacuationMarkdown(plan) + table);
  }

  await run.step('plan', async (step) => {
    phase = 'planning';
    pending.push({
      event: {
        runbook: 'drEvacuate',
        pair: self,
        kind: 'evacuation-started',
        select,
        requestedBy: input.requestedBy,
        pairs: rows.map((r) => r.pair),
        dryRun: input.dryRun,
      },
    });
    await flush();
    // Every member plans at once (reading only); each waits for the evacuation's release before it changes anything.
    members.push(...(await startMembers(chosen.pairs, input, memberRequest, rows)));
    const ready = () => rows.every((r) => (r.planId && r.plan) || r.blocked || r.ended);
    while (!ready()) await followOnce(step);
    plan = evacuationPlan({ select, parallel: input.parallel, rows, parityApprove });
    for (const p of plan.pairs) covered.set(p.pair, p.planId);
    show();
    step.summary(
      `evacuation plan ${plan.planId}: ${plan.totals.pairs} pair(s), ${plan.totals.groups} group(s), duplicates <= ${plan.totals.duplicateBound}` +
        `${plan.unplanned.length ? `; no plan: ${plan.unplanned.map((u) => u.pair).join(', ')}` : ''}`,
    );
  });

  if (input.dryRun) {
    phase = 'dry-run';
    // A practice run (scheduled or by hand) says what would stop the real one: a pair with no plan, a blocked
    // step, untranslated partitions, live members on a secondary. Findings page the evacuation's targets.
    const findings = plan!.warnings;
    if (findings.length) {
      pending.push({
        event: {
          runbook: 'drEvacuate',
          pair: self,
          kind: 'drill-failed',
          findings: findings.slice(0, 20),
          duplicateBound: plan!.totals.duplicateBound,
        },
      });
      await flush();
    }
    run.skipRemaining('dry run: every pair planned, nothing was changed');
    return run.finish({
      evacuation: self,
      dryRun: true as const,
      planId: plan!.planId,
      plan: plan!,
      findings,
      changed: false,
    });
  }

  phase = 'awaiting-approval';
  const approval = await run
    .approval('approval', approvalOptions(policyFor(plan!), input.requestedBy))
    .catch(async (err: unknown) => {
      // Rejected or timed out: every member is told, checks with this run's query, and ends with nothing changed.
      phase = 'rejected';
      for (const m of members)
        await getExternalWorkflowHandle(m.workflowId, m.runId)
          .signal(evacuationReleaseSignal, { planId: '' })
          .catch(() => undefined);
      throw err;
    });
  approvedAt = Date.now();
  approvedBy = approval.approvedBy.map((a) => a.by);
  phase = 'failing-over';

  const release = async (row: PairRow) => {
    const member = members.find((m) => m.pair === row.pair)!;
    // Recorded before the signal: the member checks the release against this query.
    released[row.pair] = covered.get(row.pair)!;
    row.released = true;
    await getExternalWorkflowHandle(member.workflowId, member.runId).signal(evacuationReleaseSignal, {
      planId: released[row.pair],
    });
    run.audit({ action: 'release', planId: released[row.pair], note: `${row.pair} (tier ${row.tier})` });
  };
  let lateAsked = false;
  const done = (r: PairRow) => r.switched || r.blocked !== undefined || r.ended !== undefined;

  await run.step('failover', async (step) => {
    const tiers = [...new Set(rows.filter((r) => covered.has(r.pair)).map((r) => r.tier))].sort((a, b) => a - b);
    for (const tier of tiers) {
      const queue = rows
        .filter((r) => r.tier === tier && covered.has(r.pair) && !r.released && !r.ended)
        .map((r) => r.pair);
      const inFlight = new Set<string>();
      while (queue.length || inFlight.size) {
        while (inFlight.size < input.parallel && queue.length) {
          const next = queue.shift();
          const row = rows.find((r) => r.pair === next)!;
          if (row.ended) continue;
          await release(row);
          inFlight.add(row.pair);
        }
        show();
        step.summary(
          `tier ${tier}: ${inFlight.size} pair(s) failing over, ${queue.length} waiting; ${rows.filter((r) => r.switched).length}/${rows.length} switched`,
        );
        await followOnce(step);
        for (const p of [...inFlight]) if (done(rows.find((r) => r.pair === p)!)) inFlight.delete(p);
      }
    }
    // Blocked pairs are resolved on their own runs; pairs planned late need an approval of their own plan.
    while (rows.some((r) => !r.ended)) {
      const late = rows.filter((r) => !r.ended && r.planId && r.plan && !covered.has(r.pair) && r.phase === 'approval');
      if (late.length) {
        const extra = evacuationPlan({
          select: `${select} (late: ${late.map((r) => r.pair).join(', ')})`,
          parallel: input.parallel,
          rows: late,
          parityApprove,
        });
        plan = extra;
        show();
        lateAsked = true;
        const again = await run.approval('late-approval', approvalOptions(policyFor(extra), input.requestedBy));
        approvedBy = [...new Set([...approvedBy, ...again.approvedBy.map((a) => a.by)])];
        for (const p of extra.pairs) covered.set(p.pair, p.planId);
        for (const r of late) await release(r);
        continue;
      }
      step.summary(waitingSummary(rows));
      await followOnce(step);
    }
    if (allSwitchedAt === undefined) allSwitchedAt = Date.now();
  });
  if (!lateAsked) run.skip('late-approval', 'every pair was planned before the evacuation plan');

  phase = 'completed';
  const summary = await run.step('report', async (step) => {
    const completed = rows.filter((r) => r.ended?.outcome === 'completed');
    step.summary(reportSummary(rows, completed.length, startedAt, approvedAt!, allSwitchedAt!));
    return { completed: completed.length };
  });
  show();
  return run.finish({
    evacuation: self,
    dryRun: false as const,
    planId: plan!.planId,
    approvedBy,
    completed: summary.completed,
    pairs: pairOutcomes(rows, released),
    rto: { totalMs: allSwitchedAt! - startedAt, approvalToSwitchedMs: allSwitchedAt! - approvedAt! },
  });
}
