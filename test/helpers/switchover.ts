// A planned switchover with the applications running, as an operator runs it: producers and two consumer groups
// (one keeping up, one lagging; both committing every 5 s) through the custom domain; drFailover started and every
// plan approved; at the drain step the producers restart (they follow the domain to the secondary) and the
// consumers stop; once the final plan is applied the consumers start again. Then it counts, per group, from the
// applications' own records: lost must be 0, re-delivered within the applied plan's bound. Shared by the
// MirrorMaker 2 and EventBridge switchover tests.
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { WorkflowResultType } from '@temporalio/common';
import type { PairConfigInput } from '../../src/config';
import type { AdminSession } from '../../src/kafka/admin';
import { drFailover } from '../../workflows';
import { planQuery } from '../../workflows/definitions';
import type { FailoverPlan } from '../../src/plan/model';
import { approveAll, runToEnd, status, uniqueName } from '../../stack/harness/kdr';
import { eventually } from '../../stack/harness/temporal';
import {
  Consuming,
  readValues,
  RetryingProducer,
  tally,
  viaDomain as appVia,
  waitCaughtUp,
} from '../../stack/harness/traffic';

export interface SwitchoverDrill {
  result: WorkflowResultType<typeof drFailover>;
  applied: FailoverPlan;
  workflowId: string;
  approvals: number;
  /** Per group: acknowledged, processed, lost, re-delivered and the applied bound. */
  groups: { group: string; acked: number; processed: number; lost: string[]; redelivered: number; bound: number }[];
}

export async function switchoverWithRunningApps(
  client: Client,
  taskQueue: string,
  config: PairConfigInput,
  secondary: AdminSession,
  options: {
    label: string;
    onStop?: (stop: () => void) => void;
    dnsServer?: string;
    /** Approves the run's plans (default approveAll). */
    approver?: (handle: WorkflowHandle, by: string) => { stop(): void; approved: string[] };
  },
): Promise<SwitchoverDrill> {
  const name = config.name;
  const topic = (config.replication!.topics as string[])[0];
  const domain = `${name}.kdr.test`;
  const viaDomain = (d: string, clientId: string) => appVia(d, clientId, options.dnsServer);
  // 150 records/s through the domain; billing keeps up, ledger lags; both commit every 5 s.
  const onPrimary = await RetryingProducer.start(viaDomain(domain, 'orders-service').kafka, topic, 150);
  const groups = [`${name}-billing`, `${name}-ledger`];
  const first = await Promise.all(
    groups.map((g, i) =>
      Consuming.start(viaDomain(domain, g).kafka, g, topic, { delayMs: i === 1 ? 9 : 0, commitEveryMs: 5000 }),
    ),
  );
  await new Promise((r) => setTimeout(r, 8000));

  const workflowId = uniqueName('drFailover');
  const handle = await client.workflow.start(drFailover, {
    taskQueue,
    workflowId,
    args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '4s', timeout: '5m', guard: '8s' } }],
  });
  const approvals = (options.approver ?? approveAll)(handle, 'bob');
  options.onStop?.(approvals.stop);
  // The run moves the CNAME, then asks for the applications to move: producers restart (to the secondary),
  // consumers stop (they start again once the final plan is applied).
  await eventually(
    () => status(handle),
    (s) => s.phase === 'drain' || s.phase === 'blocked',
    'the drain step',
    180_000,
  );
  assert.equal(
    (await status(handle)).phase,
    'drain',
    JSON.stringify((await status(handle)).steps.find((s) => s.state === 'blocked')),
  );
  await new Promise((r) => setTimeout(r, 3000)); // the applications keep running into the drain
  await onPrimary.stop();
  // The restarted producers write to the secondary while replication still copies the primary's last records.
  const onSecondary = await RetryingProducer.start(
    viaDomain(domain, 'orders-service-restarted').kafka,
    topic,
    150,
    1_000_000,
  );
  await Promise.all(first.map((c) => c.stop()));

  await eventually(
    () => status(handle),
    (s) => ['guard', 'verify', 'completed', 'blocked'].includes(s.phase),
    'the final plan to be applied',
    300_000,
  );
  assert.notEqual(
    (await status(handle)).phase,
    'blocked',
    JSON.stringify((await status(handle)).steps.find((s) => s.state === 'blocked')),
  );
  const second = await Promise.all(
    groups.map((g) =>
      Consuming.start(viaDomain(domain, `${g}-restarted`).kafka, g, topic, {
        fromBeginning: false,
        commitEveryMs: 5000,
      }),
    ),
  );
  const result = await runToEnd(handle, 300_000);
  assert.equal(result.outcome, 'completed');
  const applied = (await handle.query(planQuery))!.plan as FailoverPlan;
  assert.equal(applied.planId, result.planId, 'the plan query shows the plan that was applied');

  await new Promise((r) => setTimeout(r, 3000));
  await onSecondary.stop();
  for (const g of groups) await waitCaughtUp(secondary, g, topic);
  await Promise.all(second.map((c) => c.stop()));

  // Every record the primary acknowledged is on the secondary.
  const onSecondaryLog = await readValues(secondary, topic);
  const missing = [...onPrimary.acked].filter((v) => !onSecondaryLog.has(v));
  assert.equal(missing.length, 0, `${missing.length} records acknowledged by the primary never reached the secondary`);
  const acked = new Set([...onPrimary.acked, ...onSecondary.acked]);
  const counted = groups.map((group, i) => {
    const t = tally(acked, [first[i], second[i]], new Set([...onPrimary.resent, ...onSecondary.resent]));
    const bound = applied.groups.find((x) => x.group === group)!.duplicateBound;
    console.log(
      `# ${options.label} ${group}: ${acked.size} acknowledged, ${t.processed} processed, lost ${t.lost.length}, re-delivered ${t.redelivered} ` +
        `(bound ${bound}); approvals ${approvals.approved.length}; sources ${JSON.stringify(applied.totals.sources)}; ${applied.fidelity?.description ?? ''}`,
    );
    return { group, acked: acked.size, processed: t.processed, lost: t.lost, redelivered: t.redelivered, bound };
  });
  return { result, applied, workflowId, approvals: approvals.approved.length, groups: counted };
}

/** The guarantees every switchover must keep, per group. */
export function assertNothingLostWithinBound(drill: SwitchoverDrill): void {
  for (const g of drill.groups) {
    assert.equal(g.lost.length, 0, `${g.group}: lost ${g.lost.slice(0, 10).join(', ')}`);
    assert.ok(g.redelivered <= g.bound, `${g.group}: ${g.redelivered} re-delivered, above the stated bound ${g.bound}`);
  }
}
