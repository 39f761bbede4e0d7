// drFailover: the second half of the runbook. Assess both sides, plan every consumer group's offsets on the
// secondary, wait for a person to approve that plan, switch the CNAME, reset the offsets, verify and report.
// Nothing is changed before the approval; a dry run ends after the plan.
import { ApplicationFailure, type ActivityOptions } from '@temporalio/workflow';
import { FailoverInputSchema, customDomain, type PairConfig } from '../src/config';
import type { KdrActivities } from '../activities';
import { pollUntil, runbook } from './runner';
import { planMarkdown, type FailoverPlan, type GroupReset, type GroupTarget } from './plan-view';
import { resolvePair, waitForDns } from './shared';

const quick: ActivityOptions = { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '15s' } };
const reading: ActivityOptions = { startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 4, initialInterval: '2s', maximumInterval: '30s' } };
const resetting: ActivityOptions = {
  startToCloseTimeout: '10 minutes', heartbeatTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '2s', maximumInterval: '30s' },
};

/** Groups per reset activity: big enough to keep the history small, small enough to heartbeat meaningfully. */
const RESET_BATCH = 250;

export async function drFailover(raw: unknown) {
  const run = runbook('drFailover', {
    resolve: { title: 'Resolve and validate the pair and options', activities: quick },
    assess: { title: 'Assess: secondary healthy, primary reachable, connector', activities: reading },
    plan: { title: 'Plan offsets for every group', activities: reading },
    approval: { title: 'Approval' },
    drain: { title: 'Drain and pause the connector (primary answers)', skippable: true, activities: quick },
    'switch-cname': { title: 'Switch the CNAME to the secondary', activities: quick },
    'reset-offsets': { title: 'Reset offsets on the secondary', activities: resetting },
    verify: { title: 'Verify and report', activities: quick },
  });
  const input = run.input(FailoverInputSchema, raw);
  run.setPair(input.pair ?? input.config?.name ?? 'unknown');

  const { pair, others } = await run.step('resolve', async (step) => {
    const resolved: PairConfig = await resolvePair(step, input);
    const running = await step.activities<KdrActivities>().otherFailovers(resolved.name);
    step.summary(`pair ${resolved.name}, requested by ${input.requestedBy}${input.dryRun ? ' (dry run)' : ''}`);
    return { pair: resolved, others: running };
  });
  if (others.length) {
    run.abort(`another failover of pair ${pair.name} is running (${others.join(', ')}): one failover per pair at a time; ` +
      'finish or cancel it first. Nothing was changed.');
  }
  run.setPair(pair.name);

  const assessment = await run.step('assess', async (step) => {
    const a = await step.activities<KdrActivities>().assess(pair);
    step.summary(`${a.primaryReachable ? 'primary answers (planned failover / drill)' : `primary DOWN (${a.primaryError ?? 'no answer'})`}; ` +
      `secondary ${a.secondary.brokers} broker(s), ${a.topics.length} topics / ${a.partitions} partitions; connector ${a.connector.state}; ` +
      `newest replicated record ${a.newestReplicatedAt ? new Date(a.newestReplicatedAt).toISOString() : 'none'}; ` +
      `latency ${a.latency.ms} ms (${a.latency.source})`);
    return a;
  });

  const plan: FailoverPlan = await run.step('plan', async (step) => {
    const p = await step.activities<KdrActivities>().planOffsets(pair, {
      topics: assessment.topics,
      groups: input.groups,
      primaryReachable: assessment.primaryReachable,
      latencyMs: assessment.latency.ms,
      marginMs: input.translation.marginMs,
      operatorTimestamp: input.translation.operatorTimestamp,
    });
    const t = p.totals;
    step.summary(`plan ${p.planId}: ${t.groups} groups, ${t.partitions} partitions, duplicates <= ${t.duplicateBound}, ` +
      `${t.untranslated} untranslated, ${t.liveGroups} group(s) with live members`);
    return p;
  });
  const cname = { domain: customDomain(pair), from: pair.primary.endpointHost, to: pair.secondary.endpointHost };
  run.setPlan(plan.planId, { ...plan, cname }, planMarkdown(plan, cname));

  if (input.dryRun) {
    run.skipRemaining('dry run: nothing was changed');
    return run.finish({ pair: pair.name, dryRun: true as const, planId: plan.planId, plan: plan.totals, cname, changed: false });
  }

  const approval = await run.approval('approval', { policy: input.approval, requestedBy: input.requestedBy });
  const approvedAt = Date.now();

  const drained = await (async () => {
    const wanted = input.drain === true || (input.drain === 'auto' && assessment.primaryReachable);
    if (!wanted) {
      run.skip('drain', input.drain === false ? 'drain: false in the input' : 'the primary does not answer: nothing to drain');
      return undefined;
    }
    return run.step('drain', async (step) => {
      const { replicationLag, pauseReplication } = step.activities<KdrActivities>();
      type Lag = Awaited<ReturnType<typeof replicationLag>>;
      const lag = await pollUntil<Lag, string>(async () => {
        const l = await replicationLag(pair, assessment.topics);
        return l.caughtUp ? { done: l } : { observed: `${l.totalLag} records behind` };
      }, { what: 'the secondary to catch up', every: '2s', within: '5 minutes' });
      const paused = await pauseReplication(pair, assessment.topics);
      step.summary(`caught up (lag ${lag.totalLag}); connector ${paused.id} ${paused.state}`);
      return { lag: lag.totalLag, connector: paused.state };
    });
  })();

  const dns = await run.step('switch-cname', async (step) => {
    const change = await step.activities<KdrActivities>().ensureCname(pair, pair.secondary.endpointHost);
    run.audit({ action: 'cname', note: `${change.domain}: ${change.before ?? '(none)'} -> ${change.after} (${change.action})` });
    const seen = await waitForDns(step, pair, pair.secondary.endpointHost, { acceptAfterTtl: true });
    step.summary(`${change.domain}: ${change.before ?? '(none)'} -> ${change.after} (${change.action}); ${seen.summary}`);
    return { ...change, resolvers: seen.answers };
  });

  // Survives operator retries of the step: a retry resets only the groups still to do.
  const done = new Map<string, GroupReset>();
  await run.step('reset-offsets', async (step) => {
    const { resetGroups } = step.activities<KdrActivities>();
    const todo = plan.groups.filter((g) => !done.has(g.group));
    const live: string[] = [];
    const failed: string[] = [];
    for (let i = 0; i < todo.length; i += RESET_BATCH) {
      const batch: GroupTarget[] = todo.slice(i, i + RESET_BATCH);
      const r = await resetGroups(pair, batch, { concurrency: 32 });
      for (const d of r.done) done.set(d.group, d);
      live.push(...r.live.map((l) => `${l.group} (${l.members} member(s), ${l.state})`));
      failed.push(...r.failed.map((f) => `${f.group}: ${f.error}`));
      step.summary(`${done.size}/${plan.groups.length} groups reset`);
    }
    if (live.length || failed.length) {
      const parts = [
        live.length ? `${live.length} group(s) still have live members on the secondary, stop their consumers: ${live.slice(0, 20).join(', ')}` : '',
        failed.length ? `${failed.length} group(s) failed: ${failed.slice(0, 10).join('; ')}` : '',
      ].filter(Boolean);
      throw ApplicationFailure.nonRetryable(`${parts.join('; ')}. ${done.size}/${plan.groups.length} groups done; resolve retry resets only the rest`,
        live.length ? 'GroupsHaveLiveMembers' : 'ResetFailed');
    }
    step.summary(`${done.size}/${plan.groups.length} groups reset and read back`);
  });

  const report = await run.step('verify', async (step) => {
    const answers = await step.activities<KdrActivities>().queryResolvers(pair);
    const following = answers.filter((a) => a.target?.replace(/\.$/, '') === pair.secondary.endpointHost).length;
    const changes = [...done.values()];
    const moved = changes.reduce((n, g) => n + g.changes.filter(([, , before, after]) => before !== after).length, 0);
    step.summary(`${changes.length} groups on the secondary (${moved} partition offsets changed); ${following}/${answers.length} resolvers answer ` +
      `${pair.secondary.endpointHost}; restart producers and consumers so new connections follow ${dns.domain}`);
    return { resolversFollowing: following, resolvers: answers.length };
  });

  return run.finish({
    pair: pair.name,
    dryRun: false as const,
    planId: plan.planId,
    plan: plan.totals,
    approvedBy: approval.approvedBy,
    cname: { domain: dns.domain, before: dns.before, after: dns.after, ttl: dns.ttl, action: dns.action },
    drained: drained ?? null,
    groups: [...done.values()],
    verify: report,
    timing: { approvalToDoneMs: Date.now() - approvedAt },
    nextSteps: [
      `Restart producers and consumers of pair ${pair.name}: a CNAME only moves NEW bootstrap connections, running clients stay on the brokers they know.`,
      `Clients must bootstrap from ${dns.domain} (not from a broker address) to follow the switch.`,
      'Consumers resume from the planned offsets and may re-read up to the stated duplicate bound: idempotent processing absorbs them.',
    ],
  });
}
