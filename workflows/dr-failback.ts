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
import {
  DEFAULT_FAILBACK_STAGES,
  FailbackInputSchema,
  FAILBACK_STAGES,
  customDomain,
  sameHost,
  type FailbackStage,
  type PairConfig,
} from '../src/config';
import { refused, runbook } from './runner';
import { resolvePair } from './shared';
import { approvalPolicyForRun, decisionGuard } from './approval-policy';
import { nextSteps } from './failback-plan';
import { reversedPair } from '../src/config/reverse-pair';
import { reportEvents } from './notify';
import { FAILBACK_STEPS, type FailbackContext } from './failback/steps';
import { reprotect } from './failback/reprotect';
import { restoreForward } from './failback/restore-forward';
import { switchBack } from './failback/switch-back';
import { assessAndExport } from './failback/tail';
import { approveRestoreForward } from './failback/restore-approval';
import { acts } from './acts';

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

export async function drFailback(raw: unknown) {
  const run = runbook('drFailback', FAILBACK_STEPS);
  const input = run.input(FailbackInputSchema, raw);
  reportEvents(run, { inline: input.config !== undefined });
  run.setPair(input.pair ?? input.config?.name ?? 'unknown');
  const stages = new Set<FailbackStage>((input.stages ?? DEFAULT_FAILBACK_STAGES) as FailbackStage[]);

  const { pair, policy } = await run.step('load-pair', async (step) => {
    const resolved: PairConfig = await resolvePair(step, input);
    const policy = await approvalPolicyForRun(resolved, input);
    step.summary(
      `pair ${resolved.name}, requested by ${input.requestedBy}; stages ${FAILBACK_STAGES.filter((s) => stages.has(s)).join(', ')}`,
    );
    return { pair: resolved, policy };
  });
  // A signed pair: rejects and resolves must be signed too.
  run.setPair(pair.name, decisionGuard(pair));
  const reverse = reversedPair(pair);

  // The switch-back's drFailover cannot check this run's request signature (made for this workflow id): it trusts
  // its parent's verdict, a flag no starter can set (it refuses it on a run without a parent).
  const ctx: FailbackContext = {
    run,
    input,
    pair,
    reverse,
    requesterProven: policy.identity === 'signed' && !policy.requesterUnproven,
  };

  const where = await run.step('failed-over', async (step) => {
    const cname = await acts(step).readCname(pair);
    if (stages.has('switch-back') && sameHost(cname.target, pair.primary.endpointHost)) {
      // A switch-back whose run ended after the CNAME moved (or one done by hand): only forward replication is left.
      step.summary(
        `${cname.domain} points at the primary (${cname.target}): switched back already; forward replication is restored`,
      );
      return { switchedBack: true };
    }
    if (!sameHost(cname.target, pair.secondary.endpointHost)) {
      throw refused(
        `pair ${pair.name} has not failed over: ${cname.domain} points at ${cname.target ?? 'nothing'}, not at the secondary ` +
          `(${pair.secondary.endpointHost}). Failback changed nothing; it only brings a pair back after drFailover.`,
      );
    }
    step.summary(`${cname.domain} points at the secondary (${cname.target}): failed over`);
    return { switchedBack: false };
  });

  if (where.switchedBack) {
    for (const s of [
      'assess',
      'export',
      'approval',
      'pause-forward',
      'clear-old-primary',
      'ensure-reverse',
      'reverse-verify',
      'reverse-parity',
      'switch-back',
    ] as const) {
      run.skip(s, `${customDomain(pair)} already points at the primary: switched back by an earlier run or by hand`);
    }
    // No switch-back is approved in this run: restoring forward replication needs its own approval.
    await approveRestoreForward(ctx, policy, null);
    const forward = await restoreForward(ctx, null);
    await run.step('report', async (step) => {
      step.summary(
        `pair ${pair.name} protected again: ${customDomain(pair)} points at the primary, forward replication ${forward.connector} runs`,
      );
    });
    return run.finish({
      pair: pair.name,
      stages: [...stages],
      tail: [],
      tailRecords: 0,
      reprotected: false as const,
      switchedBack: { workflowId: null, byEarlierRun: true },
      forward,
      nextSteps: nextSteps(pair, 'protected'),
    });
  }

  if (!stages.has('assess') && !stages.has('export') && !stages.has('re-protect')) {
    // Re-protected by an earlier run: the old primary holds reverse copies only (its tail was exported before it was
    // emptied), so there is no tail to look for; the switch-back checks that the reverse replication runs.
    for (const s of [
      'assess',
      'export',
      'approval',
      'pause-forward',
      'clear-old-primary',
      'ensure-reverse',
      'reverse-verify',
      'reverse-parity',
    ] as const) {
      run.skip(
        s,
        'only stage switch-back: re-protected by an earlier run, whose tail was exported before the old primary was emptied',
      );
    }
    const switched = await switchBack(ctx);
    await approveRestoreForward(ctx, policy, switched.workflowId);
    const forward = await restoreForward(ctx, switched.preSwitchEnds);
    await run.step('report', async (step) => {
      step.summary(
        `pair ${pair.name} switched back and protected again: ${customDomain(pair)} points at the primary, forward replication ${forward.connector} runs ` +
          `(${forward.written} record(s) written since the switch-back copied, ${forward.recopied} reverse copies carried back)`,
      );
    });
    return run.finish({
      pair: pair.name,
      stages: [...stages],
      tail: [],
      tailRecords: 0,
      reprotected: false as const,
      switchedBack: {
        workflowId: switched.workflowId,
        byEarlierRun: switched.workflowId === null,
        ...(switched.result ?? {}),
      },
      forward,
      nextSteps: nextSteps(pair, 'protected'),
    });
  }

  const { assessment, topicLines, tailTotal } = await assessAndExport(ctx, stages.has('export'));

  if (!stages.has('re-protect') && !stages.has('switch-back')) {
    run.skipRemaining('stage re-protect not selected: nothing was deleted, replication is unchanged');
    return run.finish({
      pair: pair.name,
      stages: [...stages],
      tail: topicLines,
      tailRecords: tailTotal,
      reprotected: false as const,
      nextSteps: nextSteps(pair, 'failed-over'),
    });
  }

  const reverseTopics = [...assessment.topics, assessment.canaryTopic];
  const reprotected = stages.has('re-protect')
    ? await reprotect(ctx, { policy, assessment, topicLines, tailTotal, reverseTopics })
    : undefined;
  if (!reprotected) {
    for (const s of [
      'approval',
      'pause-forward',
      'clear-old-primary',
      'ensure-reverse',
      'reverse-verify',
      'reverse-parity',
    ] as const) {
      run.skip(
        s,
        'stage re-protect not selected: re-protected by an earlier run (the switch-back checks the reverse replication runs)',
      );
    }
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
    const why =
      'stage switch-back not selected: the pair stays re-protected; switch back when ready with stage switch-back';
    run.skip('switch-back', why);
    run.skip('restore-approval', why);
    run.skip('restore-forward', why);
    run.skip('forward-verify', why);
    await run.step('report', async (step) => {
      step.summary(
        `pair ${pair.name} re-protected: the old primary replicates the active side (${reprotected?.ensured.id ?? 'reverse replication'}); ` +
          `tail ${tailTotal} record(s) preserved in ${
            topicLines
              .filter((t) => t.tailRecords)
              .map((t) => t.exportTopic)
              .join(', ') || 'no topic'
          }; ` +
          `${customDomain(pair)} still points at the secondary`,
      );
    });
    return run.finish({
      pair: pair.name,
      stages: [...stages],
      tail: tailShown,
      tailRecords: tailTotal,
      ...reprotectedPart,
      nextSteps: nextSteps(pair, 're-protected'),
    });
  }

  const switched = await switchBack(ctx);
  await approveRestoreForward(ctx, policy, switched.workflowId);
  const forward = await restoreForward(ctx, switched.preSwitchEnds);
  await run.step('report', async (step) => {
    step.summary(
      `pair ${pair.name} switched back and protected again: ${customDomain(pair)} points at the primary, forward replication ${forward.connector} runs ` +
        `(${forward.written} record(s) written since the switch-back copied, ${forward.recopied} reverse copies carried back); tail ${tailTotal} record(s) preserved`,
    );
  });
  return run.finish({
    pair: pair.name,
    stages: [...stages],
    tail: tailShown,
    tailRecords: tailTotal,
    ...reprotectedPart,
    switchedBack: {
      workflowId: switched.workflowId,
      byEarlierRun: switched.workflowId === null,
      ...(switched.result ?? {}),
    },
    forward,
    nextSteps: nextSteps(pair, 'protected'),
  });
}
