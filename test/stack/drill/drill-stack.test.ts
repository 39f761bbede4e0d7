// A scheduled drill with the real activities on the local stack: a pair set up by drSetup (MirrorMaker 2) passes,
// with its real plan (groups, duplicate bound) and RPO estimate (canary latency, lag) in kdr drills.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setManyGroupOffsets } from '../../../src/kafka/admin';
import { local } from '../../../stack/local-stack';
import { listDrills, renderDrills, runDrillNow, scheduleDrill, unscheduleDrill } from '../../../app/cli/commands/drill';
import type { CliContext } from '../../../app/cli/temporal';
import { drSetup } from '../../../workflows';
import { execute, kafkaPair, removeMirror, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

describe('a scheduled drill on the local stack', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('dd');
  const topic = `${name}-orders`;
  const groups = [`${name}-billing`, `${name}-ledger`];
  const file = path.join(os.tmpdir(), `${name}-pairs.json`);
  const env = testEnv({ KDR_PAIRS_FILE: file });
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    await temporal();
    kafka = await openBoth();
    await createTopic(kafka.primary, topic, 3);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();
    for (const [i, group] of groups.entries()) {
      await setManyGroupOffsets(kafka.primary, [
        { group, offsets: [0, 1, 2].map((partition) => ({ topic, partition, offset: 4 + i })) },
      ]);
    }
    fs.writeFileSync(file, JSON.stringify({ pairs: [kafkaPair(name, [topic])] }));
    cleanups.push(
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    cleanups.push(
      () => removeMirror(name),
      async () => fs.rmSync(file, { force: true }),
    );
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka?.close();
    await closeTemporal();
  });

  test('drSetup, then kdr drill schedule + run: the drill passes with the real plan and RPO estimate, nothing changed', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ pair: name, watch: false }],
        });
        const ctx: CliContext = {
          client,
          taskQueue,
          target: { address: local.temporalAddress, namespace: local.namespace } as CliContext['target'],
          close: async () => {},
        };
        await scheduleDrill(ctx, name, '0 4 * * *', 'alice');
        cleanups.push(() => unscheduleDrill(ctx, name));
        await runDrillNow(ctx, name);
        const rows = await eventually(
          () => listDrills(ctx, name),
          (r) => r[0]?.status === 'COMPLETED' || r[0]?.status === 'FAILED',
          'the drill to end',
          180_000,
        );
        const r = rows[0].result!;
        assert.deepEqual(r.findings, []);
        assert.equal(r.healthy, true);
        assert.equal(r.plan?.groups, 2);
        assert.equal(r.plan?.partitions, 6);
        assert.equal(r.plan?.untranslated, 0);
        assert.equal(r.rpo.lagRecords, 0);
        assert.ok((r.rpo.replicationLatencyMs ?? -1) >= 0, 'the canary measured a latency');
        for (const g of groups)
          assert.deepEqual(
            await kafka.secondary.admin
              .fetchOffsets({ groupId: g, topics: [topic] })
              .then((t) => t.flatMap((x) => x.partitions).filter((p) => p.offset !== '-1')),
            [],
            `no offsets set for ${g}`,
          );
        assert.match(
          renderDrills(name, rows),
          /passed +plan 2 groups, bound <= \d+, 0 untranslated; RPO ~ \d+ ms latency, 0 records lag/,
        );
      },
      { env },
    );
  });
});
