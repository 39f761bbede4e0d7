// drFailover: the second half of the runbook. Assess both sides, plan every consumer group's offsets on the
// secondary, wait for a person to approve that plan, then act in the order that loses nothing:
//   outage (primary down):   freeze replication and re-plan -> reset offsets -> switch the CNAME -> guard
//   switchover (primary up): reset offsets (safety net) -> switch the CNAME -> drain (applications leave the
//                            primary, replication completes exactly, then pauses) -> final plan from the groups'
//                            last positions -> apply it -> guard
// Offsets are always set before the CNAME moves: no client can reach the secondary through the domain yet, so
// its groups are empty and every client that arrives finds a safe position. Nothing is changed before the
// approval; a dry run ends after the plan; a final plan worse than the approved one is approved again.
import { patched, workflowInfo } from '@temporalio/workflow';
import {
  FailoverInputSchema,
  customDomain,
  describeAutoFailover,
  formatDuration,
  type PairConfig,
} from '../src/config';
import { pollUntil, runbook, type StepContext, stepFailure } from './runner';
import { comparePlans } from '../src/plan/compare';
import { planMarkdown } from '../src/plan/markdown';
import { type GroupReset, type GroupTarget, type SealedPlan } from '../src/plan/model';
import { resolvePair, waitForDns } from './shared';
import { approvalOptions, approvalPolicyForRun, decisionGuard } from './approval-policy';
import { planSealer } from './plan-seal';
import { wholePlan } from './plan-pages';
import { quick, reading, resetting, watching } from './activity-options';
import { stopWatch } from './watch-start';
import { reversedPair } from '../src/config/reverse-pair';
import { reportEvents } from './notify';
import { needsParityApproval, policyWithParity } from './parity';
import { parityMarkdown, uncheckedReport, type ParityReport } from '../src/parity/report';
import { evacuationParent, evacuationRelease } from './evacuate/release';
import { CLIENT_DOC, clientRestartGuidance } from '../src/clients/guidance';
import { acts } from './acts';

/** Groups per reset activity: big enough to keep the history small, small enough to heartbeat meaningfully. */
const RESET_BATCH = 250;
/** Reset activities in flight at once (each with 32 groups in flight): 128 groups, as many admin sessions as lanes. */
const RESET_LANES = 4;

export async function drFailover(raw: unknown) {
  const run = runbook('drFailover', {
    'load-pair': { title: 'Load and validate the pair and options', activities: quick },
    assess: { title: 'Assess: secondary healthy, primary reachable, connector', activities: reading },
    plan: { title: 'Plan offsets for every group', activities: reading },
    approval: { title: 'Approval' },
    freeze: { title: 'Outage: pause replication and re-plan on the frozen secondary', activities: reading },
    'reset-offsets': { title: 'Reset offsets on the secondary (before the CNAME moves)', activities: resetting },
    'switch-cname': { title: 'Switch the CNAME to the secondary', activities: quick },
    drain: { title: 'Switchover: primary quiet, replication complete, connector paused', activities: watching },
    'final-plan': { title: "Switchover: final plan from the groups' last positions", activities: reading },
    reapproval: { title: 'Approval again (only if the final plan is worse than the approved one)' },
    'apply-final': { title: 'Switchover: apply the final plan', activities: resetting },
    guard: { title: 'Post-switch guard: no stale client commits over the plan', skippable: true, activities: watching },
    verify: { title: 'Verify and report', activities: quick },
  });
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

  let parity: ParityReport | undefined;
  const assessment = await run.step('assess', async (step) => {
    const a = await acts(step).assess(pair);
    // What the clients will find on the side they move to (patched: runs recorded before replay without it).
    if (patched('parity-assess')) {
      const side = input.reverse ? 'primary' : 'secondary';
      parity = a.primaryReachable
        ? await acts(step).checkParity(pair, 'forward', side)
        : uncheckedReport(
            'forward',
            side,
            'the primary does not answer: its users, ACLs and topic configs cannot be read',
          );
    }
    // Gaps first: the summary is clipped, and they are what the approver must not miss.
    const gaps = parity && (!parity.checked || parity.total > 0) ? `PARITY: ${parity.summary}; ` : '';
    step.summary(
      gaps +
        `${a.primaryReachable ? 'primary answers (planned switchover / drill)' : `primary DOWN (${a.primaryError ?? 'no answer'})`}; ` +
        `secondary ${a.secondary.brokers} broker(s), ${a.topics.length} topics / ${a.partitions} partitions; connector ${a.connector.state}; ` +
        `newest replicated record ${a.newestReplicatedAt ? new Date(a.newestReplicatedAt).toISOString() : 'none'}; ` +
        `latency ${a.latency.ms} ms (${a.latency.source})` +
        (parity && !gaps ? `; ${parity.summary}` : ''),
    );
    return a;
  });
  if (needsParityApproval(pair, parity)) {
    run.audit({
      action: 'policy',
      note: `parity.failover "approve": one approval more, because ${parity?.summary ?? ''}`.slice(0, 500),
    });
  }
  /** The plan as shown (query plan, details): with the parity of the side the clients move to. */
  // The automatic failover policy is shown with every plan (query and details only: no command, replays unchanged).
  const autoFailover = describeAutoFailover(pair.autoFailover);
  const shown = <P extends object>(plan: P) => ({ ...plan, ...(parity ? { parity } : {}), autoFailover });
  const withParity = (markdown: string) =>
    `${parity ? `${parityMarkdown(parity)}\n` : ''}${markdown}\n- automatic failover: ${autoFailover}`;
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
  run.setPlan(approved.planId, shown({ ...approved, cname }), withParity(planMarkdown(approved, cname)));

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
    (await run.approval('approval', approvalOptions(policyWithParity(policy, pair, parity), input.requestedBy)));
  const approvedAt = Date.now();
  const approvers = [...approval.approvedBy];

  /** A final plan is applied under the first approval only if no group's bound grows and nothing new is untranslated. */
  async function confirmed(final: SealedPlan, why: string): Promise<SealedPlan> {
    const worse = comparePlans(approved, final);
    if (worse.length === 0) {
      run.skip(
        'reapproval',
        `final plan ${final.planId} is no worse than the approved ${approved.planId} (${why}): applied under the first approval`,
      );
      // Query `plan` and the details show the plan that is applied, not the one it replaced.
      run.setPlan(
        final.planId,
        shown({ ...final, cname, comparedTo: approved.planId, worse }),
        withParity(planMarkdown(final, cname)),
      );
      return final;
    }
    run.audit({
      action: 'plan-changed',
      note: `final plan ${final.planId} is worse than approved ${approved.planId}: ${worse.slice(0, 5).join('; ')}`,
    });
    run.setPlan(
      final.planId,
      shown({ ...final, cname, comparedTo: approved.planId, worse }),
      withParity(planMarkdown(final, cname)),
    );
    const again = await run.approval(
      'reapproval',
      approvalOptions(policyWithParity(policy, pair, parity), input.requestedBy),
    );
    approvers.push(...again.approvedBy);
    return final;
  }

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
    preSwitch = await confirmed(result.final, 'replication frozen');
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

  const dns = await run.step('switch-cname', async (step) => {
    const change = await acts(step).ensureCname(pair, pair.secondary.endpointHost);
    run.audit({
      action: 'cname',
      note: `${change.domain}: ${change.before ?? '(none)'} -> ${change.after} (${change.action}; ${change.records.length} record(s))`,
    });
    const seen = await waitForDns(step, pair, pair.secondary.endpointHost, { acceptAfterTtl: true });
    // The forward watch describes a direction that no longer serves clients (drFailback starts the reverse one).
    const watch = patched('failover-stops-forward-watch')
      ? `; watch: ${await stopWatch(pair, input.requestedBy, `pair failed over to ${pair.secondary.endpointHost} by ${workflowInfo().workflowId}`)}`
      : '';
    step.summary(
      `${change.domain}: ${change.records.map((r) => `[${r.line}] ${r.before ?? '(none)'} -> ${change.after} (${r.action})`).join(', ')}; ${seen.summary}${watch}`,
    );
    return { ...change, resolvers: seen.answers };
  });

  let final: SealedPlan = preSwitch;
  let drained: { connector: string; quietAfterChecks: number } | undefined;
  if (switchover) {
    const groups = approved.groups.map((g) => g.group);
    const drainResult = await run.step('drain', async (step) => {
      const { primaryQuiet, replicationComplete, pauseReplication } = acts(step);
      const quietWindow = input.switchover.quietWindow;
      step.summary(
        `NOW: restart producers (they follow ${dns.domain} to the secondary) and STOP the consumers of ${groups.length} group(s) ` +
          `(${groups.slice(0, 5).join(', ')}${groups.length > 5 ? ', …' : ''}); they start again after the final plan. ` +
          'Replication keeps running until the primary is quiet.',
      );
      let checks = 0;
      type Quiet = Awaited<ReturnType<typeof primaryQuiet>>;
      await pollUntil<Quiet, string>(
        async () => {
          checks++;
          const q = await primaryQuiet(pair, topics, groups, quietWindow);
          if (q.quiet) return { done: q };
          const writes = q.moving.map((m) => `${m.topic}[${m.partition}] +${m.records}`).join(', ');
          const members = q.groupsWithMembers
            .map((g) => `${g.group} (${g.members}: ${g.clients.join(', ')})`)
            .join('; ');
          const observed = [
            writes && `still written on the primary: ${writes}`,
            members && `groups still consuming there: ${members}`,
          ]
            .filter(Boolean)
            .join('; ');
          step.summary(
            `NOW: restart producers, stop consumers. Waiting for the primary to go quiet (${formatDuration(quietWindow)} without writes): ${observed}`,
          );
          return { observed };
        },
        {
          what: 'the primary to go quiet (no writes, no members in the planned groups)',
          every: '1s',
          within: input.switchover.timeout,
        },
      );
      type Complete = Awaited<ReturnType<typeof replicationComplete>>;
      const complete = await pollUntil<Complete, string>(
        async () => {
          const c = await replicationComplete(pair, topics, preSwitchEnds);
          if (!c.provable) {
            throw stepFailure(
              'ReplicationUnprovable',
              `replication cannot be shown complete: ${c.reason ?? 'no identity to compare'}. ` +
                'The CNAME already points at the secondary and the approved plan is applied; nothing else was changed.',
            );
          }
          return c.complete
            ? { done: c }
            : {
                observed: c.missing
                  .map(
                    (m) => `${m.topic}[${m.partition}] (primary end ${m.primaryEnd}${m.reason ? `: ${m.reason}` : ''})`,
                  )
                  .join(', '),
              };
        },
        {
          what: "every partition's newest primary record to be on the secondary",
          every: '2s',
          within: input.switchover.timeout,
        },
      );
      const paused = await pauseReplication(pair, topics);
      const written = complete.postSwitch.filter(([, , firstNew, replicatedEnd]) => firstNew < replicatedEnd).length;
      step.summary(
        `primary quiet after ${checks} check(s); every partition's newest record found on the secondary; ` +
          `${written} partition(s) with application records between the copies; ${complete.notes.join('; ')}; connector ${paused.id} ${paused.state}`,
      );
      return {
        connector: `${paused.id} ${paused.state}`,
        quietAfterChecks: checks,
        tails: complete.tails,
        postSwitch: complete.postSwitch,
      };
    });
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
    final = await confirmed(computed, 'groups left the primary');
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
      : await run.step('guard', async (step) => {
          const { guardGroups } = acts(step);
          step.summary(
            `watching ${final.groups.length} group(s) for ${formatDuration(input.switchover.guard)}: a commit below the plan means a stale client`,
          );
          const g = await guardGroups(pair, final.groups, input.switchover.guard);
          const live = g.suspicious.filter((s) => s.live);
          if (live.length) {
            throw stepFailure(
              'StaleClientCommits',
              `${live.length} group(s) have clients committing positions that do not come from the plan — restart those clients ` +
                `(a client that never restarted keeps the other cluster's positions): ${live
                  .slice(0, 10)
                  .map((s) => `${s.group}: ${s.seen}`)
                  .join('; ')}`,
            );
          }
          step.summary(
            `${g.checks} check(s) over ${formatDuration(input.switchover.guard)}: ` +
              (g.suspicious.length
                ? `plan re-applied to ${g.suspicious.length} empty group(s): ${g.suspicious
                    .slice(0, 5)
                    .map((s) => `${s.group} (${s.seen})`)
                    .join('; ')}`
                : 'every commit consistent with the plan'),
          );
          return g;
        });

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

async function resetAll(
  step: StepContext,
  pair: PairConfig,
  groups: GroupTarget[],
  done: Map<string, GroupReset>,
): Promise<void> {
  const { resetGroups } = acts(step);
  const todo = groups.filter((g) => !done.has(g.group));
  const live: string[] = [];
  const failed: string[] = [];
  // Several batches in flight: one after the other, 10,000 groups paid 40 activity round trips and admin
  // sessions in sequence. Each batch still heartbeats its own groups, so a retry resumes where it stopped.
  const lanes = patched('failover-reset-batches-in-parallel') ? RESET_LANES : 1;
  // Large plans in larger batches (about 4 per lane: 625 groups at 10,000), for fewer round trips still.
  const size = patched('failover-reset-batches-sized')
    ? Math.max(RESET_BATCH, Math.ceil(todo.length / (lanes * 4)))
    : RESET_BATCH;
  const batches: GroupTarget[][] = [];
  for (let i = 0; i < todo.length; i += size) batches.push(todo.slice(i, i + size));
  let next = 0;
  let stop: unknown;
  const lane = async () => {
    while (next < batches.length && stop === undefined) {
      const batch = batches[next++];
      let r: Awaited<ReturnType<typeof resetGroups>>;
      try {
        r = await resetGroups(pair, batch, { concurrency: 32 });
      } catch (err) {
        stop ??= err;
        return;
      }
      for (const d of r.done) done.set(d.group, d);
      const answered = new Set([
        ...r.done.map((d) => d.group),
        ...r.live.map((l) => l.group),
        ...r.failed.map((f) => f.group),
      ]);
      const unanswered = batch.filter((g) => !answered.has(g.group)).map((g) => g.group);
      if (unanswered.length)
        failed.push(...unanswered.slice(0, 10).map((g) => `${g}: no outcome reported (the reset was interrupted)`));
      live.push(...r.live.map((l) => `${l.group} (${l.members} member(s), ${l.state})`));
      failed.push(...r.failed.map((f) => `${f.group}: ${f.error}`));
      step.summary(`${done.size}/${groups.length} groups reset`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, batches.length) }, lane));
  // The other lanes finished their batch first: every group reset so far is in `done` for the retry.
  if (stop !== undefined) throw stop;
  if (live.length || failed.length) {
    const parts = [
      live.length
        ? `${live.length} group(s) still have live members on the secondary, stop their consumers: ${live.slice(0, 20).join(', ')}`
        : '',
      failed.length ? `${failed.length} group(s) failed: ${failed.slice(0, 10).join('; ')}` : '',
    ].filter(Boolean);
    throw stepFailure(
      live.length ? 'GroupsHaveLiveMembers' : 'ResetFailed',
      `${parts.join('; ')}. ${done.size}/${groups.length} groups done; resolve retry resets only the rest`,
    );
  }
  step.summary(`${done.size}/${groups.length} groups reset and read back`);
}

function summaryOf(p: SealedPlan): string {
  const t = p.totals;
  const sources = Object.entries(t.sources)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return (
    `${t.groups} groups, ${t.partitions} partitions (${sources || 'none'}), duplicates <= ${t.duplicateBound}, ` +
    `${t.untranslated} untranslated, ${t.liveGroups} group(s) with live members`
  );
}

function nextSteps(pair: PairConfig, domain: string, switchover: boolean): string[] {
  return [
    switchover
      ? `Consumers of pair ${pair.name} start from the final plan; producers already write to the secondary through ${domain}.`
      : `Restart producers and consumers of pair ${pair.name} that did not follow ${domain} on their own (see ${CLIENT_DOC}).`,
    `Clients must bootstrap from ${domain} (not from a broker address) to follow the switch.`,
    ...clientRestartGuidance(!switchover),
    'Consumers using assign() must be restarted: they commit without a group generation and overwrite the reset offsets.',
    'Consumers resume from the planned offsets and may re-read up to the stated duplicate bound: idempotent processing absorbs them.',
  ];
}
