// The client matrix's planned switchover: the same applications (stack/clients/) through the real drFailover
// with the primary up. Once the CNAME has moved (the drain step), nobody touches the applications for a while:
// does any client leave the primary by itself (its producer stops writing there, its consumer leaves the
// group)? Then the runbook: the applications are stopped at the drain step and started again once the final
// plan is applied (this harness's applications hold producer and consumer in one process, so producers pause
// for the drain instead of restarting at once). Every record is counted from the applications' own output.
import type { AdminSession } from '../../../src/kafka/admin';
import type { ClientRow } from '../../../src/clients/guidance';
import { drFailover, drSetup } from '../../../workflows';
import { planQuery } from '../../../workflows/definitions';
import type { FailoverPlan } from '../../../src/plan/model';
import { approveAll, execute, runToEnd, status, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { eventually } from '../../../stack/harness/temporal';
import { readValues } from '../../../stack/harness/traffic';
import { countRecords, matrixPair } from './matrix-pair';

export interface SwitchoverCell {
  id: string;
  /** During the window after the CNAME moved, with the primary up: did the client leave it by itself? */
  producerLeft: boolean;
  consumerLeft: boolean;
  acked: number;
  processed: number;
  lost: number[];
  duplicates: number;
  bound: number;
}

export interface SwitchoverMatrix {
  results: SwitchoverCell[];
  run: string;
  windowMs: number;
}

async function primaryState(
  s: AdminSession,
  topics: string[],
  groups: string[],
): Promise<{ ends: number[]; members: number[] }> {
  const ends = await Promise.all(
    topics.map(async (t) => (await s.admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0)),
  );
  const described = await s.admin.describeGroups(groups);
  return { ends, members: groups.map((g) => described.groups.find((d) => d.groupId === g)?.members.length ?? 0) };
}

export async function switchoverMatrix(
  rows: readonly ClientRow[],
  opts: { drIp: string; dnsIp: string; windowMs: number; log: (s: string) => void },
): Promise<SwitchoverMatrix> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const { env, config, topics, groups, primary, secondary, apps, start } = await matrixPair(
      'cs',
      rows,
      cleanups,
      opts,
    );

    return await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config }] });
        const first = rows.map((_, i) => start(i, 0));
        await eventually(
          async () => first.map((a) => a.acked.size > 0 && a.processed.length > 0),
          (ok) => ok.every(Boolean),
          `every client producing and consuming on the primary (${rows.map((r) => r.id).join(', ')})`,
          180_000,
        );

        // Every group has committed on the primary, so the approved plan covers it (a group that first commits after
        // the approval is not in the plan, and its consumers would start on the secondary at auto.offset.reset).
        await eventually(
          async () =>
            Promise.all(
              groups.map(async (g, i) =>
                (await primary.admin.fetchOffsets({ groupId: g, topics: [topics[i]] }))[0].partitions.some(
                  (p) => Number(p.offset) > 0,
                ),
              ),
            ),
          (ok) => ok.every(Boolean),
          'every group to commit on the primary',
          60_000,
        );
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '4s', timeout: '10m', guard: '8s' } }],
        });
        const approvals = approveAll(handle, 'bob');
        await eventually(
          () => status(handle),
          (s) => s.phase === 'drain' || s.phase === 'blocked',
          'the drain step',
          180_000,
        );
        // The CNAME already answers the secondary: watch the primary, hands off, for the window.
        const before = await primaryState(primary, topics, groups);
        await new Promise((r) => setTimeout(r, opts.windowMs));
        const after = await primaryState(primary, topics, groups);
        const left = rows.map((_, i) => ({
          producer: after.ends[i] === before.ends[i],
          consumer: after.members[i] === 0,
        }));
        opts.log(
          `after ${opts.windowMs / 1000} s at the drain step: ${rows.map((r, i) => `${r.id} producer ${left[i].producer ? 'left' : 'stays'}, consumer ${left[i].consumer ? 'left' : 'stays'}`).join('; ')}`,
        );

        // The runbook: applications leave the primary now, and start again once the final plan is applied.
        await Promise.all(first.map((a) => a.stop()));
        await eventually(
          () => status(handle),
          (s) => ['guard', 'verify', 'completed', 'blocked'].includes(s.phase),
          'the final plan to be applied',
          600_000,
        );
        const second = first.map((a, i) => start(i, Math.max(-1, ...a.acked.keys()) + 1_000_000));
        let run: string;
        try {
          run = `drFailover ${(await runToEnd(handle, 300_000)).outcome}`;
        } catch (err) {
          run = `drFailover did not complete: ${(err as Error).message.slice(0, 300)}`;
        } finally {
          approvals.stop();
        }
        opts.log(run);
        const plan = (await handle.query(planQuery))?.plan as FailoverPlan | undefined;
        await eventually(
          async () => second.map((a) => a.acked.size > 0),
          (ok) => ok.every(Boolean),
          'every restarted client producing on the secondary',
          120_000,
        ).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 3000));
        await eventually(
          async () => {
            const pending = await Promise.all(
              topics.map(async (t, i) => {
                const seen = new Set([first[i], second[i]].flatMap((a) => a.processed.map((p) => p.value)));
                return [...(await readValues(secondary, t))].filter((v) => !seen.has(Number(v))).length;
              }),
            );
            return pending;
          },
          (p) => p.every((n) => n === 0),
          'every record on the secondary to be processed',
          120_000,
        ).catch(() => undefined);
        // Records acknowledged while the applications shut down have no consumer left to read them: not counted as lost.
        const stoppedAt = Date.now();
        await Promise.all(apps.map((a) => a.stop()));

        const results: SwitchoverCell[] = [];
        for (const [i, row] of rows.entries()) {
          const both = [first[i], second[i]];
          const onSecondary = new Set([...(await readValues(secondary, topics[i]))].map(Number));
          const { acked, times, duplicates } = countRecords(both);
          results.push({
            id: row.id,
            producerLeft: left[i].producer,
            consumerLeft: left[i].consumer,
            acked: acked.size,
            processed: times.size,
            // In a switchover nothing is left behind: the drain waits until every primary record is on the secondary.
            lost: [...acked].filter(
              (v) => (!times.has(v) || !onSecondary.has(v)) && both.every((a) => (a.acked.get(v) ?? 0) < stoppedAt),
            ),
            duplicates,
            bound: plan?.groups.find((g) => g.group === groups[i])?.duplicateBound ?? -1,
          });
        }
        return { results, run, windowMs: opts.windowMs };
      },
      { env },
    );
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}
