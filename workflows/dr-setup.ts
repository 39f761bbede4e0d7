// drSetup: the first half of the runbook ("Set up disaster recovery", steps 1-3), for ApsaraMQ or self-managed
// Kafka. Running it again on a pair that is already set up changes nothing and passes.
import { patched, workflowInfo } from '@temporalio/workflow';
import { SetupInputSchema, customDomain, type PairConfig } from '../src/config';
import type { SecondaryPrepared } from '../activities/clusters';
import { pollUntil, runbook, stepFailure } from './runner';
import { resolvePair, verdictOfCanary, waitForDns } from './shared';
import { refuseIfFailedOver } from './reversal-guard';
import { decisionGuard } from './approval-policy';
import { startWatch } from './watch-start';
import { reportEvents } from './notify';
import { cloudCalls, quick, verifying } from './activity-options';
import { ensureParity } from './parity';
import { acts } from './acts';

/** wait-running: seconds between reads, and failed reads in a row before the step blocks. */
const WAIT_EVERY_S = 3;
const FAILED_READS = 3;

/** What a failover would move today: said at setup, so an empty group selection is seen before it matters. */
function groupsNote(groups: SecondaryPrepared['groups']): string {
  if (!groups) return '';
  const undeclared = groups.undeclared.length
    ? `; NOT declared on the primary instance: ${groups.undeclared.join(', ')}`
    : '';
  if (groups.selected === 0)
    return `; no consumer group selected on the primary yet: a failover now would move none${undeclared}`;
  return `; ${groups.selected} consumer group(s) selected (${groups.sample.join(', ')}${groups.selected > groups.sample.length ? ', …' : ''})${undeclared}`;
}

export async function drSetup(raw: unknown) {
  const run = runbook('drSetup', {
    'load-pair': { title: 'Load and validate the pair', activities: quick },
    'not-failed-over': { title: 'Check the pair has not failed over (no silent reversal)', activities: quick },
    preflight: { title: 'Preflight: clusters, instances, topics, groups', activities: cloudCalls },
    'ensure-connector': { title: 'Ensure the sink connector', activities: cloudCalls },
    'wait-running': { title: 'Wait until the connector runs', activities: quick },
    'connector-verify': { title: 'Connector-verify: canary and lag', activities: verifying },
    parity: {
      title: 'Parity: SASL users, ACLs and topic configs on the secondary',
      skippable: true,
      activities: verifying,
    },
    'ensure-cname': { title: 'Ensure the CNAME points at the primary', activities: cloudCalls },
    report: { title: 'Report' },
  });
  const input = run.input(SetupInputSchema, raw);
  reportEvents(run, { inline: input.config !== undefined });
  run.setPair(input.pair ?? input.config?.name ?? 'unknown');

  const pair: PairConfig = await run.step('load-pair', (step) => resolvePair(step, input));
  // A signed pair: resolves must be signed too.
  run.setPair(pair.name, decisionGuard(pair));
  run.setDeadlines(pair.deadlines);
  await run.step('not-failed-over', (step) =>
    refuseIfFailedOver(step, pair, (note) => run.audit({ action: 'refuse', accepted: false, note })),
  );

  const prepared = await run.step('preflight', async (step) => {
    const act = acts(step);
    const checks = await act.checkClusters(pair);
    for (const side of ['primary', 'secondary'] as const) {
      const c = checks[side];
      if (!c.reachable)
        throw stepFailure(
          'ClusterUnreachable',
          `${side} cluster ${pair[side].bootstrapServers.join(',')} does not answer: ${c.error}`,
        );
      if (c.instance && !c.instance.running) {
        throw stepFailure(
          'InstanceNotRunning',
          `${side} instance ${c.instance.id} is not running (${c.instance.status})`,
        );
      }
    }
    const { primary, secondary } = checks;
    if (primary.instance && secondary.instance && primary.instance.region === secondary.instance.region) {
      throw stepFailure(
        'SameRegion',
        `both instances are in ${primary.instance.region}: single-zone DR needs the secondary in another region`,
      );
    }
    const result = await act.prepareSecondary(pair);
    // The groups first: the summary is clipped, and the names created can be many.
    step.summary(
      `${result.topics.length} topics (${result.partitions} partitions)${groupsNote(result.groups)}; created on secondary: ` +
        `${result.createdTopics.length ? result.createdTopics.join(', ') : 'no topics'}` +
        `${result.createdGroups.length ? `, groups ${result.createdGroups.join(', ')}` : ''}`,
    );
    return result;
  });
  const topics = prepared.topics;

  const connector = await run.step('ensure-connector', async (step) => {
    // Resuming forward replication after a failover would copy the old primary over the active side: checked again.
    if (patched('setup-rechecks-failover')) {
      await refuseIfFailedOver(step, pair, (note) => run.audit({ action: 'refuse', accepted: false, note }));
    }
    const ensured = await acts(step).ensureReplication(pair, topics);
    step.summary(
      `${pair.replication.provider} ${ensured.id}: ${ensured.created ? 'created' : ensured.updated ? 'updated' : 'already in place'}`,
    );
    run.audit({
      action: 'connector',
      note: `${ensured.id} ${ensured.created ? 'created' : ensured.updated ? 'updated' : 'unchanged'}`,
    });
    return ensured;
  });

  const running = await run.step('wait-running', async (step) => {
    const { replicationState } = acts(step);
    // A connector that has just been created or started can look failed for a moment (Kafka Connect rebalancing, a
    // stream still being scheduled): block only on a failure seen FAILED_READS times in a row.
    const failures: string[] = [];
    let inARow = 0;
    const state = await pollUntil<Awaited<ReturnType<typeof replicationState>>, string>(
      async () => {
        const s = await replicationState(pair, topics);
        if (s.state !== 'failed') inARow = 0;
        else {
          inARow++;
          failures.push(s.cause ?? 'no cause given');
          if (inARow >= FAILED_READS) {
            throw stepFailure(
              'ConnectorFailed',
              `connector ${s.id} failed (seen ${inARow} times in a row, ${WAIT_EVERY_S} s apart): ` +
                `${s.cause ?? 'no cause given'}`,
            );
          }
        }
        return s.state === 'running' ? { done: s } : { observed: `${s.state}${s.cause ? `: ${s.cause}` : ''}` };
      },
      {
        what: `connector ${connector.id} to run`,
        every: `${WAIT_EVERY_S}s`,
        within: pair.replication.thresholds.connectorReadyTimeoutMs,
      },
    );
    step.summary(
      `${state.id} RUNNING (${state.tasks?.length ?? 0} tasks)` +
        (failures.length ? `; looked failed ${failures.length} time(s) on the way (${failures[0]})` : ''),
    );
    return state;
  });

  const verify = await run.step('connector-verify', async (step) => {
    const act = acts(step);
    const canary = await act.runCanary(pair, workflowInfo().runId);
    const lag = await act.replicationLag(pair, topics);
    const verdict = verdictOfCanary(pair, canary, lag);
    step.summary(`${verdict.summary}; fidelity ${canary.fidelitySummary}`);
    if (!verdict.ok) throw stepFailure('VerifyFailed', verdict.summary);
    // The replicator's measured fidelity profile: the failover plan may use only what it preserves.
    return {
      latencyMs: canary.latencyMs,
      received: canary.received,
      produced: canary.produced,
      totalLag: lag.totalLag,
      timestampsPreserved: canary.timestampsPreserved,
      fidelity: canary.fidelity,
      fidelitySummary: canary.fidelitySummary,
    };
  });

  // Before the CNAME: clients must find their users, ACLs and topic settings on the secondary after a failover.
  // patched: runs recorded before this step replay without it.
  const parity = patched('parity-step')
    ? await run.step('parity', (step) =>
        ensureParity(step, pair, 'forward', (_report, markdown) => run.setNotes(markdown)),
      )
    : undefined;
  if (!patched('parity-step')) run.skip('parity', 'run recorded before drSetup checked parity');

  const dns = await run.step('ensure-cname', async (step) => {
    // The check at the start ran once; a step blocked since and retried later may come here after a failover (or
    // during a failback): read the CNAME and the reverse replication again, on every attempt, before moving anything.
    if (patched('setup-rechecks-failover')) {
      await refuseIfFailedOver(step, pair, (note) => run.audit({ action: 'refuse', accepted: false, note }));
    }
    const change = await acts(step).ensureCname(pair, pair.primary.endpointHost);
    if (change.action !== 'unchanged') {
      run.audit({
        action: 'cname',
        note: `${change.domain}: ${change.before ?? '(none)'} -> ${change.after} (${change.action})`,
      });
    }
    const seen = await waitForDns(step, pair, pair.primary.endpointHost);
    step.summary(`${change.domain} -> ${change.after} (${change.action}); ${seen.summary}`);
    return { ...change, resolvers: seen.answers };
  });

  const watch = await run.step('report', async (step) => {
    // patched: runs recorded before drSetup started watches replay (status queries on old runs) without it.
    const started = input.watch && patched('drsetup-starts-watch') ? await startWatch(pair, input.config) : undefined;
    step.summary(
      `pair ${pair.name} protected: ${running.id} RUNNING, canary p50 ${verify.latencyMs?.p50 ?? '?'} ms, ` +
        `${customDomain(pair)} -> ${dns.after}; replication fidelity ${verify.fidelitySummary}; ` +
        (started ? `drWatch ${started.workflowId} ${started.outcome}` : 'drWatch not started (watch: false)'),
    );
    return started;
  });

  return run.finish({
    pair: pair.name,
    connector: {
      provider: pair.replication.provider,
      id: running.id,
      state: running.state,
      created: connector.created,
    },
    topics,
    verify,
    dns: { domain: dns.domain, target: dns.after, ttl: dns.ttl, action: dns.action, resolvers: dns.resolvers },
    ...(watch ? { watch } : {}),
    ...(parity
      ? {
          parity: {
            mode: parity.mode,
            applied: parity.applied,
            byMirrorMaker: parity.byMirrorMaker,
            summary: parity.report.summary,
          },
        }
      : {}),
  });
}
