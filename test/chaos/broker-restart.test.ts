// The secondary's broker is killed (SIGKILL) in the middle of drFailover's reset-offsets step and started again on
// the same ports and data a few seconds later. The run must resume by itself, and the secondary must end with
// the planned offsets, each group committed once: its own __consumer_offsets log is the witness, so a group the
// reset committed before the kill and again after it shows up as two commits. The shared secondary is never
// restarted (other sessions use it): the pair's secondary is a broker of the test's own, which the shared Kafka
// Connect mirrors into like any other cluster. `npm run chaos` only: a broker restart is slow and heavy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { drFailover, drSetup } from '../../workflows';
import { DrPhaseKey } from '../../workflows/runner';
import { committedOffsetsMany, openAdmin, setManyGroupOffsets, type AdminSession } from '../../src/kafka/admin';
import { createKafka } from '../../src/kafka/clients';
import { countCommits } from '../helpers/commits';
import { cloudEnvFor, startTestEmulator } from '../../stack/harness/emulator';
import { createTopic, deleteTopics, openBoth } from '../../stack/harness/kafka';
import { readPage } from '../../src/plan/store';
import { planQuery } from '../../workflows/definitions';
import type { FailoverPlan, GroupTarget } from '../../src/plan/model';
import {
  approveAll,
  execute,
  kafkaPair,
  removeMirror,
  runToEnd,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../stack/harness/kdr';
import { startOwnBroker, type OwnBroker } from '../../stack/harness/own-primary';
import { closeTemporal, eventually, temporal } from '../../stack/harness/temporal';

const full = process.env.KDR_CHAOS === 'full';
// Enough groups that the reset lasts seconds (4 lanes of 250, 32 commits in flight each), so the kill lands in it.
const GROUPS = 1000;
const DOWN_MS = 5_000;

async function resetRunning(handle: WorkflowHandle): Promise<boolean> {
  const d = await handle.describe();
  // PENDING_ACTIVITY_STATE_STARTED: a worker holds a reset attempt.
  return (
    d.typedSearchAttributes.get(DrPhaseKey) === 'reset-offsets' &&
    (d.raw.pendingActivities ?? []).some((a) => Number(a.state) === 2)
  );
}

describe(
  "the secondary broker restarts during drFailover's reset-offsets step",
  { skip: !full && 'npm run chaos only (starts, kills and restarts a broker of its own)' },
  () => {
    const name = uniqueName('br');
    const topic = `${name}-orders`;
    const groups = Array.from({ length: GROUPS }, (_, i) => `${name}-g${i}`);
    const offsetOf = (i: number) => i % 40;
    const cleanups: (() => Promise<unknown>)[] = [];
    let kafka: Awaited<ReturnType<typeof openBoth>>;
    let own: OwnBroker;
    let emu: Awaited<ReturnType<typeof startTestEmulator>>;
    const calls: string[] = [];

    before(async () => {
      await temporal();
      kafka = await openBoth();
      cleanups.push(() => kafka.close());
      emu = await startTestEmulator({ log: (line) => calls.push(line) });
      cleanups.push(() => emu.close());
      // Its own DR listener address: the outage tests use 127.0.0.4 to .10.
      own = await startOwnBroker(name, '127.0.0.12', testEnv(cloudEnvFor(emu.emulator.url)), 'secondary');
      cleanups.push(() => own.remove());
    });
    after(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      await closeTemporal();
    });

    test('the run resumes unattended; the secondary ends at the plan, each group committed once', async () => {
      const env = testEnv(cloudEnvFor(emu.emulator.url));
      const config = kafkaPair(name, [topic]);
      config.secondary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
      config.dns = { ...config.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof config.dns;
      cleanups.push(
        () => removeMirror(name),
        () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      );
      await createTopic(kafka.primary, topic, 2);
      const producer = kafka.primary.kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
      });
      await producer.disconnect();
      await setManyGroupOffsets(
        kafka.primary,
        groups.map((group, i) => ({
          group,
          offsets: [0, 1].map((partition) => ({ topic, partition, offset: offsetOf(i) })),
        })),
      );
      const dnsUpdates = () => calls.filter((l) => /alidns UpdateDomainRecord -> 200/.test(l)).length;
      let secondary: AdminSession | undefined;

      await withKdrWorker(
        async ({ client, taskQueue }) => {
          await execute(client, drSetup, {
            taskQueue,
            workflowId: uniqueName('drSetup'),
            args: [{ config, watch: false }],
          });
          const dnsBefore = dnsUpdates();
          const started = Date.now();
          const handle = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '2s', guard: '3s' } }],
          });
          const approver = approveAll(handle, 'bob');
          let reachedAtKill = -1;
          let downMs = 0;
          try {
            await eventually(
              () => resetRunning(handle),
              (x) => x,
              'the reset activity to run',
              300_000,
            );
            // Kill once the reset has committed some groups, so both halves are tested: groups done before the kill
            // (a retry must not commit them again) and groups it had not reached (committed once, after the restart).
            const probe = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
            const parts = [0, 1].map((partition) => ({ topic, partition }));
            const atPlan = async () => {
              const got = await committedOffsetsMany(probe, groups, parts);
              return groups.filter(
                (g, i) => (got.get(g) ?? []).length === 2 && got.get(g)!.every((o) => o.offset === offsetOf(i)),
              ).length;
            };
            reachedAtKill = await eventually(atPlan, (n) => n > 0, 'the reset to commit its first groups', 60_000);
            await probe.close().catch(() => undefined);
            const down = Date.now();
            await own.kill();
            await new Promise((r) => setTimeout(r, DOWN_MS));
            await own.restart();
            downMs = Date.now() - down;

            const result = await runToEnd(handle, 900_000);
            const seconds = (Date.now() - started) / 1000;
            assert.equal(result.outcome, 'completed');
            if (result.dryRun) throw new Error('not a dry run');
            const retried = result.steps.filter((s) => s.attempts > 1).map((s) => s.name);

            secondary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
            const counts = await countCommits(secondary, groups);
            // Two partitions per group: one commit writes two records.
            const notOnce = [...counts].filter(([, n]) => n !== 2);
            // The plan the run applied last (the final plan of the switchover), as the run shows it to its approvers.
            const plan = (await handle.query(planQuery))!.plan as FailoverPlan;
            const targets: GroupTarget[] = plan.stored
              ? (
                  await Promise.all(plan.stored.pages.map((_, i) => readPage<GroupTarget>(secondary!, plan.stored!, i)))
                ).flat()
              : plan.groups;
            const want = new Map(
              targets.map((t) => [t.group, new Map(t.offsets.map(([tp, p, o]) => [`${tp}:${p}`, o]))]),
            );
            const final = await committedOffsetsMany(
              secondary,
              groups,
              [0, 1].map((partition) => ({ topic, partition })),
            );
            const offPlan = groups.filter((g) => {
              const got = final.get(g) ?? [];
              return (
                !want.has(g) ||
                got.length !== want.get(g)!.size ||
                !got.every((o) => want.get(g)!.get(`${o.topic}:${o.partition}`) === o.offset)
              );
            });
            const dns = dnsUpdates() - dnsBefore;
            console.log(
              `# secondary broker SIGKILLed in reset-offsets (the reset had reached ${reachedAtKill}/${GROUPS} groups), ` +
                `down ${(downMs / 1000).toFixed(1)} s: completed 1/1, operator interventions ${retried.length}${retried.length ? ` (${retried.join(', ')})` : ''}, ` +
                `groups committed other than once ${notOnce.length}/${GROUPS}${
                  notOnce.length
                    ? ` (e.g. ${notOnce
                        .slice(0, 3)
                        .map(([g, n]) => `${g}: ${n / 2}`)
                        .join(', ')})`
                    : ''
                }, ` +
                `groups off the plan ${offPlan.length}, CNAME updates ${dns}, run ${seconds.toFixed(0)} s`,
            );
            assert.ok(reachedAtKill < GROUPS, 'the kill landed before the reset had reached every group');
            assert.deepEqual(retried, [], 'no step needed an operator retry');
            assert.deepEqual(offPlan, [], 'every group ends at its planned offsets on the secondary');
            assert.deepEqual(notOnce, [], 'every group committed exactly once');
            assert.equal(dns, 1, 'the CNAME was updated once');
            assert.equal(result.cname.after, own.endpointHost);
          } finally {
            approver.stop();
            await secondary?.close().catch(() => undefined);
          }
        },
        { env },
      );
    });
  },
);
