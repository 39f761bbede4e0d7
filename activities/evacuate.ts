// drEvacuate's side effects: read where every pair's primary lives (the pairs file, and for ApsaraMQ the instance's
// zone), check nothing stands in the way, follow the member runs (their own status and plan queries), let a
// member check a release against its parent, and page the evacuation's targets. Nothing here changes a pair.
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { pairsFilePath } from '../src/config/file';
import { loadEvacuationSettings } from '../src/config/evacuation-file';
import { sameHost, type PairConfig } from '../src/config';
import { targetLabel, wantsEvent } from '../src/config/notify';
import type { EventOrigin, NotifyOutcome, RunEvent } from '../src/notify/events';
import { renderEvent } from '../src/notify/messages';
import { deliver } from '../src/notify/send';
import { observeNotification } from '../src/metrics/kdr';
import { observeEvacuationEvent, observeEvacuationRows, observeEvaluation } from '../src/metrics/evacuation';
import { briefOf, fingerprintOf as fingerprint } from '../src/evacuation/plan';
import type { EvacuationView, PairBlocker, PairFacts, PairRow } from '../src/evacuation/types';
import { rowFromStatus, type MemberStatus } from '../src/evacuation/member-status';
import type { ShownPlan } from '../src/plan/model';
import { dnsActivities } from './dns';
import type { ActivityDeps } from './deps';
import { UI_URL_ENV } from './run-events';

/** A member run to follow: its pair, tier and the run the evacuation started. */
export interface MemberRun {
  pair: string;
  tier: number;
  workflowId: string;
  runId: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function evacuationActivities(deps: ActivityDeps) {
  const dns = dnsActivities(deps);

  function settings() {
    return loadEvacuationSettings(pairsFilePath(deps.env));
  }

  async function readRow(member: MemberRun, previous: PairRow | undefined): Promise<PairRow> {
    const { client } = Context.current();
    const handle = client.workflow.getHandle(member.workflowId, member.runId);
    const base: PairRow = {
      pair: member.pair,
      tier: member.tier,
      workflowId: member.workflowId,
      phase: 'starting',
      switched: previous?.switched ?? false,
      released: previous?.released ?? false,
      planId: previous?.planId,
      plan: previous?.plan,
    };
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') {
      const ended: PairRow = {
        ...base,
        phase: d.status.name.toLowerCase(),
        ended: { outcome: d.status.name.toLowerCase(), note: '', at: (d.closeTime ?? new Date()).toISOString() },
      };
      // A dry run ends right after its plan: read it from the closed run (its query replays the history).
      if (!ended.planId) await firstPlan(handle, ended).catch(() => undefined);
      return ended;
    }
    const s = await handle.query<MemberStatus>('status');
    const row = rowFromStatus(base, s);
    // The first plan, once: later plans (final, frozen) are the member's own business and its reapproval.
    if (!row.planId && s.planId) await firstPlan(handle, row);
    return row;
  }

  async function firstPlan(handle: WorkflowHandle, row: PairRow): Promise<void> {
    const view = await handle.query<{ planId: string; plan: unknown } | null, [{ offset: number; limit: number }]>(
      'plan',
      { offset: 0, limit: 1 },
    );
    if (view) {
      row.planId = view.planId;
      row.plan = briefOf(view.plan as ShownPlan);
    }
  }

  return {
    /** Every pair of the worker's pairs file: where its primary lives, its tier and labels, its approval policy. */
    async evacuationInventory(): Promise<{
      pairs: PairFacts[];
      policy: ReturnType<typeof settings>['approval'] | null;
      targets: number;
    }> {
      const pairs = [...deps.pairs().values()];
      const s = settings();
      // ApsaraMQ instances without a zone in the pairs file: one GetInstanceList per region.
      const ask = new Map<string, string[]>();
      for (const p of pairs) {
        if (p.primary.provider === 'apsaramq' && p.primary.zone === undefined) {
          ask.set(p.primary.region, [...(ask.get(p.primary.region) ?? []), p.primary.instanceId]);
        }
      }
      const zones = new Map<string, { zone: string; zoneId?: string }>();
      for (const [region, instanceIds] of ask) {
        for (const i of await deps
          .cloud()
          .alikafka(region)
          .getInstanceList({ instanceIds: [...new Set(instanceIds)] })) {
          const standard = (i as { StandardZoneId?: unknown }).StandardZoneId;
          const zone = typeof standard === 'string' && standard ? standard : i.ZoneId;
          if (zone) zones.set(i.InstanceId, { zone, ...(i.ZoneId && i.ZoneId !== zone ? { zoneId: i.ZoneId } : {}) });
        }
      }
      const facts = pairs.map((p: PairConfig): PairFacts => {
        const asked = p.primary.provider === 'apsaramq' ? zones.get(p.primary.instanceId) : undefined;
        const zone = p.primary.zone ?? asked?.zone;
        return {
          name: p.name,
          tier: p.tier ?? 9,
          labels: p.labels ?? [],
          replication: p.replication.provider,
          approval: p.approval,
          parityFailover: p.parity.failover,
          ...(p.primary.region ? { region: p.primary.region } : {}),
          ...(zone ? { zone, zoneFrom: p.primary.zone ? ('pairs file' as const) : ('GetInstanceList' as const) } : {}),
          ...(asked?.zoneId ? { zoneId: asked.zoneId } : {}),
        };
      });
      return { pairs: facts, policy: s.approval ?? null, targets: s.notify.length };
    },

    /** What stands in the way of evacuating these pairs now, and other evacuations running. */
    async evacuationBlockers(names: string[]): Promise<{ blockers: PairBlocker[]; evacuations: string[] }> {
      const ctx = Context.current();
      const own = ctx.info.workflowExecution?.workflowId;
      const all = deps.pairs();
      const blockers: PairBlocker[] = [];
      for (const name of names) {
        const pair = all.get(name);
        if (!pair) continue;
        const cname = await dns.readCname(pair);
        const running: string[] = [];
        const query = `(WorkflowType = 'drFailover' OR WorkflowType = 'drFailback') AND ExecutionStatus = 'Running' AND DrPair = '${name}'`;
        for await (const w of ctx.client.workflow.list({ query })) running.push(w.workflowId);
        const failedOver = sameHost(cname.target, pair.secondary.endpointHost)
          ? `${cname.domain} -> ${cname.target}`
          : undefined;
        blockers.push({ pair: name, running, ...(failedOver ? { failedOver } : {}) });
        ctx.heartbeat(name);
      }
      const evacuations: string[] = [];
      for await (const w of ctx.client.workflow.list({
        query: `WorkflowType = 'drEvacuate' AND ExecutionStatus = 'Running'`,
      })) {
        if (w.workflowId !== own || w.runId !== ctx.info.workflowExecution?.runId) evacuations.push(w.workflowId);
      }
      return { blockers: blockers.filter((b) => b.failedOver || b.running.length), evacuations };
    },

    /**
     * The members' rows as soon as one differs from `known` (fingerprints), or after `waitMs`: the evacuation
     * sleeps in here instead of in timers, so its history grows by one activity per change, not per second.
     */
    async evacuationProgress(
      members: MemberRun[],
      known: Record<string, string>,
      previous: PairRow[],
      waitMs: number,
    ): Promise<PairRow[]> {
      const ctx = Context.current();
      const until = Date.now() + waitMs;
      for (;;) {
        // Every member asked at once: a change is seen one answer after it happens, not one per member.
        const rows: PairRow[] = await Promise.all(
          members.map((m) =>
            readRow(
              m,
              previous.find((p) => p.pair === m.pair),
            ).catch((err: Error) => ({
              ...(previous.find((p) => p.pair === m.pair) ?? {
                pair: m.pair,
                tier: m.tier,
                workflowId: m.workflowId,
                switched: false,
                released: false,
              }),
              phase: 'unknown',
              waitingFor: `no answer: ${err.message.split('\n')[0].slice(0, 200)}`,
            })),
          ),
        );
        ctx.heartbeat(rows.length);
        if (rows.some((r) => known[r.pair] !== fingerprint(r)) || Date.now() >= until) {
          if (ctx.info.workflowExecution) observeEvacuationRows(ctx.info.workflowExecution, rows, Date.now());
          return rows;
        }
        await sleep(1000);
      }
    },

    /**
     * A member's check of a release signal (signals prove nothing about who sent them): its parent's own query must
     * show the evacuation approved and this pair released for exactly this planId.
     */
    async confirmEvacuationRelease(
      parent: { workflowId: string; runId: string },
      pair: string,
      planId: string,
    ): Promise<{ ok: boolean; reason?: string; withdrawn?: boolean; evacuationPlanId?: string; approvedBy: string[] }> {
      const view: EvacuationView = await Context.current()
        .client.workflow.getHandle(parent.workflowId, parent.runId)
        .query<EvacuationView>('evacuation');
      const released = view.released[pair];
      if (released !== planId) {
        const over = ['rejected', 'aborted', 'completed'].includes(view.phase);
        return {
          ok: false,
          approvedBy: [],
          withdrawn: over,
          reason: over
            ? `the evacuation ended (${view.phase}) without releasing plan ${planId}`
            : released
              ? `the evacuation released plan ${released}, not ${planId}`
              : `the evacuation has not released pair ${pair}`,
        };
      }
      return { ok: true, evacuationPlanId: view.planId, approvedBy: view.approvedBy };
    },

    /** A periodic evaluation's verdict, for the metrics endpoint (kdr_evacuation_evaluation_*). */
    async recordEvacuationVerdict(selection: string, wouldSucceed: boolean, failing: number): Promise<void> {
      observeEvaluation(selection, { wouldSucceed, failing }, Date.now());
    },

    /**
     * One set of notifications for the whole evacuation, to the pairs file's evacuation.notify targets. `member`:
     * the member run an event is about, so its commands (kdr resolve ...) name that run.
     */
    async reportEvacuationEvents(events: { event: RunEvent; member?: string }[]): Promise<NotifyOutcome> {
      const run = Context.current().info.workflowExecution;
      // Counted before delivery: a pairs file that cannot be read pages nobody but still shows in the metrics.
      if (run) for (const { event, member } of events) observeEvacuationEvent(run, event, member, Date.now());
      const all = settings().notify;
      const outcome: NotifyOutcome = { sent: [], failed: [] };
      const info = Context.current().info;
      for (const { event, member } of events) {
        const targets = all.filter((t) => wantsEvent(t, event.kind));
        if (targets.length === 0) continue;
        const origin: EventOrigin = {
          workflowId: member ?? info.workflowExecution?.workflowId ?? '?',
          runId: member ? '' : (info.workflowExecution?.runId ?? '?'),
          namespace: info.workflowNamespace ?? 'default',
        };
        const ui = deps.env[UI_URL_ENV];
        if (ui)
          origin.uiUrl = `${ui.replace(/\/$/, '')}/namespaces/${encodeURIComponent(origin.namespace)}/workflows/${encodeURIComponent(origin.workflowId)}`;
        const message = renderEvent(event, origin);
        for (const target of targets) {
          const error = await deliver(target, message, event, origin, {
            env: deps.env,
            attempts: Number(deps.env.KDR_NOTIFY_ATTEMPTS) || 3,
            backoffMs: Number(deps.env.KDR_NOTIFY_BACKOFF_MS) || 500,
          });
          observeNotification(target.type, error ? 'failed' : 'sent');
          if (error) outcome.failed.push({ target: targetLabel(target), error });
          else outcome.sent.push(`${targetLabel(target)} (${event.kind} ${event.pair})`);
        }
      }
      return outcome;
    },
  };
}
