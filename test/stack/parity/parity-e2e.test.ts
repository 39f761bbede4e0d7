// Issue 30's end-to-end proof, self-managed Kafka with MirrorMaker 2: two applications (a producer and a consumer
// group) with their own SCRAM users and ACLs, running through the custom domain on the SASL_SSL listeners.
// - parity "check": drSetup blocks naming both users; accepted (skip), the failover's plan shows the gaps to the
//   approver and parity.failover "approve" asks one approval more; after the switch the applications are refused.
// - parity "sync": drSetup creates the users (passwords from the worker's variables) and ACLs on the secondary; a
//   planned switchover with the applications running loses nothing and re-reads within the plan's bound, counted
//   from the applications' own records.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { drFailover, drSetup } from '../../../workflows';
import { approveSignal, planQuery, resolveSignal } from '../../../workflows/definitions';
import type { FailoverPlan } from '../../../src/plan/model';
import type { ParityReport } from '../../../src/parity/report';
import {
  apsaramqPair,
  approveAll,
  blockedStep,
  kafkaPair,
  removeMirror,
  runToEnd,
  status,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually } from '../../../stack/harness/temporal';
import { Consuming, readValues, RetryingProducer, tally, waitCaughtUp } from '../../../stack/harness/traffic';
import { aclsEnforced, app, grantApps, refusal, revokeApps, saslViaDomain, type App } from './apps';
import { createCloudClients } from '../../../src/cloud';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';

const PROVIDERS = [
  { label: 'MirrorMaker 2', prefix: 'k', pairOf: kafkaPair },
  { label: 'ApsaraMQ, EventBridge', prefix: 'a', pairOf: apsaramqPair },
] as const;

for (const provider of PROVIDERS)
  describe(`parity end to end: applications with their own SASL users and ACLs, ${provider.label}`, () => {
    let kafka: Awaited<ReturnType<typeof openBoth>>;
    let acls = false;
    const cleanups: (() => Promise<unknown>)[] = [];

    before(async () => {
      kafka = await openBoth();
      acls = (await aclsEnforced(kafka.primary)) && (await aclsEnforced(kafka.secondary));
      if (!acls)
        console.log(
          '# this stack does not enforce ACLs yet (restart it: npm run stack:down && npm run stack:up): users only',
        );
    });
    after(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      await kafka.close();
      await closeTemporal();
    });

    /** A pair with its topic, and its two applications' users (and ACLs) on the primary only. */
    async function pairWithApps(prefix: string, parity: (apps: { producer: App; consumer: App }) => unknown) {
      const name = uniqueName(`${prefix}${provider.prefix}`);
      const topic = `${name}-orders`;
      const group = `${name}-billing`;
      const producer = app(name, 'orders-svc');
      const consumer = app(name, 'billing-svc');
      await createTopic(kafka.primary, topic, 3);
      await grantApps(kafka.primary, topic, producer, consumer, group, acls);
      cleanups.push(
        provider.prefix === 'k'
          ? () => removeMirror(name)
          : () =>
              new EventBridgeProvider(createCloudClients(testEnv()).eventbridge('cn-shanghai')).remove({
                pair: name,
                primary: { bootstrapServers: [] },
                secondary: { bootstrapServers: [] },
                topics: [topic, `${name}-canary`],
              }),
      );
      // The users go as soon as the test ends: on a cluster without an authorizer every user is every pair's business.
      const revoke = async () => {
        for (const s of [kafka.primary, kafka.secondary]) await revokeApps(s, [producer, consumer]);
      };
      cleanups.push(revoke);
      for (const s of [kafka.primary, kafka.secondary]) cleanups.push(() => deleteTopics(s, [topic, `${name}-canary`]));
      // An ApsaraMQ pair takes every group the primary instance has (a listed group must be declared there first).
      const config = {
        ...provider.pairOf(name, [topic]),
        ...(provider.prefix === 'k' ? { groups: [group] } : {}),
        parity: parity({ producer, consumer }),
      };
      const env = testEnv({ [producer.passwordEnv]: producer.password, [consumer.passwordEnv]: consumer.password });
      return { name, topic, group, producer, consumer, config, env, domain: `${name}.kdr.test`, revoke };
    }

    test('without parity: setup blocks naming both users, the approver sees the gaps, and after the failover both applications are refused', async () => {
      const p = await pairWithApps('pno', () => ({ mode: 'check', failover: 'approve' }));
      await withKdrWorker(
        async ({ client, taskQueue }) => {
          const setup = await client.workflow.start(drSetup, {
            taskQueue,
            workflowId: uniqueName('drSetup'),
            args: [{ config: p.config, watch: false }],
          });
          const blocked = await blockedStep(setup, 300_000);
          assert.equal(blocked.name, 'parity');
          assert.match(blocked.lastError ?? '', /ParityGaps/);
          assert.match(
            blocked.lastError ?? '',
            new RegExp(
              `2 users${acls ? ' and 3 ACLs' : ''} missing on the secondary: applications ${p.consumer.user} and ${p.producer.user} will be refused`,
            ),
          );
          assert.match(
            blocked.lastError ?? '',
            provider.prefix === 'k'
              ? /kafka-configs\.sh --bootstrap-server 127\.0\.0\.1:29092 --alter --entity-type users/
              : /aliyun alikafka CreateSaslUser --RegionId cn-shanghai --InstanceId alikafka_pre-cn-kdrsecond001 --Username/,
          );
          // The operator accepts the gaps (audited) and the pair is protected without them.
          await setup.signal(resolveSignal, {
            action: 'skip',
            by: 'carol',
            note: 'users are created by the platform team later',
          });
          const done = await runToEnd(setup, 300_000);
          assert.equal(done.outcome, 'completed');
          // Today, on the primary, the applications are served.
          assert.equal(
            await refusal(p.domain, p.producer, p.topic),
            undefined,
            'the producer writes through the domain before the failover',
          );

          const failover = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config: p.config, requestedBy: 'alice', drain: false, switchover: { guard: '2s' } }],
          });
          const view = await eventually(
            () => failover.query(planQuery),
            (v) => v !== null,
            'the plan',
            180_000,
          );
          const parity = (view!.plan as unknown as { parity?: ParityReport }).parity;
          assert.ok(parity && parity.counts.user === 2, JSON.stringify(parity));
          assert.match(
            parity.summary,
            new RegExp(`applications ${p.consumer.user} and ${p.producer.user} will be refused`),
          );
          // parity.failover "approve": the pair's one approval becomes two.
          const waiting = await eventually(
            () => status(failover),
            (s) => s.approval !== undefined,
            'the approval',
            60_000,
          );
          assert.equal(waiting.approval!.required, 2);
          assert.ok(
            waiting.audit.some(
              (a) => a.action === 'policy' && /parity\.failover "approve": one approval more/.test(a.note ?? ''),
            ),
          );
          await failover.signal(approveSignal, { by: 'bob', planId: view!.planId });
          await failover.signal(approveSignal, { by: 'dave', planId: view!.planId });
          const result = await runToEnd(failover, 300_000);
          assert.equal(result.outcome, 'completed');
        },
        { env: p.env },
      );
      // The failure is real: the same applications, through the same domain, now reach the secondary and are refused.
      const refused = await refusal(p.domain, p.producer, p.topic);
      assert.ok(
        refused && /SASL|[Aa]uthentication/.test(refused),
        `the producer must be refused by the secondary, got ${refused}`,
      );
      const consumer = saslViaDomain(p.domain, `${p.consumer.user}-after`, p.consumer).consumer({
        groupId: p.group,
        retry: { retries: 1 },
      });
      await assert.rejects(consumer.connect(), /SASL|[Aa]uthentication/, 'the consumer is refused too');
      await consumer.disconnect().catch(() => undefined);
      await p.revoke();
    });

    test('with parity "sync": the users and ACLs are created on the secondary and the applications continue through a switchover, lost 0, re-reads within the bound', async () => {
      const p = await pairWithApps('psy', ({ producer, consumer }) => ({
        mode: 'sync',
        failover: 'approve',
        users: [producer, consumer].map((a) => ({
          name: a.user,
          mechanism: 'SCRAM-SHA-512',
          passwordEnv: a.passwordEnv,
        })),
      }));
      await withKdrWorker(
        async ({ client, taskQueue }) => {
          const setup = await client.workflow.start(drSetup, {
            taskQueue,
            workflowId: uniqueName('drSetup'),
            args: [{ config: p.config, watch: false }],
          });
          const done = await runToEnd(setup, 300_000);
          assert.equal(done.outcome, 'completed');
          const step = done.steps.find((x) => x.name === 'parity')!;
          assert.equal(step.state, 'succeeded');
          assert.match(step.summary ?? '', /^sync: \d+ applied/);
          assert.match(step.summary ?? '', /in parity/);
          assert.ok(
            !JSON.stringify(await setup.fetchHistory()).includes(p.producer.password),
            'no password in the history',
          );

          // Both applications run through the domain: 150 records/s written, read by the consumer group.
          const domain = p.domain;
          const onPrimary = await RetryingProducer.start(
            saslViaDomain(domain, 'orders-service', p.producer),
            p.topic,
            150,
          );
          const first = await Consuming.start(saslViaDomain(domain, 'billing', p.consumer), p.group, p.topic, {
            commitEveryMs: 5000,
          });
          await new Promise((r) => setTimeout(r, 8000));
          const handle = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [
              { config: p.config, requestedBy: 'alice', switchover: { quietWindow: '4s', timeout: '5m', guard: '8s' } },
            ],
          });
          const approvals = approveAll(handle, 'bob');
          try {
            const view = await eventually(
              () => handle.query(planQuery),
              (v) => v !== null,
              'the plan',
              180_000,
            );
            const parity = (view!.plan as unknown as { parity?: ParityReport }).parity;
            assert.ok(parity?.checked && parity.total === 0, `in parity at the failover: ${JSON.stringify(parity)}`);
            await eventually(
              () => status(handle),
              (s) => s.phase === 'drain' || s.phase === 'blocked',
              'the drain step',
              180_000,
            );
            assert.equal(
              (await status(handle)).phase,
              'drain',
              JSON.stringify((await status(handle)).steps.find((s) => s.state === 'blocked')),
            );
            assert.equal((await status(handle)).steps.find((s) => s.name === 'approval')?.state, 'succeeded');
            await new Promise((r) => setTimeout(r, 3000));
            await onPrimary.stop();
            // The restarted producer follows the domain to the secondary, where its user and ACL now exist.
            const onSecondary = await RetryingProducer.start(
              saslViaDomain(domain, 'orders-service-restarted', p.producer),
              p.topic,
              150,
              1_000_000,
            );
            await first.stop();
            await eventually(
              () => status(handle),
              (s) => ['guard', 'verify', 'completed', 'blocked'].includes(s.phase),
              'the final plan',
              300_000,
            );
            assert.notEqual(
              (await status(handle)).phase,
              'blocked',
              JSON.stringify((await status(handle)).steps.find((s) => s.state === 'blocked')),
            );
            const second = await Consuming.start(
              saslViaDomain(domain, 'billing-restarted', p.consumer),
              p.group,
              p.topic,
              { fromBeginning: false, commitEveryMs: 5000 },
            );
            const result = await runToEnd(handle, 300_000);
            assert.equal(result.outcome, 'completed');
            const applied = (await handle.query(planQuery))!.plan as FailoverPlan;
            await new Promise((r) => setTimeout(r, 3000));
            await onSecondary.stop();
            assert.ok(onSecondary.sent > 0, 'the producer wrote on the secondary as its own user');
            await waitCaughtUp(kafka.secondary, p.group, p.topic);
            await second.stop();

            const onSecondaryLog = await readValues(kafka.secondary, p.topic);
            assert.equal(
              [...onPrimary.acked].filter((v) => !onSecondaryLog.has(v)).length,
              0,
              'every acknowledged record reached the secondary',
            );
            const acked = new Set([...onPrimary.acked, ...onSecondary.acked]);
            const t = tally(acked, [first, second], new Set([...onPrimary.resent, ...onSecondary.resent]));
            const bound = applied.groups.find((g) => g.group === p.group)!.duplicateBound;
            console.log(
              `# parity sync switchover (${provider.label}): ${acked.size} acknowledged, ${t.processed} processed, lost ${t.lost.length}, re-read ${t.redelivered} (bound ${bound})`,
            );
            assert.equal(t.lost.length, 0, `lost ${t.lost.slice(0, 10).join(', ')}`);
            assert.ok(t.redelivered <= bound, `${t.redelivered} re-read, above the plan's bound ${bound}`);
            assert.ok(second.processed.size > 0, 'the consumer read on the secondary as its own user');
          } finally {
            approvals.stop();
          }
        },
        { env: p.env },
      );
      await p.revoke();
    });
  });
