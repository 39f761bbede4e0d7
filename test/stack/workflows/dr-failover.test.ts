// drFailover's guard rails on the real stack (primary up: a drill): dry run, reject, approval timeout, one
// failover per pair, a group with a live member on the secondary, and a worker killed during the reset step.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createActivities, defaultDeps } from '../../../activities';
import { createCloudClients } from '../../../src/cloud';
import { setManyGroupOffsets, committedOffsets } from '../../../src/kafka/admin';
import { local } from '../../../stack/local-stack';
import { dataConverter } from '../../../src/data-converter';
import { workflowBundle } from '../../../app/worker';
import { approveSignal, planQuery, rejectSignal, resolveSignal } from '../../../workflows/definitions';
import { drFailover, drSetup } from '../../../workflows';
import type { FailoverPlan } from '../../../src/plan/model';
import {
  apsaramqPair,
  blockedStep,
  kafkaPair,
  status,
  testEnv,
  uniqueName,
  withKdrWorker,
  removeMirror,
  execute,
  runToEnd,
} from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { Consuming } from '../../../stack/harness/traffic';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { countCommits } from '../../helpers/commits';

describe('drFailover guard rails (drill, primary up)', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('fg');
  const topic = `${name}-orders`;
  const groups = [`${name}-billing`, `${name}-ledger`];
  const config = kafkaPair(name, [topic]);
  const env = testEnv();
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    await temporal();
    kafka = await openBoth();
    await createTopic(kafka.primary, topic, 3);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();
    // Both groups processed part of the topic on the primary.
    for (const [i, group] of groups.entries()) {
      await setManyGroupOffsets(kafka.primary, [
        { group, offsets: [0, 1, 2].map((partition) => ({ topic, partition, offset: 5 + i * 3 })) },
      ]);
    }
    cleanups.push(
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    cleanups.push(() => removeMirror(name));
    await withKdrWorker(
      ({ client, taskQueue }) =>
        execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config }] }),
      { env },
    );
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  const cname = () =>
    createCloudClients(env)
      .alidns()
      .listSubDomainRecords({ subDomain: `${name}.kdr.test`, domainName: 'kdr.test' })
      .then((r) => r.find((x) => x.Type === 'CNAME')?.Value);
  const secondaryOffsets = (group: string) =>
    committedOffsets(
      kafka.secondary,
      group,
      [0, 1, 2].map((partition) => ({ topic, partition })),
    );

  async function failedWith(p: Promise<unknown>): Promise<ApplicationFailure> {
    const err = await p.then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, `expected the run to fail, got ${err}`);
    assert.ok(err.cause instanceof ApplicationFailure);
    return err.cause;
  }

  test('a dry run returns the plan and changes nothing', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const result = await execute(client, drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', dryRun: true }],
        });
        assert.equal(result.dryRun, true);
        assert.equal(result.plan.groups, 2);
        assert.equal(result.plan.partitions, 6);
        assert.deepEqual(
          result.steps.filter((s) => s.state === 'skipped').map((s) => s.name),
          [
            'approval',
            'freeze',
            'reset-offsets',
            'switch-cname',
            'drain',
            'final-plan',
            'reapproval',
            'apply-final',
            'guard',
            'verify',
          ],
        );
        assert.equal(await cname(), 'primary.kdr.test');
        for (const g of groups) assert.deepEqual(await secondaryOffsets(g), []);
      },
      { env },
    );
  });

  test("the plan uses the primary's committed offsets and never starts past them", async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', dryRun: true }],
        });
        await runToEnd(handle);
        const plan = (await handle.query(planQuery))!.plan as FailoverPlan;
        for (const [i, group] of groups.entries()) {
          const g = plan.groups.find((x) => x.group === group)!;
          // Same partitions and, with MM2 copying from offset 0, target <= what the group had committed.
          for (const [t, , offset] of g.offsets) {
            assert.equal(t, topic);
            assert.ok(offset <= 5 + i * 3, `${group}: target ${offset} would skip records (committed ${5 + i * 3})`);
          }
          assert.equal(g.untranslated.length, 0);
        }
      },
      { env },
    );
  });

  test('reject ends the run and changes nothing', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice' }],
        });
        await eventually(
          () => handle.query(planQuery),
          (p) => p !== null,
          'the plan',
          60_000,
        );
        await handle.signal(rejectSignal, { by: 'bob', reason: 'primary recovered' });
        const failure = await failedWith(handle.result());
        assert.equal(failure.type, 'Rejected');
        assert.match(failure.message, /rejected by bob: primary recovered; nothing was changed/);
        assert.equal(await cname(), 'primary.kdr.test');
        for (const g of groups) assert.deepEqual(await secondaryOffsets(g), []);
      },
      { env },
    );
  });

  test('no approval within the timeout aborts the run', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const failure = await failedWith(
          execute(client, drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'alice', approval: { timeout: '2s' } }],
          }),
        );
        assert.equal(failure.type, 'Aborted');
        assert.match(failure.message, /approval timed out/);
        assert.equal(await cname(), 'primary.kdr.test');
      },
      { env },
    );
  });

  test('a second failover of the same pair is refused while one runs', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const first = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice' }],
        });
        await eventually(
          () => status(first),
          (s) => s.phase === 'awaiting-approval',
          'the first run to wait for approval',
          60_000,
        );
        await eventually(
          () => countRunning(client, name),
          (n) => n >= 1,
          'the first run to be visible',
          30_000,
        );
        const failure = await failedWith(
          execute(client, drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'carol' }],
          }),
        );
        assert.equal(failure.type, 'Aborted');
        assert.match(
          failure.message,
          new RegExp(`another failover of pair ${name} is running \\(${first.workflowId}\\)`),
        );
        await first.signal(rejectSignal, { by: 'bob', reason: 'test over' });
        await assert.rejects(first.result());
      },
      { env },
    );
  });

  test('a group with a live member on the secondary blocks the reset; resolve retry finishes once it stops', async () => {
    const [busy, idle] = groups;
    const member = await Consuming.start(kafka.secondary.kafka, busy, topic);
    try {
      await withKdrWorker(
        async ({ client, taskQueue }) => {
          const handle = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'alice', drain: false, switchover: { guard: '2s' } }],
          });
          const view = await eventually(
            () => handle.query(planQuery),
            (p) => p !== null,
            'the plan',
            60_000,
          );
          const plan = view!.plan as FailoverPlan;
          assert.equal(plan.groups.find((g) => g.group === busy)!.liveMembers, 1, 'the plan flags the live group');
          await handle.signal(approveSignal, { by: 'bob', planId: view!.planId });
          const blocked = await blockedStep(handle);
          assert.equal(blocked.name, 'reset-offsets');
          assert.match(
            blocked.lastError ?? '',
            new RegExp(`GroupsHaveLiveMembers: 1 group\\(s\\) still have live members.*${busy}`),
          );
          assert.match(blocked.lastError ?? '', /1\/2 groups done/);
          assert.ok((await secondaryOffsets(idle)).length > 0, 'the other group was reset already');

          await member.stop();
          await handle.signal(resolveSignal, { action: 'retry', by: 'bob', note: 'consumer stopped' });
          const result = await runToEnd(handle);
          assert.equal(result.outcome, 'completed');
          if (result.dryRun) throw new Error('not a dry run');
          assert.deepEqual(result.groups.map((g) => g.group).sort(), [...groups].sort());
          for (const g of plan.groups) {
            const applied = new Map(
              (await secondaryOffsets(g.group)).map((o) => [`${o.topic}:${o.partition}`, o.offset]),
            );
            for (const [t, p, offset] of g.offsets)
              assert.equal(applied.get(`${t}:${p}`), offset, `${g.group} ${t}[${p}]`);
          }
          assert.equal(result.cname.after, 'secondary.kdr.test');
          assert.equal(await cname(), 'secondary.kdr.test');
          assert.equal(result.steps.find((s) => s.name === 'reset-offsets')!.attempts, 2);
          assert.ok(result.nextSteps.some((s) => /Restart producers and consumers/.test(s)));
        },
        { env },
      );
    } finally {
      await member.stop();
    }
  });
});

describe('drFailover survives a worker killed during the reset step', () => {
  test('a new worker finishes the run and every group ends at its planned offsets, applied once', async () => {
    const { client, native } = await temporal();
    const kafka = await openBoth();
    const name = uniqueName('fk');
    const topic = `${name}-t`;
    const env = testEnv();
    const config = kafkaPair(name, [topic]);
    // Enough groups that the reset step spans several batches (and some time) to kill the worker in.
    const groups = Array.from({ length: 1500 }, (_, i) => `${name}-g${i}`);
    try {
      await createTopic(kafka.primary, topic, 1);
      await createTopic(kafka.secondary, topic, 1);
      await createTopic(kafka.primary, `${name}-canary`, 1);
      await createTopic(kafka.secondary, `${name}-canary`, 1);
      await setManyGroupOffsets(
        kafka.primary,
        groups.map((group) => ({ group, offsets: [{ topic, partition: 0, offset: 0 }] })),
      );
      const taskQueue = uniqueName('kdr-tq');
      const makeWorker = async () =>
        Worker.create({
          connection: native,
          namespace: local.namespace,
          taskQueue,
          workflowBundle: await workflowBundle(),
          activities: createActivities(defaultDeps(env)),
          dataConverter,
        });
      const first = await makeWorker();
      const firstRun = first.run();
      let handle: Awaited<ReturnType<typeof client.workflow.start<typeof drFailover>>> | undefined;
      try {
        handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', drain: false, switchover: { guard: 0 } }],
        });
        const view = await eventually(
          () => handle!.query(planQuery),
          (p) => p !== null,
          'the plan',
          120_000,
        );
        assert.equal((view!.plan as FailoverPlan).totals.groups, groups.length);
        await handle.signal(approveSignal, { by: 'bob', planId: view!.planId });
        await eventually(
          () => status(handle!),
          (s) => s.phase === 'reset-offsets',
          'the reset step to start',
          120_000,
        );
        // In the middle of a batch: some groups of the first batch are committed, not all of them.
        const firstBatch = groups.slice(0, 250);
        await eventually(
          async () =>
            (
              await Promise.all(
                firstBatch.slice(0, 64).map((g) => committedOffsets(kafka.secondary, g, [{ topic, partition: 0 }])),
              )
            ).filter((o) => o.length > 0).length,
          (n) => n > 0,
          'the first groups to be committed',
          120_000,
        );
      } finally {
        // The crash: this worker goes away in the middle of the reset step (or, on a failure above, at once).
        first.shutdown();
        await firstRun;
      }

      const second = await makeWorker();
      const result = await second.runUntil(runToEnd(handle!));
      assert.equal(result.outcome, 'completed');
      if (result.dryRun) throw new Error('not a dry run');
      assert.equal(result.groups.length, groups.length);
      // Each group was committed exactly once, as the secondary's own __consumer_offsets log records it.
      const commits = await countCommits(kafka.secondary, groups);
      const twice = [...commits].filter(([, n]) => n !== 1);
      console.log(
        `# ${groups.length} groups, ${[...commits.values()].reduce((a, b) => a + b, 0)} commits recorded; groups not committed exactly once: ${twice.length}`,
      );
      assert.deepEqual(twice, [], 'every group committed exactly once');
      const sample = await Promise.all(
        groups.slice(0, 50).map((g) => committedOffsets(kafka.secondary, g, [{ topic, partition: 0 }])),
      );
      assert.ok(sample.every((o) => o.length === 1 && o[0].offset === 0));
      assert.equal(result.audit.filter((a) => a.action === 'cname').length, 1, 'the CNAME was switched once');
    } finally {
      // 1,500 groups left on the shared clusters would slow every later test that selects all groups.
      for (const side of [kafka.primary, kafka.secondary]) await side.admin.deleteGroups(groups).catch(() => undefined);
      await removeMirror(name).catch(() => undefined);
      await deleteTopics(kafka.primary, [topic, `${name}-canary`]);
      await deleteTopics(kafka.secondary, [topic, `${name}-canary`]);
      await kafka.close();
      await closeTemporal();
    }
  });
});

async function countRunning(client: Client, pair: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({
    query: `WorkflowType = 'drFailover' AND ExecutionStatus = 'Running' AND DrPair = '${pair}'`,
  }))
    n++;
  return n;
}

describe('drFailover with the primary gone: no group left behind', () => {
  test('an ApsaraMQ pair whose primary does not answer plans the groups the secondary instance declares, at earliest, listed as untranslated', async () => {
    const kafka = await openBoth();
    const env = testEnv();
    const name = uniqueName('gone');
    const topic = `${name}-t`;
    const declared = `${name}-billing`;
    const base = apsaramqPair(name, [topic]);
    // The primary's brokers are gone (nothing listens there); the secondary holds the replicated topic.
    const config = { ...base, primary: { ...base.primary!, bootstrapServers: ['127.0.0.1:1'] } };
    try {
      await createTopic(kafka.secondary, topic, 2);
      await createTopic(kafka.secondary, `${name}-canary`, 1);
      await createCloudClients(env)
        .alikafka('cn-shanghai')
        .createConsumerGroup({ instanceId: base.secondary!.instanceId!, consumerId: declared, remark: 'kdr-test' });
      await withKdrWorker(
        async ({ client, taskQueue }) => {
          const handle = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'alice', dryRun: true }],
          });
          const result = await runToEnd(handle);
          assert.equal(result.outcome, 'completed');
          const plan = (await handle.query(planQuery))!.plan as FailoverPlan;
          assert.equal(plan.primaryReachable, false);
          const g = plan.groups.find((x) => x.group === declared);
          assert.ok(
            g,
            `the declared group ${declared} is in the plan (groups: ${plan.groups.map((x) => x.group).join(', ')})`,
          );
          assert.deepEqual(
            g.offsets.map(([t, p, offset, source]) => [t, p, offset, source]),
            [
              [topic, 0, 0, 'earliest'],
              [topic, 1, 0, 'earliest'],
            ],
          );
          assert.equal(g.untranslated.length, 2, 'listed as untranslated, for the approver to see');
        },
        { env },
      );
    } finally {
      await deleteTopics(kafka.secondary, [topic, `${name}-canary`]);
      await kafka.close();
    }
  });
});
