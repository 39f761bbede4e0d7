// `kdr watch <pair>` as an operator runs it: starts the pair's drWatch, a second call reports the running one
// (one per pair), `--stop` ends it; an unknown pair and a watch that is not running are refused with their exit codes.
// A watch an earlier version started under `kdr-watch-<pair>` is still found: reported, not doubled, and stopped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchWorkflowId, workflowIdsOf } from '../../../workflows/contract';
import { kdr, shown, writePairsFile } from '../../helpers/cli';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { kafkaPair, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { watchQuery } from '../../../workflows/definitions';

describe('kdr watch', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('kw');
  const topic = `${name}-t`;
  before(async () => {
    await temporal();
    kafka = await openBoth();
    for (const s of [kafka.primary, kafka.secondary])
      for (const t of [topic, `${name}-canary`]) await createTopic(s, t, 1);
  });
  after(async () => {
    for (const s of [kafka.primary, kafka.secondary])
      await deleteTopics(s, [topic, `${name}-canary`]).catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('start, already running, stop; refusals', async () => {
    // No replication runs for this pair: the watch's first canary can never arrive, so it gives up after 5 s.
    const base = kafkaPair(name, [topic]);
    const replication = { ...base.replication, thresholds: { ...base.replication.thresholds, canaryTimeoutMs: 5_000 } };
    // Its own group only: with the default ".*" each check would snapshot every group other tests left on the shared cluster.
    const pairsFile = writePairsFile([
      kafkaPair(name, [topic], { replication, groups: [`${name}-g`], watch: { interval: '1s', canaryEvery: '10m' } }),
    ]);
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const cli = { KDR_PAIRS_FILE: pairsFile, KDR_TASK_QUEUE: taskQueue };
        const first = await kdr(['watch', name], cli);
        assert.equal(first.code, 0, shown(first));
        assert.match(first.stdout, new RegExp(`Started drWatch ${watchWorkflowId(name)}`));
        const handle = client.workflow.getHandle(watchWorkflowId(name));
        await eventually(
          () => handle.query(watchQuery),
          (s) => s.ticks >= 1,
          'a first check',
          60_000,
        );

        const second = await kdr(['watch', name, '--json'], cli);
        assert.equal(second.code, 0, shown(second));
        const shownJson = JSON.parse(second.stdout) as { started: boolean; status?: { health: string } };
        assert.equal(shownJson.started, false, 'one watch per pair: the running one is reported');
        assert.ok(shownJson.status && ['healthy', 'degraded', 'broken'].includes(shownJson.status.health));

        const stop = await kdr(['watch', name, '--stop', '--by', 'carol', '--reason', 'test over'], cli);
        assert.equal(stop.code, 0, shown(stop));
        assert.match(stop.stdout, /Stopped drWatch/);
        const result = (await handle.result()) as { stoppedBy: string };
        assert.equal(result.stoppedBy, 'carol');

        const again = await kdr(['watch', name, '--stop'], cli);
        assert.equal(again.code, 3, shown(again));
        const unknown = await kdr(['watch', 'no-such-pair'], cli);
        assert.equal(unknown.code, 3, shown(unknown));
      },
      { env: testEnv({ KDR_PAIRS_FILE: pairsFile }) },
    );
  });

  test('a watch started under the earlier id (kdr-watch-<pair>) is reported, not doubled, and stopped', async () => {
    const base = kafkaPair(name, [topic]);
    const replication = { ...base.replication, thresholds: { ...base.replication.thresholds, canaryTimeoutMs: 5_000 } };
    const pairsFile = writePairsFile([
      kafkaPair(name, [topic], { replication, groups: [`${name}-g`], watch: { interval: '1s', canaryEvery: '10m' } }),
    ]);
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const cli = { KDR_PAIRS_FILE: pairsFile, KDR_TASK_QUEUE: taskQueue };
        const earlier = workflowIdsOf('watch', name)[1];
        assert.equal(earlier, `kdr-watch-${name}`);
        // As a kafka-dr version before the one id scheme started it.
        const handle = await client.workflow.start('drWatch', {
          taskQueue,
          workflowId: earlier,
          args: [{ pair: name }],
        });

        const start = await kdr(['watch', name, '--json'], cli);
        assert.equal(start.code, 0, shown(start));
        const reported = JSON.parse(start.stdout) as { workflowId: string; started: boolean };
        assert.deepEqual(
          { ...reported, status: undefined },
          { workflowId: earlier, started: false, status: undefined },
        );
        // The first test's watch under the new id has ended: nothing may run there now.
        const current = await client.workflow
          .getHandle(watchWorkflowId(name))
          .describe()
          .catch(() => undefined);
        assert.notEqual(current?.status.name, 'RUNNING', 'no second watch under the new id');

        const stop = await kdr(['watch', name, '--stop', '--by', 'carol', '--reason', 'test over'], cli);
        assert.equal(stop.code, 0, shown(stop));
        assert.match(stop.stdout, new RegExp(`Stopped drWatch ${earlier}`));
        assert.equal(((await handle.result()) as { stoppedBy: string }).stoppedBy, 'carol');
      },
      { env: testEnv({ KDR_PAIRS_FILE: pairsFile }) },
    );
  });
});
