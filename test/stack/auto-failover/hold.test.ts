// Issue 26, the two outages the watch must hand to a person. The worker loses the primary while a remote probe
// worker (another vantage point, the broker's other address) still reaches it: a partition, not an outage, so no
// failover and one alert for the episode. And the primary dies with more unreplicated records than maxAtRisk allows:
// no failover, one page carrying the estimate (equal to the tail the producer's own records leave on the primary).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchWorkflowId } from '../../../workflows/contract';
import { watchQuery } from '../../../workflows/definitions';
import { drWatch } from '../../../workflows';
import { startAutoPair, type AutoPair } from '../../../stack/harness/auto-pair';
import { uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { readValues } from '../../../stack/harness/traffic';
import { startReceiver, type Receiver } from '../notify/receiver';
import { Apps, autoPosts, failoverRuns, setUp, sleep, startRemoteProbe, terminateFailovers } from './scenario';

const INTERVAL_MS = 2_000;
const AFTER_S = 10;

describe('automatic failover: a partition and a large tail go to a person', () => {
  let receiver: Receiver;
  const pairs: AutoPair[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    await temporal();
    receiver = await startReceiver('unused-secret');
  });
  after(async () => {
    for (const p of pairs) await terminateFailovers((await temporal()).client, p.name).catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    for (const p of pairs) await p.remove().catch(() => undefined);
    await receiver?.close();
    await closeTemporal();
  });

  test("the worker's probe cut, the remote probe reaches the primary: no failover, one alert", async () => {
    const probeQueue = uniqueName('af-probe');
    const drIp = '127.0.0.43';
    const p = await startAutoPair('af-part', {
      drIp,
      webhookUrl: `${receiver.url}/hook`,
      autoFailover: {
        enabled: true,
        after: `${AFTER_S}s`,
        vetoWindow: '10s',
        maxAtRisk: { records: 100_000 },
        // The remote vantage point reaches the broker by its other address, as a probe outside the VPC would.
        probes: { remote: { taskQueue: probeQueue, bootstrapServers: [`${drIp}:39092`] } },
      },
    });
    pairs.push(p);
    const probe = await startRemoteProbe(probeQueue, p.env);
    cleanups.push(() => probe.stop());
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await setUp(client, taskQueue, p.name);
        const watch = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(p.name));
        await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.decision === 'healthy' && verdicts(s.auto.readings) === 'kafka:up remote:up',
          'both probes to reach the primary',
          90_000,
        );

        await p.primary.proxy.cut();
        const seen = await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.decision === 'alert-partition',
          'the watch to see a partition',
          60_000,
        );
        assert.equal(verdicts(seen.auto!.readings), 'kafka:down remote:up');
        // Well past `after`, several checks more: still a partition, still one alert, no failover.
        await sleep(AFTER_S * 1000 + 5 * INTERVAL_MS);
        const s = await watch.query(watchQuery);
        assert.equal(s.auto?.decision, 'alert-partition', s.auto?.why);
        assert.deepEqual(await failoverRuns(client, p.name), [], 'no failover started');
        const alerts = autoPosts(receiver, p.name).filter((b) => b.event === 'partition');
        assert.equal(alerts.length, 1, JSON.stringify(autoPosts(receiver, p.name)));
        assert.match(`${alerts[0].title} ${alerts[0].text}`, /remote/);
        await p.primary.proxy.restore();
      },
      { env: p.env },
    );
  });

  test('the tail above maxAtRisk: no failover, one page with the estimate', async () => {
    const maxRecords = 50;
    const p = await startAutoPair('af-risk', {
      drIp: '127.0.0.44',
      webhookUrl: `${receiver.url}/hook`,
      autoFailover: { enabled: true, after: `${AFTER_S}s`, vetoWindow: '10s', maxAtRisk: { records: maxRecords } },
    });
    pairs.push(p);
    const groups = [`${p.name}-billing`];
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await setUp(client, taskQueue, p.name);
        const watch = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(p.name));
        const apps = await Apps.start(p, groups, 150);
        await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.decision === 'healthy' && s.auto.measured !== undefined,
          'the watch to measure both sides',
          90_000,
        );
        // Replication stops; the producer writes on until well over maxAtRisk.records more were acknowledged (a
        // fixed two seconds gave only 30 on a loaded machine), then stops.
        await p.pauseReplication();
        const atPause = apps.producer.acked.size;
        await eventually(
          async () => apps.producer.acked.size,
          (n) => n >= atPause + 4 * maxRecords,
          `${4 * maxRecords} more records acknowledged after the pause`,
          60_000,
        );
        await apps.producer.stop();
        let last = -1;
        let onSecondary = new Set<string>();
        while (onSecondary.size !== last) {
          last = onSecondary.size;
          await sleep(3_000);
          onSecondary = await readValues(p.secondary, p.topic);
        }
        const tail = [...apps.producer.acked].filter((v) => !onSecondary.has(v)).length;
        assert.ok(tail > maxRecords, `a tail of ${tail} record(s) over ${maxRecords}`);
        await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.measured?.lagRecords === tail,
          `the watch to measure the tail of ${tail}`,
          60_000,
        );

        await p.primary.kill();
        await apps.crash();
        await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.decision === 'hold-for-human',
          'the watch to hold for a person',
          (AFTER_S + 60) * 1000,
        );
        await sleep(5 * INTERVAL_MS);
        assert.deepEqual(await failoverRuns(client, p.name), [], 'no failover started');
        const pages = autoPosts(receiver, p.name).filter((b) => b.event === 'held');
        assert.equal(pages.length, 1, JSON.stringify(autoPosts(receiver, p.name)));
        const page = pages[0];
        assert.equal((page.atRisk as { records?: number } | undefined)?.records, tail, JSON.stringify(page));
        assert.match(`${page.text}`, new RegExp(`\\b${tail}\\b`), 'the page shows the estimate');
        console.log(`# tail ${tail} record(s) (maxAtRisk.records ${maxRecords}); page: ${page.title}`);
      },
      { env: p.env },
    );
  });
});

function verdicts(readings: { probe: string; verdict: string }[] | undefined): string {
  return (readings ?? [])
    .map((r) => `${r.probe}:${r.verdict}`)
    .sort()
    .join(' ');
}
