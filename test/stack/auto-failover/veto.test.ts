// Issue 26, two ways an automatic failover must not happen. The worker loses the primary (its path to the broker is
// cut; applications still reach it through the custom domain) for less than `after`, then sees it again: the down
// clock resets, nothing starts. And a failover the watch did start is vetoed by a listed approver inside the veto
// window: the run ends rejected, the CNAME still names the primary, no group has an offset on the secondary, and
// the watch starts no second one for the same outage.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createCloudClients } from '../../../src/cloud';
import { committedOffsets } from '../../../src/kafka/admin';
import { failoverWorkflowId, watchWorkflowId } from '../../../workflows/contract';
import { rejectSignal, statusQuery, watchQuery } from '../../../workflows/definitions';
import { drFailover, drWatch } from '../../../workflows';
import { startAutoPair, type AutoPair } from '../../../stack/harness/auto-pair';
import { withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { startReceiver, type Receiver } from '../notify/receiver';
import { Apps, autoPosts, failoverRuns, setUp, sleep, terminateFailovers } from './scenario';

const INTERVAL_MS = 2_000;

describe('automatic failover: a short outage and a veto change nothing', () => {
  let receiver: Receiver;
  const pairs: AutoPair[] = [];
  before(async () => {
    await temporal();
    receiver = await startReceiver('unused-secret');
  });
  after(async () => {
    for (const p of pairs) await terminateFailovers((await temporal()).client, p.name).catch(() => undefined);
    for (const p of pairs) await p.remove().catch(() => undefined);
    await receiver?.close();
    await closeTemporal();
  });

  test('down for less than `after`, then back: the clock resets and no failover starts', async () => {
    const afterS = 20;
    const p = await startAutoPair('af-flap', {
      drIp: '127.0.0.41',
      webhookUrl: `${receiver.url}/hook`,
      autoFailover: { enabled: true, after: `${afterS}s`, vetoWindow: '10s', maxAtRisk: { records: 100_000 } },
    });
    pairs.push(p);
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await setUp(client, taskQueue, p.name);
        const watch = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(p.name));
        await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.decision === 'healthy',
          'the watch to see the primary',
          60_000,
        );

        await p.primary.proxy.cut();
        const down = await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.decision === 'suspect' && s.auto.clock !== undefined,
          'the down clock to start',
          60_000,
        );
        await p.primary.proxy.restore();
        const since = down.auto!.clock!.since;
        const back = await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.decision === 'healthy' && s.auto.clock === undefined,
          'the watch to see the primary again',
          60_000,
        );
        assert.ok((back.last?.at ?? 0) - since < afterS * 1000, 'the primary answered again before `after` ran out');
        assert.match(back.auto!.why, /answers/);
        // Past the moment the clock would have run out, and a few checks more.
        await sleep(afterS * 1000 + 3 * INTERVAL_MS);
        assert.deepEqual(await failoverRuns(client, p.name), [], 'no failover started');
        const s = await watch.query(watchQuery);
        assert.equal(s.auto?.started, undefined);
        assert.deepEqual(
          autoPosts(receiver, p.name).filter((b) => ['started', 'held', 'partition'].includes(String(b.event))),
          [],
          'nobody paged',
        );
      },
      { env: p.env },
    );
  });

  test('vetoed in the window: the run ends rejected, CNAME and offsets unchanged, no second failover', async () => {
    const p = await startAutoPair('af-veto', {
      drIp: '127.0.0.42',
      webhookUrl: `${receiver.url}/hook`,
      // Long enough for the veto to land inside it on a busy machine; the run would otherwise proceed.
      autoFailover: { enabled: true, after: '10s', vetoWindow: '3m', maxAtRisk: { records: 100_000 } },
    });
    pairs.push(p);
    const groups = [`${p.name}-billing`, `${p.name}-ledger`];
    const cname = () =>
      createCloudClients(p.env)
        .alidns()
        .listSubDomainRecords({ subDomain: p.domain, domainName: 'kdr.test' })
        .then((r) => r.find((x) => x.Type === 'CNAME')?.Value);
    const offsets = (g: string) =>
      committedOffsets(
        p.secondary,
        g,
        [0, 1, 2].map((partition) => ({ topic: p.topic, partition })),
      );
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await setUp(client, taskQueue, p.name);
        const watch = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(p.name));
        // Applications at work through the domain: groups with positions the failover would move.
        const apps = await Apps.start(p, groups, 100);
        await eventually(
          () => Promise.all(apps.consumers.map((c) => c.processed.size)),
          (n) => n.every((x) => x > 100),
          'the groups to consume',
          60_000,
        );
        const cnameBefore = await cname();
        assert.equal(cnameBefore, p.primary.endpointHost);
        const offsetsBefore = await Promise.all(groups.map(offsets));

        // The worker loses the primary; the applications do not.
        await p.primary.proxy.cut();
        const [run] = await eventually(
          () => failoverRuns(client, p.name),
          (r) => r.length > 0,
          'the watch to start drFailover',
          120_000,
        );
        const handle = client.workflow.getHandle<typeof drFailover>(failoverWorkflowId(p.name));
        // In the veto window: the run waits for the window, asking nobody to approve.
        await eventually(
          () => handle.query(statusQuery),
          (s) =>
            s.phase === 'awaiting-approval' || s.steps.some((x) => x.state === 'running' && /approv|veto/.test(x.name)),
          'the veto window',
          120_000,
        );
        await handle.signal(rejectSignal, { by: 'bob', reason: 'the primary team is on it' });
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
        assert.equal(err.cause.type, 'Rejected');
        assert.match(err.cause.message, /(vetoed|rejected) by bob: the primary team is on it; nothing was changed/);
        assert.equal(await cname(), cnameBefore, 'the CNAME still names the primary');
        assert.deepEqual(await Promise.all(groups.map(offsets)), offsetsBefore, 'no offset moved on the secondary');
        const vetoed = autoPosts(receiver, p.name).filter((b) => b.event === 'vetoed');
        assert.equal(vetoed.length, 1, JSON.stringify(autoPosts(receiver, p.name)));

        // The outage goes on past another `after` and several checks: a veto holds for this outage, the watch starts
        // no second failover (a person would otherwise have to veto again every `after`).
        await sleep(10_000 + 5 * INTERVAL_MS);
        const runs = await failoverRuns(client, p.name);
        assert.deepEqual(
          runs.map((r) => r.runId),
          [run.runId],
          'one failover for the outage',
        );
        assert.equal(await cname(), cnameBefore, 'the CNAME still names the primary');
        console.log(`# after the veto the watch says: ${(await watch.query(watchQuery)).auto?.why}`);
        await apps.stop();
        await p.primary.proxy.restore();
      },
      { env: p.env },
    );
  });
});
