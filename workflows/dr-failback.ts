// drFailback: after a failover, the way back, in stages that can each run alone and again:
//   assess      the CNAME points at the secondary (else: refused, nothing changed); the old primary answers; per
//               partition the unreplicated tail (records the old primary acknowledged that never reached the
//               secondary, found by identity under the pair's measured fidelity profile), what the applications
//               wrote on the secondary since, and the groups on both sides. Changes nothing.
//   export      the tail copied to <topic><suffix> on the active side, read back and counted (a re-run writes only
//               what is missing). Without this stage the export is only verified: nothing is ever deleted before
//               the tail is safe.
//   re-protect  approval of a sealed plan (tail counts, partitions to empty, reverse replication), then: forward
//               replication paused, the old primary emptied up to the assessed ends, MirrorMaker 2 in reverse,
//               verified by canary and by finding the active side's newest records on the old primary.
// Switching back (a planned switchover in the reverse direction, then forward replication again) is not built:
// see docs/operator-guide.md, "Fail back".
import { ApplicationFailure, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { FailbackInputSchema, FAILBACK_STAGES, customDomain, type FailbackStage, type PairConfig } from '../src/config';
import type { KdrActivities } from '../activities';
import { pollUntil, refused, runbook } from './runner';
import { resolvePair, verdictOfCanary } from './shared';
import { approvalOptions, approvalPolicyFor } from './approval-policy';
import { failbackMarkdown, sealFailback, type FailbackTopicLine } from './failback-plan';
import { reversedPair } from './reverse-pair';
import { stopWatch } from './watch-start';
import { cloudCalls, quick, reading, verifying } from './activity-options';
import type { ShownPlan } from './plan-view';
import { reportEvents } from './notify';

/** The export reads the tail from the old primary and writes it in one attempt: a big tail needs longer than `reading`. */
const exporting: ActivityOptions = {
  startToCloseTimeout: '15 minutes', scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' },
};

const sameHost = (a: string | null, b: string) => a !== null && a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

export async function drFailback(raw: unknown) {
  const run = runbook('drFailback', {
    resolve: { title: 'Resolve and validate the pair and options', activities: quick },
    'failed-over': { title: 'Check the pair has failed over (CNAME on the secondary)', activities: quick },
    assess: { title: 'Assess: old primary answers; unreplicated tail, records since the failover, groups', activities: reading },
    export: { title: 'Export the tail to the active side, read back and count', activities: exporting },
    approval: { title: 'Approval (tail counts, partitions to empty, reverse replication)' },
    'pause-forward': { title: 'Forward replication paused (no loop)', activities: cloudCalls },
    'clear-old-primary': { title: 'Empty the old primary up to the assessed ends', activities: cloudCalls },
    'ensure-reverse': { title: 'Reverse replication: ensure and wait until it runs', activities: cloudCalls },
    'reverse-verify': { title: 'Reverse connector-verify: canary and the newest records on the old primary', activities: verifying },
    'switch-back': { title: 'Switch back (not built yet)' },
    report: { title: 'Report' },
  });
  const input = run.input(FailbackInputSchema, raw);
  reportEvents(run, { inline: input.config !== undefined });
  run.setPair(input.pair ?? input.config?.name ?? 'unknown');
  const stages = new Set<FailbackStage>((input.stages ?? FAILBACK_STAGES) as FailbackStage[]);

  const { pair, policy } = await run.step('resolve', async (step) => {
    const resolved: PairConfig = await resolvePair(step, input);
    const policy = approvalPolicyFor(resolved, input);
    step.summary(`pair ${resolved.name}, requested by ${input.requestedBy}; stages ${FAILBACK_STAGES.filter((s) => stages.has(s)).join(', ')}`);
    return { pair: resolved, policy };
  });
  run.setPair(pair.name);
  const reverse = reversedPair(pair);

  await run.step('failed-over', async (step) => {
    const cname = await step.activities<KdrActivities>().readCname(pair);
    if (!sameHost(cname.target, pair.secondary.endpointHost)) {
      throw refused(`pair ${pair.name} has not failed over: ${cname.domain} points at ${cname.target ?? 'nothing'}, not at the secondary ` +
        `(${pair.secondary.endpointHost}). Failback changed nothing; it only brings a pair back after drFailover.`);
    }
    step.summary(`${cname.domain} points at the secondary (${cname.target}): failed over`);
  });

  const assessment = await run.step('assess', async (step) => {
    const a = await step.activities<KdrActivities>().assessFailback(pair, { exportSuffix: input.exportSuffix, scanLimit: input.scanLimit });
    const tail = a.tails.reduce((n, t) => n + t.records, 0);
    const written = a.tails.reduce((n, t) => n + t.writtenOnSecondary, 0);
    step.summary(`old primary answers; ${a.topics.length} topic(s); unreplicated tail ${tail} record(s) in ` +
      `${a.tails.filter((t) => t.records > 0).length} partition(s); ${written} record(s) written on the secondary since the failover; ` +
      `groups: ${a.groups.oldPrimary.length} on the old primary, ${a.groups.secondary.length} on the secondary; fidelity ${a.fidelitySummary}`);
    return a;
  });

  const exported = await run.step('export', async (step) => {
    const verifyOnly = !stages.has('export');
    const topics = await step.activities<KdrActivities>().exportTail(pair, assessment.tails, { exportSuffix: input.exportSuffix, verifyOnly });
    const short = topics.filter((t) => t.verified < t.expected);
    const counts = topics.map((t) => `${t.exportTopic} ${t.verified}/${t.expected}${t.alreadyThere ? ` (${t.alreadyThere} from an earlier run)` : ''}`).join(', ');
    if (short.length) {
      throw ApplicationFailure.nonRetryable(`the export is incomplete${verifyOnly ? ' (stage export not selected: only verified)' : ''}: ` +
        `${short.map((t) => `${t.exportTopic} has ${t.verified}/${t.expected}, missing e.g. ${t.missing.join(', ')}`).join('; ')}. ` +
        'Nothing was deleted. Resolve retry exports again.', 'ExportIncomplete');
    }
    step.summary(topics.length ? `${verifyOnly ? 'verified' : 'exported and read back'}: ${counts}` : 'no unreplicated tail: nothing to export');
    return topics;
  });

  const topicLines: FailbackTopicLine[] = assessment.topics.map((topic) => {
    const parts = assessment.tails.filter((t) => t.topic === topic);
    const withTail = parts.filter((t) => t.records > 0);
    const firsts = withTail.map((t) => t.firstAt).filter((x): x is number => x !== null);
    const lasts = withTail.map((t) => t.lastAt).filter((x): x is number => x !== null);
    const e = exported.find((x) => x.topic === topic);
    return {
      topic, tailRecords: withTail.reduce((n, t) => n + t.records, 0), partitionsWithTail: withTail.length,
      firstAt: firsts.length ? Math.min(...firsts) : null, lastAt: lasts.length ? Math.max(...lasts) : null,
      exportTopic: e?.exportTopic ?? `${topic}${input.exportSuffix}`, exported: e?.verified ?? 0,
      writtenOnSecondary: parts.reduce((n, t) => n + t.writtenOnSecondary, 0),
    };
  });
  const tailTotal = topicLines.reduce((n, t) => n + t.tailRecords, 0);

  if (!stages.has('re-protect')) {
    run.skipRemaining('stage re-protect not selected: nothing was deleted, replication is unchanged');
    return run.finish({ pair: pair.name, stages: [...stages], tail: topicLines, tailRecords: tailTotal, reprotected: false as const, nextSteps: nextSteps(pair, false) });
  }

  const reverseTopics = [...assessment.topics, assessment.canaryTopic];
  const plan = sealFailback({
    pair: pair.name, topics: topicLines,
    clear: assessment.primaryEnds,
    reverse: {
      connector: pair.replication.provider === 'kafka-connect'
        ? `kdr-${reverse.name}-mm2-source,kdr-${reverse.name}-mm2-checkpoint`
        : `event streams kdr-${reverse.name}-<topic>-* in ${pair.primary.region ?? 'the old primary\'s region'}`,
      from: pair.secondary.bootstrapServers.join(','), to: pair.primary.bootstrapServers.join(','), topics: reverseTopics,
    },
  });
  // The runner shows and seals any plan through the failover plan's slot; the failback plan is shown there as is.
  run.setPlan(plan.planId, plan as unknown as ShownPlan, failbackMarkdown(plan));
  const approval = await run.approval('approval', approvalOptions(policy, input.requestedBy));

  await run.step('pause-forward', async (step) => {
    // With the identity policy nothing marks a copy: forward and reverse running together would copy records round and round.
    const state = await step.activities<KdrActivities>().pauseReplication(pair, reverseTopics);
    if (state.state !== 'paused' && state.state !== 'absent') {
      throw ApplicationFailure.nonRetryable(`forward replication ${state.id} is ${state.state}, not paused: reverse replication would loop ` +
        `records back. Pause it (Kafka Connect PUT /connectors/<name>/pause), then resolve retry`, 'ForwardNotPaused');
    }
    // A forward watch (restarted by hand after the failover) would write its canary into the old primary's canary
    // topic, where reverse copies go, and store the old primary's positions as current.
    const watch = await stopWatch(pair, input.requestedBy, 'drFailback: the pair is being re-protected in reverse');
    step.summary(`forward ${state.id} ${state.state}; forward watch ${watch}`);
  });

  const cleared = await run.step('clear-old-primary', async (step) => {
    const acts = step.activities<KdrActivities>();
    const existing = await acts.replicationState(reverse, reverseTopics);
    if (existing.state !== 'absent') {
      // Reverse replication already writes to the old primary: emptying it again would delete the copies.
      step.summary(`reverse replication ${existing.id} already ${existing.state}: the old primary was emptied by an earlier run`);
      return { cleared: [] as [string, number, number][], alreadyClear: assessment.primaryEnds.length, earlier: true };
    }
    const c = await acts.clearOldPrimary(pair, plan.clear);
    run.audit({ action: 'clear-old-primary', planId: plan.planId, note: `${c.cleared.length} partition(s) emptied on the old primary (${tailTotal} tail record(s) exported)` });
    step.summary(`${c.cleared.length} partition(s) emptied up to the assessed ends, ${c.alreadyClear} already empty`);
    return { ...c, earlier: false };
  });

  const ensured = await run.step('ensure-reverse', async (step) => {
    const { ensureReverseReplication, replicationState } = step.activities<KdrActivities>();
    const e = await ensureReverseReplication(pair, reverseTopics);
    const state = await pollUntil<Awaited<ReturnType<typeof replicationState>>, string>(async () => {
      const s = await replicationState(reverse, reverseTopics);
      if (s.state === 'failed') throw ApplicationFailure.nonRetryable(`reverse replication ${s.id} failed: ${s.cause ?? 'no cause given'}`, 'ConnectorFailed');
      return s.state === 'running' ? { done: s } : { observed: `${s.state}${s.cause ? `: ${s.cause}` : ''}` };
    }, { what: `reverse replication ${e.id} to run`, every: '3s', within: pair.replication.thresholds.connectorReadyTimeoutMs });
    run.audit({ action: 'connector', note: `reverse ${e.id} ${e.created ? 'created' : e.updated ? 'updated' : 'unchanged'}` });
    step.summary(`${state.id} RUNNING (${state.tasks?.length ?? 0} tasks), ${pair.secondary.bootstrapServers.join(',')} -> ${pair.primary.bootstrapServers.join(',')}`);
    return { id: e.id, created: e.created };
  });

  const verified = await run.step('reverse-verify', async (step) => {
    const acts = step.activities<KdrActivities>();
    // The active side's newest records at this moment: caught up once each is found on the old primary.
    const target = await acts.activeEnds(pair, assessment.topics);
    // The canary first: it measures what the reverse direction keeps, which says how a copy can be recognised.
    const canary = await acts.runCanary(reverse, workflowInfo().runId);
    const verdict = verdictOfCanary(reverse, canary, { caughtUp: true, totalLag: 0, worst: [] });
    if (!verdict.ok) throw ApplicationFailure.nonRetryable(`reverse: ${verdict.summary}`, 'VerifyFailed');
    const copied = await pollUntil<Awaited<ReturnType<typeof acts.reverseCaughtUp>>, string>(async () => {
      const c = await acts.reverseCaughtUp(pair, target, canary.fidelity);
      return c.missing.length === 0 ? { done: c } : { observed: `${c.missing.length} partition(s) not copied yet: ${c.missing.slice(0, 5).join(', ')}` };
    }, { what: 'the active side\'s newest records to reach the old primary', every: '2s', within: pair.replication.thresholds.canaryTimeoutMs * 10 });
    step.summary(`reverse ${verdict.summary}; ${copied.partitions} partition(s) copied up to the active side's ends; fidelity ${canary.fidelitySummary}`);
    return { canary: verdict.summary, partitions: copied.partitions, fidelity: canary.fidelitySummary };
  });

  run.skip('switch-back', 'not built yet: switch back with a planned switchover by hand (docs/operator-guide.md, "Fail back")');

  await run.step('report', async (step) => {
    step.summary(`pair ${pair.name} re-protected: the old primary replicates the active side (${ensured.id}); ` +
      `tail ${tailTotal} record(s) preserved in ${topicLines.filter((t) => t.tailRecords).map((t) => t.exportTopic).join(', ') || 'no topic'}; ` +
      `${customDomain(pair)} still points at the secondary`);
  });

  return run.finish({
    pair: pair.name,
    stages: [...stages],
    planId: plan.planId,
    approvedBy: approval.approvedBy,
    tail: topicLines.map((t) => ({ ...t, firstAt: iso(t.firstAt), lastAt: iso(t.lastAt) })),
    tailRecords: tailTotal,
    reprotected: true as const,
    cleared: { partitions: cleared.cleared.length, byEarlierRun: cleared.earlier },
    reverse: { connector: ensured.id, created: ensured.created, ...verified },
    nextSteps: nextSteps(pair, true),
  });
}

function nextSteps(pair: PairConfig, reprotected: boolean): string[] {
  return reprotected
    ? [
      `The tail is in the export topics on the active side: replay what your applications need from them (each record carries header kdr-unreplicated-from).`,
      `Pair ${pair.name} is re-protected the other way round; switching back is not built yet (docs/operator-guide.md, "Fail back").`,
    ]
    : [`Run the failback again with stage re-protect once the export has been checked: kdr failback ${pair.name} --requested-by <you>`];
}
