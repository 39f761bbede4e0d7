// A zone fails: drEvacuate moves every pair whose primary lives there, end to end on the local stack. Four pairs
// (two MirrorMaker 2, two EventBridge), each with applications producing and consuming through its own custom
// domain. Three primaries become unreachable to kafka-dr (outage); the fourth answers, but its secondary has a stray
// consumer holding a planned group, so its reset blocks. One approval of the evacuation plan: the other three
// complete (a blocked pair holds no other), the blocked one is listed and, after `resolve retry` on its own run,
// completes. Counted from the applications' own records: 0 lost per group, re-reads within each applied plan's bound.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Consumer } from 'kafkajs';
import { createCloudClients } from '../../../src/cloud';
import type { CloudApiError } from '../../../src/cloud/errors';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { createKafka } from '../../../src/kafka/clients';
import { readCheckpoints } from '../../../src/kafka/checkpoints';
import type { PairConfigInput } from '../../../src/config';
import type { FailoverPlan } from '../../../src/plan/model';
import type { EvacuationPlan } from '../../../src/evacuation/types';
import { local } from '../../../stack/local-stack';
import { approveSignal, planQuery, resolveSignal, statusQuery } from '../../../workflows/definitions';
import { evacuationQuery } from '../../../workflows/evacuate/definitions';
import { drEvacuate, drSetup } from '../../../workflows';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { cloudEnvFor, startTestEmulator } from '../../../stack/harness/emulator';
import {
  apsaramqPair,
  execute,
  kafkaPair,
  removeMirror,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { Consuming, Producing, readValues, viaDomain, type AppClient } from '../../../stack/harness/traffic';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

const ZONE = 'cn-hangzhou-k';

/**
 * A read for eventually() every second instead of every 100 ms: the queries here are answered by the same worker
 * that runs the evacuation and its four members, on a machine other test files share.
 */
const slowly =
  <T>(read: () => Promise<T>) =>
  async (): Promise<T> => {
    await new Promise((r) => setTimeout(r, 1000));
    return read();
  };
// Where the file's time goes (it must stay well inside the runner's 600 s file limit): printed, never asserted.
const t0 = Date.now();
const mark = (what: string) => console.log(`# +${Math.round((Date.now() - t0) / 1000)} s ${what}`);

interface Member {
  name: string;
  topic: string;
  groups: string[];
  config: PairConfigInput;
  kind: 'mm2' | 'eventbridge';
  apps: AppClient[];
  before: Consuming[];
  producing?: Producing;
}

describe('drEvacuate: a zone fails, four pairs, one approval', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  test('three outages and one blocked reset: the three complete, the blocked one after resolve retry; 0 lost, re-reads within bound', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-evacuate-'));
    const pairsFile = path.join(dir, 'pairs.jsonc');
    // An Alibaba Cloud emulator of its own (ApsaraMQ, Alidns, EventBridge; its own DNS server): the stack's may
    // hold a bench fixture's ten thousand declared groups, which every drSetup of an ApsaraMQ pair lists in pages.
    const emu = await startTestEmulator({ dnsPort: 0 });
    const dnsServer = `127.0.0.1:${emu.emulator.dnsPort}`;
    const env = testEnv({ ...cloudEnvFor(emu.emulator.url), KDR_PAIRS_FILE: pairsFile });
    const kafka = await openBoth();
    cleanups.push(
      () => emu.close(),
      () => kafka.close(),
      async () => fs.rmSync(dir, { recursive: true, force: true }),
    );

    // Tier 1: two MirrorMaker 2 pairs (the second answers and blocks); tier 2: two EventBridge pairs. Zones: MM2
    // pairs say theirs in the pairs file, the ApsaraMQ instances are asked (GetInstanceList: cn-hangzhou-k).
    const member = (kind: Member['kind'], tier: number): Member => {
      const name = uniqueName(kind === 'mm2' ? 'evm' : 'eve');
      const topic = `${name}-orders`;
      const groups = [`${name}-billing`, `${name}-ledger`];
      // The pair names its applications' groups. Without it, an ApsaraMQ pair in an outage plans every group its
      // instance declares; every emulated instance is the one shared secondary here, so that would be every
      // group of every test (thousands after a bench run), reset under the feet of the files running alongside.
      const selected = { groups };
      const base = kind === 'mm2' ? kafkaPair(name, [topic], selected) : apsaramqPair(name, [topic], selected);
      const dns = { ...base.dns!, resolvers: [dnsServer] } as PairConfigInput['dns'];
      const config =
        kind === 'mm2'
          ? ({ ...base, tier, dns, primary: { ...base.primary!, zone: ZONE } } as PairConfigInput)
          : ({ ...base, tier, dns } as PairConfigInput);
      return { name, topic, groups, config, kind, apps: [], before: [] };
    };
    const [mmDown, mmBlocked, ebA, ebB] = [
      member('mm2', 1),
      member('mm2', 1),
      member('eventbridge', 2),
      member('eventbridge', 2),
    ];
    const members = [mmDown, mmBlocked, ebA, ebB];
    const writePairs = (unreachable: Member[]) =>
      fs.writeFileSync(
        pairsFile,
        JSON.stringify(
          {
            pairs: members.map((m) =>
              unreachable.includes(m)
                ? { ...m.config, primary: { ...m.config.primary!, bootstrapServers: ['127.0.0.1:1'] } }
                : m.config,
            ),
          },
          null,
          2,
        ),
      );
    writePairs([]);
    for (const m of members) {
      await createTopic(kafka.primary, m.topic, 2);
      cleanups.push(
        () => deleteTopics(kafka.primary, [m.topic, `${m.name}-canary`]),
        () => deleteTopics(kafka.secondary, [m.topic, `${m.name}-canary`]),
      );
      cleanups.push(
        m.kind === 'mm2'
          ? () => removeMirror(m.name)
          : () =>
              new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai')).remove({
                pair: m.name,
                primary: { bootstrapServers: [] },
                secondary: { bootstrapServers: [] },
                topics: [m.topic, `${m.name}-canary`],
              }),
      );
      // An ApsaraMQ application's groups exist on its instance before it consumes (console or CreateConsumerGroup).
      if (m.kind === 'eventbridge') {
        const { primary, secondary } = m.config;
        for (const g of m.groups) {
          // Asked again while the API says its error is transient (declared by a lost first answer counts as done).
          await eventually(
            () =>
              createCloudClients(env)
                .alikafka(primary!.region!)
                .createConsumerGroup({ instanceId: primary!.instanceId!, consumerId: g, remark: 'kdr-test' })
                .then(
                  () => true,
                  (err: CloudApiError) => {
                    if (err.code === 'BIZ_SUBSCRIPTION_EXISTED') return true;
                    if (err.transient) return false;
                    throw err;
                  },
                ),
            (declared) => declared,
            `${g} declared on ${primary!.instanceId}`,
            60_000,
          );
          cleanups.push(async () => {
            for (const side of [primary!, secondary!])
              await createCloudClients(env)
                .alikafka(side.region!)
                .deleteConsumerGroup({ instanceId: side.instanceId!, consumerId: g })
                .catch(() => undefined);
          });
        }
      }
    }

    mark('topics created');
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        cleanups.push(async () => {
          for (const m of members)
            await client.workflow
              .getHandle(`dr-failover-${m.name}`)
              .terminate('test over')
              .catch(() => undefined);
        });
        // drSetup of each pair from the pairs file. No drWatch: on the shared machine four watches ticking every 5 s
        // cost more than they prove here (MirrorMaker 2 pairs plan from checkpoints, EventBridge pairs from what is left).
        await Promise.all(
          members.map(async (m) => {
            const setup = await execute(
              client,
              drSetup,
              { taskQueue, workflowId: uniqueName('drSetup'), args: [{ pair: m.name, watch: false }] },
              400_000,
            );
            assert.equal(setup.outcome, 'completed', `${m.name}: drSetup`);
          }),
        );

        mark('drSetup x4 done');
        // The applications: a producer and two groups per pair, all through the pair's domain (now the primary).
        for (const m of members) {
          const domain = `${m.name}.kdr.test`;
          const producer = viaDomain(domain, `${m.name}-orders-service`, dnsServer);
          m.apps.push(producer);
          m.producing = await Producing.start(producer.kafka, m.topic, 30);
          for (const [i, g] of m.groups.entries()) {
            const app = viaDomain(domain, g, dnsServer);
            m.apps.push(app);
            // ledger is slow: it has records left to process when the zone fails.
            m.before.push(await Consuming.start(app.kafka, g, m.topic, { delayMs: i === 1 ? 15 : 0 }));
          }
        }
        mark('apps started');
        // Until MirrorMaker 2 has checkpointed both groups of its pairs, so their plans translate without the primary.
        for (const m of members.filter((x) => x.kind === 'mm2')) {
          await eventually(
            async () => (await readCheckpoints(kafka.secondary, { groups: m.groups, topics: [m.topic] })).checkpoints,
            (cps) => m.groups.every((g) => [...cps.values()].some((c) => c.group === g && c.downstreamOffset > 0)),
            `${m.name}: MirrorMaker 2 checkpoints for both groups`,
            120_000,
          );
        }

        mark('checkpoints seen');
        // The zone fails: every application in it dies with it, all at once.
        for (const m of members) for (const app of m.apps) app.crash();
        // A crashed client reaches no cluster again; its kafkajs loop winds down on the dead sockets (about 20 s)
        // while the evacuation runs, and has ended before the applications' records are counted.
        const gone = Promise.all(members.flatMap((m) => [m.producing!.stop(), ...m.before.map((c) => c.stop())]));
        for (const m of members)
          assert.ok(
            m.producing!.sent > 0 && m.before.every((c) => c.processed.size > 0),
            `${m.name}: traffic flowed before the outage`,
          );
        mark('apps crashed');
        // What reached the secondary is what must not be lost (the brokers here outlive the "zone": let copying finish).
        await Promise.all(
          members.map(async (m) => {
            const written = (await kafka.primary.admin.fetchTopicOffsets(m.topic)).reduce(
              (n, p) => n + Number(p.high),
              0,
            );
            await eventually(
              slowly(async () =>
                (await kafka.secondary.admin.fetchTopicOffsets(m.topic)).reduce((n, p) => n + Number(p.high), 0),
              ),
              (n) => n >= written,
              `${m.name}: every record on the secondary`,
              120_000,
            );
          }),
        );
        mark('all on secondary');
        // Three primaries unreachable to kafka-dr; the fourth answers, but a stray consumer holds a group on its secondary.
        writePairs([mmDown, ebA, ebB]);
        const stray: Consumer = createKafka({ bootstrapServers: [local.secondaryBootstrap] }).consumer({
          groupId: mmBlocked.groups[0],
          sessionTimeout: 10_000,
        });
        // Joined before the evacuation starts: the blocked pair's plan must see it as a live member.
        const joined = new Promise<void>((resolve) => stray.on(stray.events.GROUP_JOIN, () => resolve()));
        await stray.connect();
        await stray.subscribe({ topic: mmBlocked.topic, fromBeginning: false });
        await stray.run({ autoCommit: false, eachMessage: async () => undefined });
        cleanups.push(() => stray.disconnect());
        await joined;

        // One evacuation at a time in a namespace (a second is refused at its start): on a shared stack, a bench
        // run may be finishing one.
        await eventually(
          slowly(async () => {
            const running: string[] = [];
            for await (const w of client.workflow.list({
              query: `WorkflowType = 'drEvacuate' AND ExecutionStatus = 'Running'`,
            }))
              running.push(w.workflowId);
            return running;
          }),
          (running) => running.length === 0,
          'no other evacuation running',
          180_000,
        );
        const handle = await client.workflow.start(drEvacuate, {
          taskQueue,
          workflowId: uniqueName('dr-evacuate'),
          args: [
            {
              select: [{ zone: ZONE }],
              requestedBy: 'alice',
              parallel: 2,
              switchover: { quietWindow: '3s', guard: '5s' },
            },
          ],
        });
        cleanups.push(() => handle.terminate('test over'));
        // A run that ends before the waits below are met fails them at once, with its own reason.
        const ended = handle.result().then((r) => {
          throw new Error(`the evacuation ended early: ${JSON.stringify(r).slice(0, 1000)}`);
        });
        ended.catch(() => undefined);
        const plan = await Promise.race([
          eventually(
            slowly(() => handle.query(planQuery)),
            (p) => p !== null,
            'the evacuation plan',
            240_000,
          ),
          ended,
        ]);
        mark('plan ready');
        const evac = plan!.plan as unknown as EvacuationPlan;
        assert.deepEqual(
          evac.pairs.map((p) => p.pair).sort(),
          members.map((m) => m.name).sort(),
          'every pair of the zone, ApsaraMQ zones from GetInstanceList',
        );
        assert.deepEqual(
          evac.pairs.map((p) => p.tier),
          [1, 1, 2, 2],
          'tier 1 first',
        );
        for (const m of [mmDown, ebA, ebB])
          assert.equal(evac.pairs.find((p) => p.pair === m.name)!.plan.mode, 'outage', m.name);
        const blockedPlan = evac.pairs.find((p) => p.pair === mmBlocked.name)!.plan;
        assert.equal(blockedPlan.mode, 'switchover');
        assert.ok(
          blockedPlan.liveGroups >= 1 &&
            evac.warnings.some((w) => w.includes(mmBlocked.name) && /live members/.test(w)),
          `the stray consumer is a warning of the plan: ${evac.warnings.join('; ')}`,
        );
        await handle.signal(approveSignal, { by: 'bob', planId: plan!.planId });

        // The other three complete while the fourth is blocked at its reset.
        const view = await Promise.race([
          eventually(
            slowly(() => handle.query(evacuationQuery)),
            (v) => v.rows.filter((r) => r.ended?.outcome === 'completed').length === 3 && v.rows.some((r) => r.blocked),
            'three done, one blocked',
            240_000,
          ),
          ended,
        ]);
        mark('three done one blocked');
        const blockedRow = view.rows.find((r) => r.blocked)!;
        assert.equal(blockedRow.pair, mmBlocked.name);
        assert.equal(blockedRow.blocked!.step, 'reset-offsets');
        console.log(
          `# evacuation while blocked: RTO so far ${Math.round(view.rto.sinceMs / 1000)} s, ${view.rto.switched}/${view.rto.of} switched; ` +
            `${blockedRow.pair}: ${blockedRow.blocked!.error.slice(0, 160)}`,
        );
        await stray.disconnect();
        await client.workflow
          .getHandle(`dr-failover-${mmBlocked.name}`)
          .signal(resolveSignal, { action: 'retry', by: 'bob', note: 'stray consumer stopped' });
        const result = await eventually(
          slowly(() => handle.describe()),
          (d) => d.status.name !== 'RUNNING',
          'the evacuation to end',
          240_000,
        ).then(() => handle.result());
        mark('evacuation ended');
        assert.equal(result.outcome, 'completed');
        if (result.dryRun) throw new Error('not a dry run');
        assert.equal(result.completed, 4);
        assert.deepEqual(result.approvedBy, ['bob']);
        assert.equal(result.audit.filter((a) => a.action === 'approve' && a.accepted).length, 1, 'one approval in all');
        console.log(
          `# evacuation: RTO ${Math.round(result.rto.totalMs / 1000)} s (approval to last switch ${Math.round(result.rto.approvalToSwitchedMs / 1000)} s)`,
        );

        await gone;
        // Each pair's groups restart through their domain (now the secondary), all at once: count from the
        // applications' records.
        await Promise.all(
          members.map(async (m) => {
            const run = client.workflow.getHandle(`dr-failover-${m.name}`);
            const s = await run.query(statusQuery);
            assert.equal(s.phase, 'completed', m.name);
            assert.ok(
              !s.steps.some((x) => x.name === 'reapproval' && x.state === 'succeeded'),
              `${m.name}: no second approval`,
            );
            const applied = (await run.query(planQuery))!.plan as FailoverPlan;
            const ends = await kafka.secondary.admin.fetchTopicOffsets(m.topic);
            const onSecondary = await readValues(kafka.secondary, m.topic);
            await Promise.all(
              m.groups.map(async (group, i) => {
                const resumed = await Consuming.start(
                  viaDomain(`${m.name}.kdr.test`, `${group}-restarted`, dnsServer).kafka,
                  group,
                  m.topic,
                  { fromBeginning: false },
                );
                await eventually(
                  slowly(() => kafka.secondary.admin.fetchOffsets({ groupId: group, topics: [m.topic] })),
                  (o) =>
                    o[0].partitions.every(
                      (p) => Number(p.offset) === Number(ends.find((e) => e.partition === p.partition)!.high),
                    ),
                  `${group} to reach the end on the secondary`,
                  90_000,
                );
                await resumed.stop();
                const processed = m.before[i].processed;
                const lost = [...onSecondary].filter((v) => !processed.has(v) && !resumed.processed.has(v));
                const duplicates = resumed.seen.filter((v) => processed.has(v)).length;
                const bound = applied.groups.find((g) => g.group === group)!.duplicateBound;
                console.log(
                  `# ${m.kind} ${group}: ${onSecondary.size} on the secondary, ${processed.size} before, ` +
                    `${resumed.seen.length} after: lost ${lost.length}, duplicates ${duplicates} (bound ${bound})`,
                );
                assert.equal(lost.length, 0, `${group}: ${lost.length} records never consumed`);
                assert.ok(duplicates <= bound, `${group}: ${duplicates} duplicates exceed the plan's bound ${bound}`);
              }),
            );
          }),
        );
        mark('groups counted');
      },
      { env },
    );
  });
});
