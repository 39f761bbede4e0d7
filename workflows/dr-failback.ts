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
//   switch-back (only when asked for) drFailover in reverse as a child under the pair's failover id, so its approval
//               and every guarantee of a planned switchover hold; then forward replication again (the reverse one
//               removed, the forward one restarted exactly where the old primary's logs stop holding copies), a
//               forward connector-verify, and the forward watch. A run that finds the CNAME already on the primary
//               only finishes that last part.
import { ChildWorkflowCancellationType, executeChild, ParentClosePolicy, workflowInfo } from '@temporalio/workflow';
import {
  DEFAULT_FAILBACK_STAGES, FailbackInputSchema, FAILBACK_STAGES, customDomain, sameHost, switchBackWorkflowId, type FailbackStage, type PairConfig,
} from '../src/config';
import type { KdrActivities } from '../activities';
import { pollUntil, refused, runbook, stepFailure, type StepContext } from './runner';
import { resolvePair, verdictOfCanary } from './shared';
import { approvalOptions, approvalPolicyFor } from './approval-policy';
import { failbackMarkdown, nextSteps, sealFailback, type FailbackTopicLine } from './failback-plan';
import { reversedPair } from './reverse-pair';
import { startWatch, stopWatch } from './watch-start';
import { recordPairState } from './pair-state';
import type { drFailover } from './dr-failover';
import { cloudCalls, exporting, quick, reading, verifying } from './activity-options';
import type { ShownPlan } from './plan-view';
import { reportEvents } from './notify';

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

/**
 * One direction of replication verified: a canary through it (which also measures what the direction keeps, and
 * so how a copy is recognised), then the newest records of the side it copies from found on the side it copies
 * to. `replicated` is the pair as seen in that direction; `opposite` the same pair the other way round (its
 * active side is the one being copied from).
 */
async function verifyDirection(step: StepContext, replicated: PairConfig, opposite: PairConfig, topics: string[], label: 'forward' | 'reverse', what: string) {
  const acts = step.activities<KdrActivities>();
  // The source side's newest records now, before the canary: caught up once each is found on the other side.
  const target = await acts.activeEnds(opposite, topics);
  const canary = await acts.runCanary(replicated, workflowInfo().runId);
  const verdict = verdictOfCanary(replicated, canary, { caughtUp: true, totalLag: 0, worst: [] });
  if (!verdict.ok) throw stepFailure('VerifyFailed', `${label}: ${verdict.summary}`);
  const copied = await pollUntil<Awaited<ReturnType<typeof acts.reverseCaughtUp>>, string>(async () => {
    const c = await acts.reverseCaughtUp(opposite, target, canary.fidelity);
    return c.missing.length === 0 ? { done: c } : { observed: `${c.missing.length} partition(s) not copied yet: ${c.missing.slice(0, 5).join(', ')}` };
  }, { what, every: '2s', within: opposite.replication.thresholds.canaryTimeoutMs * 10 });
  return { verdict, canary, copied };
}

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
    'switch-back': { title: 'Switch back: drFailover in reverse (approval, offsets before the CNAME, drain, exact final offsets)', activities: quick },
    'restore-forward': { title: 'Forward replication again: reverse removed, forward restarted where the copies end', activities: cloudCalls },
    'forward-verify': { title: 'Forward connector-verify: canary and the primary\'s newest records on the secondary; forward watch', activities: verifying },
    report: { title: 'Report' },
  });
  const input = run.input(FailbackInputSchema, raw);
  reportEvents(run, { inline: input.config !== undefined });
  run.setPair(input.pair ?? input.config?.name ?? 'unknown');
  const stages = new Set<FailbackStage>((input.stages ?? DEFAULT_FAILBACK_STAGES) as FailbackStage[]);

  const { pair, policy } = await run.step('resolve', async (step) => {
    const resolved: PairConfig = await resolvePair(step, input);
    const policy = approvalPolicyFor(resolved, input);
    step.summary(`pair ${resolved.name}, requested by ${input.requestedBy}; stages ${FAILBACK_STAGES.filter((s) => stages.has(s)).join(', ')}`);
    return { pair: resolved, policy };
  });
  run.setPair(pair.name);
  const reverse = reversedPair(pair);

  const where = await run.step('failed-over', async (step) => {
    const cname = await step.activities<KdrActivities>().readCname(pair);
    if (stages.has('switch-back') && sameHost(cname.target, pair.primary.endpointHost)) {
      // A switch-back whose run ended after the CNAME moved (or one done by hand): only forward replication is left.
      step.summary(`${cname.domain} points at the primary (${cname.target}): switched back already; forward replication is restored`);
      return { switchedBack: true };
    }
    if (!sameHost(cname.target, pair.secondary.endpointHost)) {
      throw refused(`pair ${pair.name} has not failed over: ${cname.domain} points at ${cname.target ?? 'nothing'}, not at the secondary ` +
        `(${pair.secondary.endpointHost}). Failback changed nothing; it only brings a pair back after drFailover.`);
    }
    step.summary(`${cname.domain} points at the secondary (${cname.target}): failed over`);
    return { switchedBack: false };
  });

  /** Forward replication again, verified, and the forward watch: the end of every switch-back, and idempotent. */
  async function restoreForward(preSwitchEnds: [string, number, number][] | null) {
    const restored = await run.step('restore-forward', async (step) => {
      const { restoreForward: restore, replicationState } = step.activities<KdrActivities>();
      const r = await restore(pair, { exportSuffix: input.exportSuffix, preSwitchEnds });
      const state = await pollUntil<Awaited<ReturnType<typeof replicationState>>, string>(async () => {
        const s = await replicationState(pair, r.topics);
        if (s.state === 'failed') throw stepFailure('ConnectorFailed', `forward replication ${s.id} failed: ${s.cause ?? 'no cause given'}`);
        return s.state === 'running' ? { done: s } : { observed: `${s.state}${s.cause ? `: ${s.cause}` : ''}` };
      }, { what: 'forward replication to run', every: '3s', within: pair.replication.thresholds.connectorReadyTimeoutMs });
      run.audit({ action: 'connector', note: `reverse ${r.reverse.id} ${r.reverse.removed ? 'removed' : 'already gone'}; forward ${state.id} restarted at ${r.starts.length} partition position(s)` });
      recordPairState({ stage: 'switched-back', active: 'primary', replication: 'forward' });
      step.summary(`reverse ${r.reverse.id} ${r.reverse.removed ? 'removed (with its stored positions)' : 'already gone'}; forward ${state.id} RUNNING from the ` +
        `old primary's first record no copy explains: ${r.written} record(s) written since the switch-back to copy, ${r.recopied} reverse copies after the start ` +
        `carried back once more${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`);
      return { ...r, id: state.id };
    });
    const verified = await run.step('forward-verify', async (step) => {
      // A forward canary also makes the newest complete canary run on the secondary a forward copy again: the
      // reverse canary's originals there would otherwise read as perfect copies to the next plan or watch.
      const { verdict, canary, copied } = await verifyDirection(step, pair, reverse, restored.topics, 'forward', 'the primary\'s newest records to reach the secondary');
      const reverseWatch = await stopWatch(reverse, input.requestedBy, 'drFailback: switched back, forward replication runs again');
      const watch = await startWatch(pair, input.config);
      recordPairState({ stage: 'protected', active: 'primary', replication: 'forward' });
      step.summary(`forward ${verdict.summary}; ${copied.partitions} partition(s) copied up to the primary's ends; fidelity ${canary.fidelitySummary}; ` +
        `watch ${watch.workflowId} ${watch.outcome}; reverse watch ${reverseWatch}`);
      return { canary: verdict.summary, partitions: copied.partitions, fidelity: canary.fidelitySummary, watch: `${watch.workflowId} ${watch.outcome}` };
    });
    return {
      connector: restored.id, reverseRemoved: restored.reverse.removed, starts: restored.starts.length,
      written: restored.written, recopied: restored.recopied, ...verified,
    };
  }

  /** drFailover in reverse as a child, under the pair's failover id: the approval and every switchover guarantee are its own. */
  async function switchBack() {
    return run.step('switch-back', async (step) => {
      const acts = step.activities<KdrActivities>();
      const workflowId = switchBackWorkflowId(pair.name);
      const cname = await acts.readCname(pair);
      if (sameHost(cname.target, pair.primary.endpointHost)) {
        step.summary(`${cname.domain} already points at the primary: switched back by an earlier run or by hand`);
        return { workflowId: null, preSwitchEnds: null, result: null };
      }
      // The old primary's ends before the switch: where the applications' first records can start, at the earliest.
      const before = await acts.oldPrimaryEnds(pair, { exportSuffix: input.exportSuffix });
      const state = await acts.replicationState(reverse, [...before.topics, pair.replication.canaryTopic]);
      if (state.state !== 'running') {
        throw stepFailure('ReverseNotRunning', `reverse replication ${state.id} is ${state.state}, not running: the switch-back drains the active side over it. ` +
          `Re-protect first (stage re-protect), then resolve retry. Nothing was changed`);
      }
      const preSwitchEnds = before.ends;
      recordPairState({ stage: 'switching-back', active: 'secondary', replication: 'reverse' });
      step.summary(`drFailover ${workflowId} switches back in reverse. Approve its plan: kdr approve ${pair.name} --by <approver, not ${input.requestedBy}> ` +
        `--plan-id <planId shown by kdr status ${workflowId}>. At its drain step restart the producers (they follow ${customDomain(pair)} to the primary) ` +
        'and stop the consumers; start them again once it has applied the final plan');
      const result = await executeChild<typeof drFailover>('drFailover', {
        workflowId,
        args: [{
          ...(input.config ? { config: input.config } : { pair: pair.name }),
          requestedBy: input.requestedBy, reverse: true, approval: input.approval,
          ...(input.switchover ? { switchover: input.switchover } : {}),
        }],
        // Half a switchover must never be undone by the failback ending: the child has its own approve, resolve and abort.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
      });
      if (result.dryRun) throw stepFailure('SwitchBackIncomplete', `${workflowId} was a dry run: nothing switched`);
      run.audit({ action: 'switch-back', planId: result.planId, note: `${workflowId} ${result.mode}: ${customDomain(pair)} -> ${result.cname.after}; approved by ${result.approvedBy.join(', ')}` });
      step.summary(`${workflowId} ${result.mode} completed: plan ${result.planId} (${result.plan.groups} group(s), duplicates <= ${result.plan.duplicateBound}), ` +
        `approved by ${result.approvedBy.join(', ')}; ${customDomain(pair)} -> ${result.cname.after}`);
      return {
        workflowId, preSwitchEnds,
        result: { mode: result.mode, planId: result.planId, approvedBy: result.approvedBy, duplicateBound: result.plan.duplicateBound, groups: result.plan.groups },
      };
    });
  }

  if (where.switchedBack) {
    for (const s of ['assess', 'export', 'approval', 'pause-forward', 'clear-old-primary', 'ensure-reverse', 'reverse-verify', 'switch-back'] as const) {
      run.skip(s, `${customDomain(pair)} already points at the primary: switched back by an earlier run or by hand`);
    }
    const forward = await restoreForward(null);
    await run.step('report', async (step) => {
      step.summary(`pair ${pair.name} protected again: ${customDomain(pair)} points at the primary, forward replication ${forward.connector} runs`);
    });
    return run.finish({ pair: pair.name, stages: [...stages], tail: [], tailRecords: 0, reprotected: false as const, switchedBack: { workflowId: null, byEarlierRun: true }, forward, nextSteps: nextSteps(pair, 'protected') });
  }

  if (!stages.has('assess') && !stages.has('export') && !stages.has('re-protect')) {
    // Re-protected by an earlier run: the old primary holds reverse copies only (its tail was exported before it was
    // emptied), so there is no tail to look for; the switch-back checks that the reverse replication runs.
    for (const s of ['assess', 'export', 'approval', 'pause-forward', 'clear-old-primary', 'ensure-reverse', 'reverse-verify'] as const) {
      run.skip(s, 'only stage switch-back: re-protected by an earlier run, whose tail was exported before the old primary was emptied');
    }
    const switched = await switchBack();
    const forward = await restoreForward(switched.preSwitchEnds);
    await run.step('report', async (step) => {
      step.summary(`pair ${pair.name} switched back and protected again: ${customDomain(pair)} points at the primary, forward replication ${forward.connector} runs ` +
        `(${forward.written} record(s) written since the switch-back copied, ${forward.recopied} reverse copies carried back)`);
    });
    return run.finish({
      pair: pair.name, stages: [...stages], tail: [], tailRecords: 0, reprotected: false as const,
      switchedBack: { workflowId: switched.workflowId, byEarlierRun: switched.workflowId === null, ...(switched.result ?? {}) },
      forward, nextSteps: nextSteps(pair, 'protected'),
    });
  }

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
      throw stepFailure('ExportIncomplete', `the export is incomplete${verifyOnly ? ' (stage export not selected: only verified)' : ''}: ` +
        `${short.map((t) => `${t.exportTopic} has ${t.verified}/${t.expected}, missing e.g. ${t.missing.join(', ')}`).join('; ')}. ` +
        'Nothing was deleted. Resolve retry exports again.');
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

  if (!stages.has('re-protect') && !stages.has('switch-back')) {
    run.skipRemaining('stage re-protect not selected: nothing was deleted, replication is unchanged');
    return run.finish({ pair: pair.name, stages: [...stages], tail: topicLines, tailRecords: tailTotal, reprotected: false as const, nextSteps: nextSteps(pair, 'failed-over') });
  }

  const reverseTopics = [...assessment.topics, assessment.canaryTopic];
  const reprotected = stages.has('re-protect') ? await reprotect() : undefined;
  if (!reprotected) {
    for (const s of ['approval', 'pause-forward', 'clear-old-primary', 'ensure-reverse', 'reverse-verify'] as const) {
      run.skip(s, 'stage re-protect not selected: re-protected by an earlier run (the switch-back checks the reverse replication runs)');
    }
  }

  async function reprotect() {
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
        throw stepFailure('ForwardNotPaused', `forward replication ${state.id} is ${state.state}, not paused: reverse replication would loop ` +
          `records back. Pause it (Kafka Connect PUT /connectors/<name>/pause), then resolve retry`);
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
        if (s.state === 'failed') throw stepFailure('ConnectorFailed', `reverse replication ${s.id} failed: ${s.cause ?? 'no cause given'}`);
        return s.state === 'running' ? { done: s } : { observed: `${s.state}${s.cause ? `: ${s.cause}` : ''}` };
      }, { what: `reverse replication ${e.id} to run`, every: '3s', within: pair.replication.thresholds.connectorReadyTimeoutMs });
      run.audit({ action: 'connector', note: `reverse ${e.id} ${e.created ? 'created' : e.updated ? 'updated' : 'unchanged'}` });
      step.summary(`${state.id} RUNNING (${state.tasks?.length ?? 0} tasks), ${pair.secondary.bootstrapServers.join(',')} -> ${pair.primary.bootstrapServers.join(',')}`);
      return { id: e.id, created: e.created };
    });

    const verified = await run.step('reverse-verify', async (step) => {
      const { verdict, canary, copied } = await verifyDirection(step, reverse, pair, assessment.topics, 'reverse', 'the active side\'s newest records to reach the old primary');
      recordPairState({ stage: 're-protected', active: 'secondary', replication: 'reverse' });
      step.summary(`reverse ${verdict.summary}; ${copied.partitions} partition(s) copied up to the active side's ends; fidelity ${canary.fidelitySummary}`);
      return { canary: verdict.summary, partitions: copied.partitions, fidelity: canary.fidelitySummary };
    });
    return { plan, approval, cleared, ensured, verified };
  }

  const reprotectedPart = reprotected
    ? {
      reprotected: true as const,
      planId: reprotected.plan.planId,
      approvedBy: reprotected.approval.approvedBy,
      cleared: { partitions: reprotected.cleared.cleared.length, byEarlierRun: reprotected.cleared.earlier },
      reverse: { connector: reprotected.ensured.id, created: reprotected.ensured.created, ...reprotected.verified },
    }
    : { reprotected: false as const };
  const tailShown = topicLines.map((t) => ({ ...t, firstAt: iso(t.firstAt), lastAt: iso(t.lastAt) }));

  if (!stages.has('switch-back')) {
    const why = 'stage switch-back not selected: the pair stays re-protected; switch back when ready with stage switch-back';
    run.skip('switch-back', why);
    run.skip('restore-forward', why);
    run.skip('forward-verify', why);
    await run.step('report', async (step) => {
      step.summary(`pair ${pair.name} re-protected: the old primary replicates the active side (${reprotected?.ensured.id ?? 'reverse replication'}); ` +
        `tail ${tailTotal} record(s) preserved in ${topicLines.filter((t) => t.tailRecords).map((t) => t.exportTopic).join(', ') || 'no topic'}; ` +
        `${customDomain(pair)} still points at the secondary`);
    });
    return run.finish({ pair: pair.name, stages: [...stages], tail: tailShown, tailRecords: tailTotal, ...reprotectedPart, nextSteps: nextSteps(pair, 're-protected') });
  }

  const switched = await switchBack();
  const forward = await restoreForward(switched.preSwitchEnds);
  await run.step('report', async (step) => {
    step.summary(`pair ${pair.name} switched back and protected again: ${customDomain(pair)} points at the primary, forward replication ${forward.connector} runs ` +
      `(${forward.written} record(s) written since the switch-back copied, ${forward.recopied} reverse copies carried back); tail ${tailTotal} record(s) preserved`);
  });
  return run.finish({
    pair: pair.name, stages: [...stages], tail: tailShown, tailRecords: tailTotal, ...reprotectedPart,
    switchedBack: { workflowId: switched.workflowId, byEarlierRun: switched.workflowId === null, ...(switched.result ?? {}) },
    forward,
    nextSteps: nextSteps(pair, 'protected'),
  });
}
