// The periodic evaluation of an evacuation on the local stack: `kdr evacuate --zone Z --evaluate --every 30m`
// creates (then updates) a Temporal Schedule running drEvaluateEvacuation; one triggered run, with the real
// activities, drills both pairs of the zone: the pair set up by drSetup (MirrorMaker 2) passes with its real plan,
// the pair with no replication fails, and the evacuation's webhook gets ONE message naming that pair and why.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setManyGroupOffsets } from '../../../src/kafka/admin';
import { local } from '../../../stack/local-stack';
import { scheduleEvaluation, unscheduleEvaluation, verdictText } from '../../../app/cli/commands/evacuate-evaluate';
import type { CliContext } from '../../../app/cli/temporal';
import type { EvaluationResult } from '../../../workflows/evaluate-evacuation';
import { drSetup } from '../../../workflows';
import { execute, kafkaPair, removeMirror, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { startReceiver, type Receiver } from '../notify/receiver';
import { kdr, shown } from '../../helpers/cli';

describe('a scheduled evaluation of a zone evacuation on the local stack', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  let receiver: Receiver;
  const name = uniqueName('ee');
  const broken = `${name}-b`;
  const zone = `z-${name}`;
  const topic = `${name}-orders`;
  const brokenTopic = `${broken}-orders`;
  const groups = [`${name}-billing`, `${name}-ledger`];
  const file = path.join(os.tmpdir(), `${name}-pairs.json`);
  let env: NodeJS.ProcessEnv;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    await temporal();
    receiver = await startReceiver(`SEC${'beef'.repeat(12)}`);
    kafka = await openBoth();
    await createTopic(kafka.primary, topic, 3);
    await createTopic(kafka.primary, brokenTopic, 1);
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
    const ok = kafkaPair(name, [topic]);
    const bad = kafkaPair(broken, [brokenTopic]);
    fs.writeFileSync(
      file,
      JSON.stringify({
        evacuation: { notify: [{ type: 'webhook', urlEnv: 'KDR_SECRET_EE_HOOK_URL' }] },
        pairs: [
          { ...ok, tier: 1, primary: { ...ok.primary, zone } },
          {
            ...bad,
            tier: 2,
            primary: { ...bad.primary, zone },
            // Never set up: no replication, so its canary never arrives (a short wait keeps the test short).
            replication: {
              ...bad.replication,
              thresholds: { canaryTimeoutMs: 5_000, connectorReadyTimeoutMs: 10_000 },
            },
          },
        ],
      }),
    );
    env = testEnv({ KDR_PAIRS_FILE: file, KDR_SECRET_EE_HOOK_URL: `${receiver.url}/hook/${name}` });
    cleanups.push(
      () => deleteTopics(kafka.primary, [topic, brokenTopic, `${name}-canary`, `${broken}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, brokenTopic, `${name}-canary`, `${broken}-canary`]),
      () => removeMirror(name),
      async () => fs.rmSync(file, { force: true }),
    );
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka?.close();
    await receiver?.close();
    await closeTemporal();
  });

  test('kdr evacuate --evaluate --every creates then updates the schedule; one run drills every pair, one message', async () => {
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
        const input = { select: [{ zone }], requestedBy: 'alice' };
        const cli = { KDR_TASK_QUEUE: taskQueue };
        // As an operator types it: the real kdr, its flags checked before anything is created.
        const tooOften = await kdr(['evacuate', '--zone', zone, '--evaluate', '--every', '1m'], cli);
        assert.equal(tooOften.code, 2, shown(tooOften));
        assert.match(tooOften.stderr, /--every: expected a duration .*at least 300000ms/);
        const alone = await kdr(['evacuate', '--zone', zone, '--every', '30m'], cli);
        assert.equal(alone.code, 2, shown(alone));
        assert.match(alone.stderr, /--every and --unschedule go with --evaluate/);
        const created = await kdr(
          ['evacuate', '--zone', zone, '--evaluate', '--every', '30m', '--requested-by', 'alice', '--json'],
          cli,
        );
        assert.equal(created.code, 0, shown(created));
        cleanups.push(() => unscheduleEvaluation(ctx, input));
        const first = JSON.parse(created.stdout) as { scheduleId: string; created: boolean; nextRuns: string[] };
        assert.equal(first.created, true);
        assert.equal(first.nextRuns.length, 3);
        const again = await scheduleEvaluation(ctx, input, '1h');
        assert.equal(again.created, false, 'the same selection updates its one schedule');
        assert.equal(again.scheduleId, first.scheduleId);
        const handle = client.schedule.getHandle(first.scheduleId);
        const d = await handle.describe();
        assert.equal(d.action.type, 'startWorkflow');
        assert.equal(d.action.type === 'startWorkflow' && d.action.workflowType, 'drEvaluateEvacuation');
        assert.equal(d.spec.intervals?.[0]?.every, 3_600_000, 'every 1h after the update');
        assert.equal(d.policies.overlap, 'SKIP');

        await handle.trigger();
        const ran = await eventually(
          () => handle.describe(),
          (x) => x.info.recentActions.length > 0,
          'the triggered evaluation to start',
          60_000,
        );
        const runId = ran.info.recentActions[0].action.workflow.workflowId;
        const result = (await client.workflow.getHandle(runId).result()) as EvaluationResult;

        assert.equal(result.wouldSucceed, false, verdictText(result));
        const [good, bad] = result.pairs;
        assert.equal(good.pair, name);
        assert.equal(good.ok, true, verdictText(result));
        assert.equal(good.plan?.groups, 2, 'the real plan of the set-up pair');
        assert.equal(good.plan?.partitions, 6);
        assert.equal(good.lagRecords, 0);
        assert.equal(bad.pair, broken);
        assert.equal(bad.ok, false);
        assert.match(bad.why.join('; '), /connector-verify|replication/);
        assert.equal(result.totals.failing, 1);

        const sent = await eventually(
          async () => receiver.received.filter((r) => r.path === `/hook/${name}`),
          (r) => r.length >= 1,
          'the evaluation webhook',
          30_000,
        );
        assert.equal(sent.length, 1, 'one message for the whole evaluation');
        const body = sent[0].body as { kind: string; runbook: string; findings: string[]; failing: string[] };
        assert.equal(body.kind, 'drill-failed');
        assert.equal(body.runbook, 'drEvaluateEvacuation');
        assert.deepEqual(body.failing, [broken]);
        assert.ok(
          body.findings.some((f) => f.startsWith(`pair ${broken} `)),
          body.findings.join('\n'),
        );
        assert.ok(!body.findings.some((f) => f.startsWith(`pair ${name} `)), 'the healthy pair is not named');
        for (const g of groups)
          assert.deepEqual(
            await kafka.secondary.admin
              .fetchOffsets({ groupId: g, topics: [topic] })
              .then((t) => t.flatMap((x) => x.partitions).filter((p) => p.offset !== '-1')),
            [],
            `no offsets set for ${g}: nothing changed`,
          );
      },
      { env },
    );
  });
});
