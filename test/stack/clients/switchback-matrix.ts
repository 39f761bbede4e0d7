// The client matrix's switch back: the pair fails over (an outage of the run's own primary, the real drFailover),
// the applications (stack/clients/) run on the secondary through the pair's domain, the old primary comes back and
// drFailback re-protects (reverse replication, secondary -> primary) while they run; then drFailback's switch-back
// stage runs its drFailover in reverse, approved by signal. Once the CNAME answers the primary again (the drain
// step, the secondary still up), nobody touches the applications for a window: does any client follow the CNAME
// back by itself (its producer writes to the primary, its consumer joins its group there), and after how long?
// Then the runbook: the applications stop at the drain step and start again once the final plan (offsets reset on
// the primary) is applied. Every record is counted from the applications' own output.
import { openAdmin, type AdminSession } from '../../../src/kafka/admin';
import { createKafka } from '../../../src/kafka/clients';
import type { ClientRow } from '../../../src/clients/guidance';
import { switchBackWorkflowId, watchWorkflowId } from '../../../workflows/contract';
import type { AppProcess } from '../../../stack/clients/app-process';
import { drFailback, drFailover, drSetup } from '../../../workflows';
import { planQuery } from '../../../workflows/definitions';
import type { FailoverPlan } from '../../../src/plan/model';
import {
  approveAll,
  execute,
  removeMirror,
  runToEnd,
  status,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { eventually } from '../../../stack/harness/temporal';
import { readValues } from '../../../stack/harness/traffic';
import { countRecords, matrixPair } from './matrix-pair';
import { cnameMoved, telling } from './outage-matrix';

export interface SwitchBackCell {
  id: string;
  /** Within the window after the CNAME answered the primary again, without a restart: still working there at its end. */
  producerFollowed: boolean;
  consumerFollowed: boolean;
  /** From the CNAME answering with the primary to the first acknowledgement there / the consumer's joining its group there. */
  producerAfterMs?: number;
  consumerAfterMs?: number;
  acked: number;
  processed: number;
  /** Acknowledged (on either side) and never processed, or never on the primary. */
  lost: number[];
  duplicates: number;
  /** The switch-back plan's duplicate bound for the group. */
  bound: number;
  /** What the client logged after the CNAME moved back (one line). */
  logged: string;
}

export interface SwitchBackMatrix {
  results: SwitchBackCell[];
  run: string;
  windowMs: number;
  failover: string;
  tail: number;
}

/** A role follows only if it is still working on the primary in the last seconds of the window. */
const STEADY_MS = 15_000;

async function membersOf(s: AdminSession, groups: string[]): Promise<number[]> {
  const described = await s.admin.describeGroups(groups);
  return groups.map((g) => described.groups.find((d) => d.groupId === g)?.members.length ?? 0);
}

export async function switchBackMatrix(
  rows: readonly ClientRow[],
  opts: { drIp: string; dnsIp: string; windowMs: number; log: (s: string) => void },
): Promise<SwitchBackMatrix> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const {
      env,
      name,
      own,
      config,
      domain,
      topics,
      groups,
      primary: first,
      secondary,
      apps,
      start,
    } = await matrixPair('cb', rows, cleanups, opts);
    // Only this run's groups move (the shared secondary holds every other test's groups too).
    config.groups = { pattern: `${name}-.*` };
    cleanups.push(
      () => removeMirror(`${name}_reverse`),
      () => secondary.admin.deleteTopics({ topics: topics.map((t) => `${t}.kdr-unreplicated`) }),
    );
    await first.close();

    return await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config, watch: false }],
        });
        // The failover: the primary dies; the applications then run on the secondary through the domain.
        await own.kill();
        const failover = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', switchover: { guard: 0 } }],
        });
        const approvingFailover = approveAll(failover, 'bob');
        const failed = `drFailover ${(await runToEnd(failover, 300_000).finally(() => approvingFailover.stop())).outcome}`;
        opts.log(failed);
        await cnameMoved(domain);
        const onSecondary = rows.map((_, i) => start(i, 0));
        await eventually(
          async () => onSecondary.map((a) => a.acked.size > 0 && a.processed.length > 0),
          (ok) => ok.every(Boolean),
          `every client producing and consuming on the secondary (${rows.map((r) => r.id).join(', ')})`,
          180_000,
        );

        // The old primary comes back; drFailback re-protects while the applications run.
        await own.restart();
        const primary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
        cleanups.push(() => primary.close());
        const reprotect = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: `dr-failback-${name}`,
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' } }],
        });
        const approvingReprotect = approveAll(reprotect, 'bob');
        const reprotected = await runToEnd(reprotect, 300_000).finally(() => approvingReprotect.stop());
        opts.log(`drFailback re-protect ${reprotected.outcome}; tail ${reprotected.tailRecords}`);
        // Every group has committed on the secondary, so the switch-back's plan covers it.
        await eventually(
          async () =>
            Promise.all(
              groups.map(async (g, i) =>
                (await secondary.admin.fetchOffsets({ groupId: g, topics: [topics[i]] }))[0].partitions.some(
                  (p) => Number(p.offset) > 0,
                ),
              ),
            ),
          (ok) => ok.every(Boolean),
          'every group to commit on the secondary',
          60_000,
        );

        // The switch back: drFailover in reverse as drFailback's child, approved like any failover.
        const back = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: `dr-failback-${name}`,
          args: [
            {
              config,
              requestedBy: 'alice',
              stages: ['switch-back'],
              approval: { timeout: '10m' },
              switchover: { quietWindow: '4s', timeout: '10m', guard: '8s' },
            },
          ],
        });
        const child = client.workflow.getHandle(switchBackWorkflowId(name));
        // The switch back starts the pair's watch with forward replication: it ends with the run.
        cleanups.push(
          () => client.workflow.getHandle(watchWorkflowId(name)).terminate('client matrix ended'),
          () => child.terminate('client matrix ended'),
          () => back.terminate('client matrix ended'),
        );
        const approvingBack = approveAll(child, 'bob');
        await eventually(
          () => status(child).catch(() => undefined),
          (s) => s?.phase === 'drain' || s?.phase === 'blocked',
          "the switch-back's drain step",
          300_000,
        );
        const since = await cnameMoved(domain, opts.drIp);
        opts.log('the CNAME answers the primary again; the applications are left alone');

        // Hands off for the window; the consumers' group membership on the primary polled as it goes.
        const end = since + opts.windowMs;
        const joinedAt: (number | undefined)[] = rows.map(() => undefined);
        while (Date.now() < end) {
          const members = await membersOf(primary, groups).catch(() => groups.map(() => 0));
          members.forEach((n, i) => {
            joinedAt[i] = n > 0 ? (joinedAt[i] ?? Date.now()) : undefined;
          });
          await new Promise((r) => setTimeout(r, 2000));
        }
        // Forward replication is not running yet: a record acknowledged since the switch and absent from the
        // secondary was written on the primary. Only acknowledgements from before the secondary is read count (the
        // applications keep writing while it is read; an ack line is stamped when the harness reads it).
        const seenBy = end - 2000;
        const follows = await Promise.all(
          onSecondary.map(async (a, i) => {
            const there = await readValues(secondary, topics[i]);
            const acks = [...a.acked.entries()]
              .filter(([v, at]) => at >= since && at < seenBy && !there.has(String(v)))
              .map(([, at]) => at);
            return {
              producer: acks.some((at) => at >= end - STEADY_MS) ? Math.min(...acks) : undefined,
              consumer: joinedAt[i],
            };
          }),
        );
        const logged = follows.map((f, i) => telling(onSecondary[i], since, !(f.producer && f.consumer)));
        for (const [i, f] of follows.entries()) {
          opts.log(
            `${rows[i].id}: producer ${f.producer ? 'followed' : 'did not follow'}, consumer ${f.consumer ? 'followed' : 'did not follow'}; ${logged[i]}`,
          );
        }

        // The runbook: the applications leave the secondary now, and start again once the final plan is applied.
        await Promise.all(onSecondary.map((a) => a.stop()));
        await eventually(
          () => status(child),
          (s) => ['guard', 'verify', 'completed', 'blocked'].includes(s.phase),
          "the switch-back's final plan to be applied",
          600_000,
        );
        const onPrimary = onSecondary.map((a, i) => start(i, Math.max(-1, ...a.acked.keys()) + 1_000_000));
        let run: string;
        try {
          run = `drFailback switch-back ${(await runToEnd(back, 300_000)).outcome}`;
        } catch (err) {
          run = `drFailback switch-back did not complete: ${(err as Error).message.slice(0, 300)}`;
        } finally {
          approvingBack.stop();
        }
        opts.log(run);
        const plan = (await child.query(planQuery).catch(() => undefined))?.plan as FailoverPlan | undefined;
        await eventually(
          async () => onPrimary.map((a) => a.acked.size > 0 && a.processed.some((p) => a.acked.has(p.value))),
          (ok) => ok.every(Boolean),
          'every restarted client producing and consuming on the primary',
          120_000,
        ).catch(() => undefined);
        await waitAllProcessed(
          primary,
          topics,
          onSecondary.map((a, i) => [a, onPrimary[i]]),
        );
        // Records acknowledged while the applications shut down have no consumer left to read them: not counted as lost.
        const stoppedAt = Date.now();
        await Promise.all(apps.map((a) => a.stop()));

        const results: SwitchBackCell[] = [];
        for (const [i, row] of rows.entries()) {
          const both = [onSecondary[i], onPrimary[i]];
          const there = new Set([...(await readValues(primary, topics[i]))].map(Number));
          const { acked, times, duplicates } = countRecords(both);
          const f = follows[i];
          results.push({
            id: row.id,
            producerFollowed: f.producer !== undefined,
            consumerFollowed: f.consumer !== undefined,
            producerAfterMs: f.producer && f.producer - since,
            consumerAfterMs: f.consumer && f.consumer - since,
            acked: acked.size,
            processed: times.size,
            lost: [...acked].filter(
              (v) => (!times.has(v) || !there.has(v)) && both.every((a) => (a.acked.get(v) ?? 0) < stoppedAt),
            ),
            duplicates,
            bound: plan?.groups.find((g) => g.group === groups[i])?.duplicateBound ?? -1,
            logged: logged[i],
          });
        }
        return { results, run, windowMs: opts.windowMs, failover: failed, tail: reprotected.tailRecords };
      },
      { env },
    );
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** Until every record on the primary was processed by its group's applications. */
async function waitAllProcessed(primary: AdminSession, topics: string[], apps: AppProcess[][]): Promise<void> {
  await eventually(
    async () =>
      Promise.all(
        topics.map(async (t, i) => {
          const seen = new Set(apps[i].flatMap((a) => a.processed.map((p) => p.value)));
          return [...(await readValues(primary, t))].filter((v) => !seen.has(Number(v))).length;
        }),
      ),
    (p) => p.every((n) => n === 0),
    'every record on the primary to be processed',
    120_000,
  ).catch(() => undefined);
}
