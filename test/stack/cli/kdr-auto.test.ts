// `kdr auto pause|resume <pair>` as an operator runs it against a pair's running drWatch: a pause (anyone) is recorded
// in the watch and shown by `kdr watch`; a resume by someone not in approval.allowList is refused (exit 6) and the
// pause stays; a listed approver's resume lifts it; a pair whose policy is off, or without a running watch, is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchWorkflowId } from '../../../workflows/contract';
import { watchQuery } from '../../../workflows/definitions';
import { kdr, shown, writePairsFile } from '../../helpers/cli';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { kafkaPair, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

describe('kdr auto', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('kauto');
  const off = uniqueName('kauto-off');
  const topics = [`${name}-t`, `${name}-canary`, `${off}-t`, `${off}-canary`];
  before(async () => {
    await temporal();
    kafka = await openBoth();
    for (const s of [kafka.primary, kafka.secondary]) for (const t of topics) await createTopic(s, t, 1);
  });
  after(async () => {
    for (const s of [kafka.primary, kafka.secondary]) await deleteTopics(s, topics).catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('pause by anyone, resume by a listed approver only; refusals name the reason', async () => {
    const quiet = (pair: string) => {
      // No replication runs for these pairs: the first canary gives up after 5 s; the primary answers throughout.
      const base = kafkaPair(pair, [`${pair}-t`]);
      return {
        replication: { ...base.replication, thresholds: { ...base.replication.thresholds, canaryTimeoutMs: 5_000 } },
        groups: [`${pair}-g`],
        watch: { interval: '1s', canaryEvery: '10m' },
      };
    };
    const pairsFile = writePairsFile([
      kafkaPair(name, [`${name}-t`], {
        ...quiet(name),
        approval: { allowList: ['alice', 'bob'] },
        autoFailover: { enabled: true, after: '5m', vetoWindow: '3m', maxAtRisk: { seconds: 30 } },
      }),
      kafkaPair(off, [`${off}-t`], quiet(off)),
    ]);
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const cli = { KDR_PAIRS_FILE: pairsFile, KDR_TASK_QUEUE: taskQueue };
        const none = await kdr(['auto', 'pause', name, '--by', 'carol'], cli);
        assert.equal(none.code, 3, `no watch running yet: ${shown(none)}`);
        assert.match(none.stderr, /no drWatch is running/);

        for (const pair of [name, off]) assert.equal((await kdr(['watch', pair], cli)).code, 0);
        const handle = client.workflow.getHandle(watchWorkflowId(name));
        await eventually(
          () => handle.query(watchQuery),
          (s) => s.ticks >= 1,
          'a first check',
          60_000,
        );

        const pause = await kdr(['auto', 'pause', name, '--by', 'carol', '--reason', 'primary maintenance'], cli);
        assert.equal(pause.code, 0, shown(pause));
        assert.match(pause.stdout, /Paused the automatic failover/);
        assert.equal((await handle.query(watchQuery)).autoControl?.paused?.by, 'carol');
        const watch = await kdr(['watch', name], cli);
        assert.match(watch.stdout, /paused/i, shown(watch));

        const mallory = await kdr(['auto', 'resume', name, '--by', 'mallory'], cli);
        assert.equal(mallory.code, 6, shown(mallory));
        assert.match(mallory.stdout + mallory.stderr, /not in approval\.allowList/);
        assert.equal((await handle.query(watchQuery)).autoControl?.paused?.by, 'carol', 'still paused');

        const alice = await kdr(['auto', 'resume', name, '--by', 'alice', '--reason', 'maintenance done'], cli);
        assert.equal(alice.code, 0, shown(alice));
        const status = await handle.query(watchQuery);
        assert.equal(status.autoControl?.paused, undefined);
        assert.deepEqual(
          status.autoControl?.audit?.map((a) => `${a.by} ${a.action} ${a.accepted}`),
          ['carol pause true', 'mallory resume false', 'alice resume true'],
        );

        const disabled = await kdr(['auto', 'pause', off, '--by', 'carol'], cli);
        assert.equal(disabled.code, 6, shown(disabled));
        assert.match(disabled.stdout + disabled.stderr, /autoFailover is not enabled/);

        for (const pair of [name, off]) await kdr(['watch', pair, '--stop', '--by', 'carol'], cli);
      },
      { env: testEnv({ KDR_PAIRS_FILE: pairsFile }) },
    );
  });
});
