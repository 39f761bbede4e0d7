// The client matrix's outage: real client applications (stack/clients/) produce and consume through the pair's
// custom domain, resolving it with their own system resolver; the test's own primary broker is killed; the real
// drFailover runs (approved by signal) and moves the CNAME to the secondary; nobody restarts the applications.
// Per client: did it resume on the secondary by itself, and how long after the CNAME moved; then the ones that
// did not are restarted, as the guidance says, and every record is counted from the applications' own output.
import { promises as dnsPromises } from 'node:dns';
import type { AdminSession } from '../../../src/kafka/admin';
import { readCheckpoints } from '../../../src/kafka/checkpoints';
import type { ClientRow } from '../../../src/clients/guidance';
import { AppProcess } from '../../../stack/clients/app-process';
import { drAddress, local } from '../../../stack/local-stack';
import { drFailover, drSetup } from '../../../workflows';
import { planQuery } from '../../../workflows/definitions';
import type { FailoverPlan } from '../../../src/plan/model';
import { approveAll, execute, runToEnd, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { eventually } from '../../../stack/harness/temporal';
import { readValues } from '../../../stack/harness/traffic';
import { countRecords, matrixPair } from './matrix-pair';

export interface CellResult {
  id: string;
  /** Per role: resumed on the secondary without a restart, within the observation window. */
  producerFollowed: boolean;
  consumerFollowed: boolean;
  /** From the CNAME answering with the secondary to the first acknowledgement / processed record there. */
  producerAfterMs?: number;
  consumerAfterMs?: number;
  acked: number;
  processed: number;
  /** Acknowledged by the primary and never replicated: left on the old primary (the outage's tail, not the client's). */
  tail: number;
  /** Acknowledged, on the secondary, and never processed, even after the restart. */
  lost: number[];
  duplicates: number;
  /** The applied plan's duplicate bound for the group. */
  bound: number;
  restarted: boolean;
  /** Restarted, it produced and consumed records of its own on the secondary. */
  resumedAfterRestart: boolean;
  /** What the client logged after the outage (one line). */
  logged: string;
}

export interface OutageMatrix {
  results: CellResult[];
  run: string;
  observeMs: number;
  cnameAfterKillMs: number;
}

/** A role follows only if it is still working in the last seconds of the observation window. */
const STEADY_MS = 15_000;

/** A client that followed: the line that says how (re-bootstrap), else its first after the kill. One that did not:
 * the last error it was repeating when the window closed. */
export function telling(app: AppProcess, since: number, stuck: boolean): string {
  const after = app.log.filter((l) => l.at >= since).map((l) => l.text);
  const errors = after.filter((t) => /error|fail|refused|unknown|invalid|disconnect|%[0-4]\|/i.test(t));
  const pick =
    (stuck ? errors.at(-1) : after.find((t) => /rebootstrap/i.test(t))) ??
    after.find((t) => /bootstrap|refused|disconnect/i.test(t)) ??
    after.at(-1) ??
    '(nothing)';
  return pick.replace(/\s+/g, ' ').slice(0, 160);
}

export async function outageMatrix(
  rows: readonly ClientRow[],
  opts: { drIp: string; dnsIp: string; observeMs: number; log: (s: string) => void },
): Promise<OutageMatrix> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const { env, own, config, domain, topics, groups, primary, secondary, apps, start } = await matrixPair(
      'cm',
      rows,
      cleanups,
      opts,
    );
    await primary.close();

    return await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config }] });
        const running = rows.map((_, i) => start(i, 0));
        await eventually(
          async () => running.map((a) => a.acked.size > 0 && a.processed.length > 0),
          (ok) => ok.every(Boolean),
          `every client producing and consuming on the primary (${rows.map((r) => r.id).join(', ')})`,
          180_000,
        );
        // Until MirrorMaker 2 has checkpointed every group, so the plan translates them without the primary.
        await eventually(
          async () => (await readCheckpoints(secondary, { groups, topics })).checkpoints,
          (cps) => groups.every((g) => [...cps.values()].some((c) => c.group === g && c.downstreamOffset > 0)),
          'MirrorMaker 2 checkpoints for every group',
          120_000,
        );
        await new Promise((r) => setTimeout(r, 2000));

        // The outage. The applications keep running: nobody restarts them.
        await own.kill();
        const killedAt = Date.now();
        opts.log('primary killed; drFailover starts');
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', switchover: { guard: '10s' } }],
        });
        const approvals = approveAll(handle, 'bob');
        const switchedAt = await cnameMoved(domain);
        opts.log(`CNAME answers the secondary ${Math.round((switchedAt - killedAt) / 1000)} s after the kill`);
        let run: string;
        try {
          const result = await runToEnd(handle, 300_000);
          run = `drFailover ${result.outcome}`;
        } catch (err) {
          run = `drFailover did not complete: ${(err as Error).message.slice(0, 300)}`;
        } finally {
          approvals.stop();
        }
        opts.log(run);
        const plan = (await handle.query(planQuery))?.plan as FailoverPlan | undefined;

        // Lines are timestamped when the harness reads them: a line printed just before the kill may be read just
        // after it. From `since` on (the CNAME moved, and at least 2 s after the kill) only the secondary answers.
        // The whole window is watched: a client that resumes and then stalls (a consumer whose group coordinator
        // is still the old address, a producer rejected by the new cluster) has not followed.
        const since = Math.max(switchedAt, killedAt + 2000);
        const end = since + opts.observeMs;
        await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())));
        const steady = end - STEADY_MS;
        const follows = running.map((a) => {
          const acks = [...a.acked.values()].filter((at) => at >= since);
          // A consumer follows when it processes records written on the secondary after the switch.
          const fresh = a.processed.filter((p) => p.at >= since && (a.acked.get(p.value) ?? 0) >= since);
          return {
            producer: acks.some((at) => at >= steady) ? Math.min(...acks) : undefined,
            consumer: fresh.some((p) => p.at >= steady) ? fresh[0].at : undefined,
          };
        });
        const logged = follows.map((f, i) => telling(running[i], killedAt, !(f.producer && f.consumer)));
        for (const [i, f] of follows.entries()) {
          opts.log(
            `${rows[i].id}: producer ${f.producer ? 'followed' : 'did not follow'}, consumer ${f.consumer ? 'followed' : 'did not follow'}; ${logged[i]}`,
          );
        }
        // The clients that did not follow are restarted, as the guidance says; then every record is counted.
        const restarted = await Promise.all(
          running.map(async (a, i) => {
            if (follows[i].producer && follows[i].consumer) return undefined;
            await a.stop();
            return start(i, Math.max(-1, ...a.acked.keys()) + 1_000_000);
          }),
        );
        // A restart must bring the client onto the secondary: it writes and reads records of its own there.
        const resumed = (a?: AppProcess) => a === undefined || a.processed.some((p) => a.acked.has(p.value));
        await eventually(
          async () => restarted.map(resumed),
          (ok) => ok.every(Boolean),
          'every restarted client producing and consuming',
          120_000,
        ).catch(() => undefined);
        await waitAllProcessed(
          secondary,
          rows,
          topics,
          running.map((a, i) => [a, restarted[i]]),
        );
        // Records acknowledged while the applications shut down have no consumer left to read them: not counted as lost.
        const stoppedAt = Date.now();
        await Promise.all(apps.map((a) => a.stop()));
        for (const a of apps) {
          const last = a.processed.at(-1);
          opts.log(
            `${a.label}: ${a.acked.size} acked, ${a.processed.length} processed (last ${last ? `${last.value}, ${Math.round((Date.now() - last.at) / 1000)} s ago` : 'none'}); ` +
              `last lines: ${a.log
                .slice(-3)
                .map((l) => l.text.slice(0, 200))
                .join(' | ')}`,
          );
        }

        const results: CellResult[] = [];
        for (const [i, row] of rows.entries()) {
          const both = [running[i], restarted[i]].filter((a): a is AppProcess => a !== undefined);
          const onSecondary = new Set([...(await readValues(secondary, topics[i]))].map(Number));
          const { acked, times, duplicates } = countRecords(both);
          const f = follows[i];
          results.push({
            id: row.id,
            producerFollowed: f.producer !== undefined,
            consumerFollowed: f.consumer !== undefined,
            producerAfterMs: f.producer && f.producer - switchedAt,
            consumerAfterMs: f.consumer && f.consumer - switchedAt,
            acked: acked.size,
            processed: times.size,
            tail: [...acked].filter((v) => !onSecondary.has(v) && !times.has(v)).length,
            lost: [...acked].filter(
              (v) => onSecondary.has(v) && !times.has(v) && both.every((a) => (a.acked.get(v) ?? 0) < stoppedAt),
            ),
            duplicates,
            bound: plan?.groups.find((g) => g.group === groups[i])?.duplicateBound ?? -1,
            restarted: restarted[i] !== undefined,
            resumedAfterRestart: restarted[i] !== undefined && resumed(restarted[i]),
            logged: logged[i],
          });
        }
        return { results, run, observeMs: opts.observeMs, cnameAfterKillMs: switchedAt - killedAt };
      },
      { env },
    );
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** When the pair's domain first answers with `address` (default the secondary's), through the stack's DNS server. */
export async function cnameMoved(domain: string, address: string = drAddress.secondary): Promise<number> {
  const resolver = new dnsPromises.Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([local.dnsServer]);
  await eventually(
    () => resolver.resolve4(domain).catch(() => [] as string[]),
    (a) => a.includes(address),
    `${domain} to answer ${address}`,
    300_000,
  );
  return Date.now();
}

/** Until every record on the secondary was processed by its group's application (a restarted one included). */
async function waitAllProcessed(
  secondary: AdminSession,
  rows: readonly ClientRow[],
  topics: string[],
  apps: (AppProcess | undefined)[][],
): Promise<void> {
  await eventually(
    async () => {
      const pending: string[] = [];
      for (const [i, topic] of topics.entries()) {
        const seen = new Set(apps[i].flatMap((a) => a?.processed.map((p) => p.value) ?? []));
        const missing = [...(await readValues(secondary, topic))].filter((v) => !seen.has(Number(v))).length;
        if (missing) pending.push(`${rows[i].id}: ${missing}`);
      }
      return pending;
    },
    (p) => p.length === 0,
    'every record on the secondary to be processed',
    120_000,
  ).catch(() => undefined);
}
