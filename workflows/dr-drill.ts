// drDrill: a rehearsal that changes nothing, for schedules (kdr drill schedule): connector-verify (canary and
// lag), the failover plan a dry run would make, and a report of its duplicate bound and the RPO estimate.
// It never blocks: a scheduled run waiting for an operator would make the schedule skip every later drill.
// A check that fails is a finding; a drill with findings notifies the pair's targets and ends "failed" (DrPhase).
import { patched, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { FailoverInputSchema, validate, type PairConfig } from '../src/config';
import { DrillInputSchema } from '../src/config/drill-input';
import type { KdrActivities } from '../activities';
import { describeFailure, DrPairKey, DrPhaseKey, stepFailure } from './runner';
import { verdictOfCanary } from './shared';
import { planSealer } from './plan-seal';
import { readWholePlan } from './plan-pages';

// Few attempts: a drill reports a broken dependency within minutes instead of retrying it for the failover's deadlines.
const { resolvePair, listReplicatedTopics, replicationLag, assess, planOffsets, readPlanPage } =
  proxyActivities<KdrActivities>({
    startToCloseTimeout: '5 minutes',
    retry: { maximumAttempts: 3, initialInterval: '2s' },
  });
const { runCanary } = proxyActivities<KdrActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 2, initialInterval: '2s' },
});
const { reportRunEvent } = proxyActivities<KdrActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 2, initialInterval: '1s' },
});

export interface DrillResult {
  pair: string;
  healthy: boolean;
  findings: string[];
  verify?: { ok: boolean; summary: string; latencyMaxMs: number | null; lagRecords: number; fidelity: string };
  plan?: {
    planId: string;
    groups: number;
    partitions: number;
    duplicateBound: number;
    untranslated: number;
    liveGroups: number;
  };
  /** The data a failover now could lose: the replication delay and the records not yet copied. */
  rpo: {
    replicationLatencyMs: number | null;
    latencySource?: string;
    lagRecords: number | null;
    newestReplicatedAt: number | null;
  };
  primaryReachable?: boolean;
  notified?: string;
  startedAt: number;
  endedAt: number;
}

export async function drDrill(raw: unknown): Promise<DrillResult> {
  const checked = validate(DrillInputSchema, raw);
  if (!checked.ok) throw stepFailure('InvalidInput', checked.message);
  const startedAt = Date.now();
  const name = checked.value.pair;
  upsertSearchAttributes([
    { key: DrPairKey, value: name },
    { key: DrPhaseKey, value: 'drill-running' },
  ]);
  const findings: string[] = [];
  const result: DrillResult = {
    pair: name,
    healthy: false,
    findings,
    rpo: { replicationLatencyMs: null, lagRecords: null, newestReplicatedAt: null },
    startedAt,
    endedAt: startedAt,
  };
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      findings.push(`${what}: ${describeFailure(err)}`);
      return undefined;
    }
  };

  const pair: PairConfig | undefined = await attempt('load-pair', () => resolvePair(name));
  if (pair) {
    await attempt('connector-verify', async () => {
      const topics = await listReplicatedTopics(pair);
      const canary = await runCanary(pair, workflowInfo().runId);
      const lag = await replicationLag(pair, topics);
      const verdict = verdictOfCanary(pair, canary, lag);
      result.verify = {
        ok: verdict.ok,
        summary: verdict.summary,
        latencyMaxMs: canary.latencyMs?.max ?? null,
        lagRecords: lag.totalLag,
        fidelity: canary.fidelitySummary,
      };
      result.rpo.replicationLatencyMs = canary.latencyMs?.max ?? null;
      result.rpo.lagRecords = lag.totalLag;
      if (!verdict.ok) findings.push(`connector-verify: ${verdict.summary}`);
    });
    await attempt('plan', async () => {
      const a = await assess(pair);
      result.primaryReachable = a.primaryReachable;
      result.rpo.newestReplicatedAt = a.newestReplicatedAt;
      result.rpo.replicationLatencyMs ??= a.latency.ms;
      result.rpo.latencySource = a.latency.source;
      // The failover's defaults: the plan is the one `kdr failover --dry-run` would show now.
      const options = validate(FailoverInputSchema, { pair: name, requestedBy: 'kdr-drill', dryRun: true });
      if (!options.ok) throw stepFailure('InvalidInput', options.message);
      const input = options.value;
      const seal = planSealer(pair, {
        drain: input.drain,
        mode: a.primaryReachable ? 'switchover' : 'outage',
        operatorTimestamp: undefined,
        newestReplicatedAt: a.newestReplicatedAt,
      });
      const planned = await planOffsets(pair, {
        topics: a.topics,
        primaryReachable: a.primaryReachable,
        latencyMs: a.latency.ms,
        marginMs: input.translation.marginMs,
        groups: input.groups,
      });
      // A plan from the plan store is sealed whole, as drFailover seals it: the same planId as the dry run's.
      const plan = seal(
        planned.stored && patched('drill-reads-stored-plan')
          ? await readWholePlan(readPlanPage, pair, planned)
          : planned,
      );
      const t = plan.totals;
      result.plan = {
        planId: plan.planId,
        groups: t.groups,
        partitions: t.partitions,
        duplicateBound: t.duplicateBound,
        untranslated: t.untranslated,
        liveGroups: t.liveGroups,
      };
      if (!a.primaryReachable) findings.push(`plan: the primary does not answer (${a.primaryError ?? 'no answer'})`);
      if (t.untranslated > 0) findings.push(`plan: ${t.untranslated} partition(s) could not be translated`);
    });
  }
  result.healthy = findings.length === 0;
  result.endedAt = Date.now();
  if (!result.healthy && checked.value.notify !== false) {
    try {
      const o = await reportRunEvent({
        kind: 'drill-failed',
        runbook: 'drDrill',
        pair: name,
        findings,
        ...(result.plan ? { duplicateBound: result.plan.duplicateBound } : {}),
      });
      result.notified =
        [
          o.sent.length ? `sent to ${o.sent.join(', ')}` : '',
          o.failed.length ? `FAILED ${o.failed.map((f) => f.error).join('; ')}` : '',
          o.note ?? '',
        ]
          .filter(Boolean)
          .join('; ') || 'no targets';
    } catch (err) {
      result.notified = `not reported: ${describeFailure(err)}`;
    }
  }
  upsertSearchAttributes([{ key: DrPhaseKey, value: result.healthy ? 'drill-passed' : 'drill-failed' }]);
  return result;
}
