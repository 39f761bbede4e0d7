// drFailover: the second half of the runbook. Assess both sides, plan every consumer group's offsets on the
// secondary, wait for a person to approve that plan, then act in the order that loses nothing:
//   outage (primary down):   freeze replication and re-plan -> reset offsets -> switch the CNAME -> guard
//   switchover (primary up): reset offsets (safety net) -> switch the CNAME -> drain (applications leave the
//                            primary, replication completes exactly, then pauses) -> final plan from the groups'
//                            last positions -> apply it -> guard
// Offsets are always set before the CNAME moves: no client can reach the secondary through the domain yet, so
// its groups are empty and every client that arrives finds a safe position. Nothing is changed before the
// approval; a dry run ends after the plan; a final plan worse than the approved one is approved again.
import { patched } from '@temporalio/workflow';
import { FailoverInputSchema, customDomain, describeAutoFailover, type PairConfig } from '../src/config';
import { runbook } from './runner';
import { planMarkdown } from '../src/plan/markdown';
import { type GroupReset, type SealedPlan } from '../src/plan/model';
import { resolvePair } from './shared';
import { approvalOptions, approvalPolicyForRun, decisionGuard } from './approval-policy';
import { planSealer } from './plan-seal';
import { wholePlan } from './plan-pages';
import { reversedPair } from '../src/config/reverse-pair';
import { reportEvents } from './notify';
import { needsParityApproval, policyWithParity } from './parity';
import { evacuationParent, evacuationRelease } from './evacuate/release';
import { acts } from './acts';
import { FAILOVER_STEPS } from './failover/steps';
import { resetAll } from './failover/reset';
import { nextSteps, summaryOf } from './failover/text';
import { assessSides } from './failover/assess';
import { switchCname } from './failover/cname';
import { drain } from './failover/drain';
import { guardAfterSwitch } from './failover/guard';
import { confirmed, planShower, type Confirmation } from './failover/confirm';
import { autoGrant, refuseSwitchover, vetoWindow } from './failover/auto-approval';

export async function drFailover(raw: unknown) {
  const run = runbook('drFailover', FAILOVER_STEPS);
  const input = run.input(FailoverInputSchema, raw);
  // An evacuation's members are reported once, by the evacuation (workflows/dr-evacuate.ts), not one set per pair.
  if (!input.evacuation) reportEvents(run, { inline: input.config !== undefined });
  run.setPair(input.pair ?? input.config?.name ?? 'unknown');

  const { pair, name, others, policy } = await run.step('load-pair', async (step) => {
    if (input.evacuation) evacuationParent();
    const resolved: PairConfig = await resolvePair(step, input);
    // The pair's approval policy, tightened (never loosened) by the input: a loosening ends the run, audited.
    // On a signed pair the requester is proven by a request signature, or the policy asks one approval more.
    const policy = await approvalPolicyForRun(resolved, input);
    const running = await acts(step).otherFailovers(resolved.name);
    // Switching back is this same runbook on the reversed pair: every later step (assess, plan, resets before the
    // CNAME, drain, guard) then reads the old secondary as the source and the old primary as the target, over the
    // reverse replication's connectors, canary and checkpoints. The run keeps the pair's own name, so kdr and the
    // UI find it, and the pair's own approval policy.
    const target = input.reverse ? reversedPair(resolved) : resolved;
    step.summary(
      `pair ${resolved.name}${
        input.reverse
          ? ` in reverse (switch back: ${resolved.secondary.endpointHost} -> ${resolved.primary.endpointHost}, ` +
            `replication ${target.name})`
          : ''
      }, requested by ${input.requestedBy}${input.dryRun ? ' (dry run)' : ''}`,
    );
    return { pair: target, name: resolved.name, others: running, policy };
  });
  if (others.length) {
    run.abort(
      `another failover of pair ${name} is running (${others.join(', ')}): one failover per pair at a time; ` +
        'finish or cancel it first. Nothing was changed.',
    );
  }
  // A signed pair: rejects and resolves must be signed too.
  run.setPair(name, decisionGuard({ name, approval: pair.approval }));
  run.setDeadlines(pair.deadlines);
  // Started by the pair's watch under its automatic failover policy: the policy may approve after a veto window.
  const grant = await autoGrant(run, input, name);

  const { assessment, parity } = await run.step('assess', (step) => assessSides(step, pair, input.reverse));
  if (input.mode === 'outage' && assessment.primaryReachable) await refuseSwitchover(run, grant, name);
  if (needsParityApproval(pair, parity)) {
    run.audit({
      action: 'policy',
      note: `parity.failover "approve": one approval more, because ${parity?.summary ?? ''}`.slice(0, 500),
    });
    // A difference the pair's owner wants a person to look at is never waved through by the policy.
    if (grant) run.audit({ action: 'policy', accepted: false, note: 'automatic failover: a person approves (parity)' });
  }
  // The automatic failover policy is shown with every plan (query and details only: no command, replays unchanged).
  const show = planShower(parity, describeAutoFailover(pair.autoFailover));
  const topics = assessment.topics;
  const switchover = assessment.primaryReachable && input.drain !== false;
  // outage: freeze and re-plan; switchover: drain and re-plan; no-drain (primary up, drain: false): the approved plan as it is.
  const mode = switchover
    ? ('switchover' as const)
    : assessment.primaryReachable
      ? ('no-drain' as const)
      : ('outage' as const);
  // Every plan's id covers what approving it authorises (pair, CNAME, drain mode, offsets, margin, operator time).
  const seal = planSealer(pair, {
    drain: input.drain,
    mode,
    operatorTimestamp: input.translation.operatorTimestamp,
    newestReplicatedAt: assessment.newestReplicatedAt,
  });
  const planOptions = {
    topics,
    primaryReachable: assessment.primaryReachable,
    latencyMs: assessment.latency.ms,
    marginMs: input.translation.marginMs,
    operatorTimestamp: input.translation.operatorTimestamp,
  };

  const approved: SealedPlan = await run.step('plan', async (step) => {
    const p = seal(
      await wholePlan(step, pair, await acts(step).planOffsets(pair, { ...planOptions, groups: input.groups })),
    );
    step.summary(`plan ${p.planId}: ${summaryOf(p)}`);
    return p;
  });
  const cname = { domain: customDomain(pair), from: pair.primary.endpointHost, to: pair.secondary.endpointHost };
  run.setPlan(approved.planId, show.shown({ ...approved, cname }), show.withParity(planMarkdown(approved, cname)));

  if (input.dryRun) {
    run.skipRemaining('dry run: nothing was changed');
    return run.finish({
      pair: pair.name,
      dryRun: true as const,
      planId: approved.planId,
      plan: approved.totals,
      cname,
      changed: false,
    });
  }

  // A member of an evacuation: the evacuation's one approval released exactly this plan (checked with the parent).
  const released = input.evacuation ? await evacuationRelease(run, name, approved.planId) : undefined;
  if (released && 'withdrawn' in released) {
    run.skipRemaining(`not released: ${released.withdrawn}`);
    return run.abort(`not released: ${released.withdrawn}; nothing was changed`);
  }
  const approval =
    released ??
    (grant && !needsParityApproval(pair, parity)
      ? await vetoWindow(run, grant, pair, approvalOptions(policyWithParity(policy, pair, parity), input.requestedBy))
      : await run.approval('approval', approvalOptions(policyWithParity(policy, pair, parity), input.requestedBy)));
  const approvedAt = Date.now();
  const approvers = [...approval.approvedBy];
  const confirmation: Confirmation = {
    run,
    approved,
    cname,
    show,
    options: () => approvalOptions(policyWithParity(policy, pair, parity), input.requestedBy),
    approvers,
  };

  // The plan applied before the switch: in an outage the final one (replication frozen first, so the secondary
  // holds exactly what the plan saw); in a switchover the approved one, a safety net the final plan replaces.
  let preSwitch: SealedPlan = approved;
  let frozen: { connector: string } | undefined;
  if (!assessment.primaryReachable) {
    const result = await run.step('freeze', async (step) => {
      const { pauseReplication, planOffsets } = acts(step);
      const paused = await pauseReplication(pair, topics).catch((err: Error) => ({
        id: '?',
        state: `not paused: ${err.message}`,
      }));
      const final = seal(
        await wholePlan(
          step,
          pair,
          await planOffsets(pair, { ...planOptions, onlyGroups: approved.groups.map((g) => g.group) }),
        ),
      );
      step.summary(`connector ${paused.id} ${paused.state}; final plan ${final.planId}: ${summaryOf(final)}`);
      return { final, connector: `${paused.id} ${paused.state}` };
    });
    frozen = { connector: result.connector };
    preSwitch = await confirmed(confirmation, result.final, 'replication frozen');
  } else {
    run.skip(
      'freeze',
      switchover
        ? 'the primary answers: a switchover drains instead of freezing'
        : 'drain: false in the input: replication is left as it is',
    );
    if (!switchover) run.skip('reapproval', 'drain: false: the approved plan is applied as it is');
  }

  const applied = new Map<string, GroupReset>();
  const preSwitchEnds = await run.step('reset-offsets', async (step) => {
    const { secondaryEnds } = acts(step);
    if (patched('failover-reset-ends-concurrent')) {
      // The log ends are read while the groups are reset (an offset commit writes no record to a replicated
      // topic): one activity round trip less before the switch. Both settle before the step ends, so a retry
      // never overlaps a reset still running.
      const [ends, reset] = await Promise.allSettled([
        secondaryEnds(pair, topics),
        resetAll(step, pair, preSwitch.groups, applied),
      ]);
      if (reset.status === 'rejected') throw reset.reason;
      if (ends.status === 'rejected') throw ends.reason;
      return ends.value;
    }
    const ends = await secondaryEnds(pair, topics);
    await resetAll(step, pair, preSwitch.groups, applied);
    return ends;
  });

  const dns = await run.step('switch-cname', (step) => switchCname(run, step, pair, input.requestedBy));

  let final: SealedPlan = preSwitch;
  let drained: { connector: string; quietAfterChecks: number } | undefined;
  if (switchover) {
    const groups = approved.groups.map((g) => g.group);
    const drainResult = await run.step('drain', (step) =>
      drain(step, { pair, topics, groups, domain: dns.domain, switchover: input.switchover, preSwitchEnds }),
    );
    drained = { connector: drainResult.connector, quietAfterChecks: drainResult.quietAfterChecks };
    const computed = await run.step('final-plan', async (step) => {
      const p = seal(
        await wholePlan(
          step,
          pair,
          await acts(step).planOffsets(pair, {
            ...planOptions,
            onlyGroups: groups,
            tails: drainResult.tails,
            postSwitch: drainResult.postSwitch,
          }),
        ),
      );
      step.summary(`final plan ${p.planId} from the groups' last positions: ${summaryOf(p)}`);
      return p;
    });
    final = await confirmed(confirmation, computed, 'groups left the primary');
    await run.step('apply-final', async (step) => {
      const finalApplied = new Map<string, GroupReset>();
      await resetAll(step, pair, final.groups, finalApplied);
      for (const [g, r] of finalApplied) applied.set(g, r);
      step.summary(
        `${finalApplied.size} group(s) at their final offsets. NOW: start the consumers (they bootstrap from ${dns.domain})`,
      );
    });
  } else {
    run.skip(
      'drain',
      assessment.primaryReachable
        ? 'drain: false in the input'
        : 'the primary does not answer: replication was frozen instead',
    );
    run.skip('final-plan', `${mode}: the plan applied before the switch is the final one`);
    run.skip('apply-final', `${mode}: the plan applied before the switch is the final one`);
  }

  if (input.switchover.guard === 0) run.skip('guard', 'switchover.guard is 0');
  const guard =
    input.switchover.guard === 0
      ? undefined
      : await run.step('guard', (step) => guardAfterSwitch(step, pair, final.groups, input.switchover.guard));

  const report = await run.step('verify', async (step) => {
    const answers = await acts(step).queryResolvers(pair);
    const following = answers.filter((a) => a.target?.replace(/\.$/, '') === pair.secondary.endpointHost).length;
    const changes = [...applied.values()];
    const moved = changes.reduce((n, g) => n + g.changes.filter(([, , before, after]) => before !== after).length, 0);
    step.summary(
      `${changes.length} groups on the secondary (${moved} partition offsets changed); ${following}/${answers.length} resolvers answer ` +
        `${pair.secondary.endpointHost}`,
    );
    return { resolversFollowing: following, resolvers: answers.length };
  });

  return run.finish({
    pair: pair.name,
    dryRun: false as const,
    mode,
    planId: final.planId,
    approvedPlanId: approved.planId,
    plan: final.totals,
    approvedBy: approvers,
    cname: {
      domain: dns.domain,
      before: dns.before,
      after: dns.after,
      ttl: dns.ttl,
      action: dns.action,
      records: dns.records,
    },
    drained: drained ? { connector: drained.connector, quietAfterChecks: drained.quietAfterChecks } : null,
    frozen: frozen ?? null,
    groups: [...applied.values()],
    guard: guard ? { checks: guard.checks, suspicious: guard.suspicious } : null,
    verify: report,
    timing: { approvalToDoneMs: Date.now() - approvedAt },
    nextSteps: nextSteps(pair, dns.domain, switchover),
  });
}
