// A pair whose clusters are reached only over SASL_SSL (SCRAM-SHA-512 over TLS, the stack's own CA), as
// ApsaraMQ's public endpoints are: drSetup with MirrorMaker 2, a planned drFailover, and a wrong password. The
// secrets travel by variable name only: Connect resolves them from its environment, and no run history holds them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCloudClients } from '../../../src/cloud';
import { createKafka } from '../../../src/kafka/clients';
import { committedOffsets, setManyGroupOffsets } from '../../../src/kafka/admin';
import { local } from '../../../stack/local-stack';
import { localApsaramqPair, localKafkaSaslSslPair } from '../../../stack/local-pairs';
import { clusterSecurity } from '../../../activities/deps';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { STACK_SASL_ENV, stackSaslEnv } from '../../../stack/tls';
import { approveSignal, planQuery } from '../../../workflows/definitions';
import { drFailover, drSetup } from '../../../workflows';
import type { FailoverPlan } from '../../../src/plan/model';
import {
  blockedStep,
  execute,
  removeMirror,
  runToEnd,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth, waitFor } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { PairConfigSchema } from '../../../src/config';

describe('a pair over SASL_SSL (SCRAM-SHA-512, TLS with the stack CA), MirrorMaker 2', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('ss');
  const topic = `${name}-orders`;
  const groups = [`${name}-billing`, `${name}-ledger`];
  const config = localKafkaSaslSslPair(name, [topic]);
  const env = testEnv();
  const secrets = stackSaslEnv();
  const password = secrets[STACK_SASL_ENV.password];
  const cleanups: (() => Promise<unknown>)[] = [];
  let setupRunId = '';

  before(async () => {
    assert.ok(password, 'the stack made its SCRAM secret at stack:up');
    // The in-process worker reads the SASL secrets from its own environment, as a deployed worker does.
    Object.assign(process.env, secrets);
    await temporal();
    kafka = await openBoth();
    await createTopic(kafka.primary, topic, 3);
    cleanups.push(
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    cleanups.push(() => removeMirror(name));
    // The application writes over SASL_SSL too: the pair's own endpoint and credentials.
    const primaryCluster = PairConfigSchema.parse(config).primary;
    const producer = createKafka({
      bootstrapServers: primaryCluster.bootstrapServers,
      security: clusterSecurity(primaryCluster),
    }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 90 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();
    for (const [i, group] of groups.entries()) {
      await setManyGroupOffsets(kafka.primary, [
        { group, offsets: [0, 1, 2].map((partition) => ({ topic, partition, offset: 7 + i * 5 })) },
      ]);
    }
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('drSetup protects the pair; the connectors name the secrets, never hold them', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const workflowId = uniqueName('drSetup');
        const result = await execute(client, drSetup, { taskQueue, workflowId, args: [{ config }] });
        assert.equal(result.outcome, 'completed');
        setupRunId = workflowId;
        const history = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
        assert.ok(!history.includes(password), 'the SCRAM password is nowhere in the run history');
      },
      { env },
    );

    for (const connector of [`kdr-${name}-mm2-source`, `kdr-${name}-mm2-checkpoint`]) {
      const res = await fetch(`${local.connectUrl}/connectors/${connector}/config`);
      assert.equal(res.status, 200, connector);
      const text = await res.text();
      const cfg = JSON.parse(text) as Record<string, string>;
      assert.ok(!text.includes(password), `${connector}: no plain-text password in the connector config`);
      for (const side of ['source.cluster', 'target.cluster', 'producer.override']) {
        assert.equal(cfg[`${side}.security.protocol`], 'SASL_SSL', `${connector} ${side}`);
        assert.equal(cfg[`${side}.sasl.mechanism`], 'SCRAM-SHA-512');
        assert.match(cfg[`${side}.sasl.jaas.config`], /password="\$\{env:KDR_SECRET_LOCAL_SASL_PASSWORD\}"/);
        assert.equal(cfg[`${side}.ssl.truststore.type`], 'PEM');
        assert.equal(cfg[`${side}.ssl.truststore.location`], config.primary.security!.caFile);
      }
    }
    // MirrorMaker 2 copied the application's records over the TLS listeners.
    await waitFor(
      'the 90 records on the secondary',
      async () => {
        const offsets = await kafka.secondary.admin.fetchTopicOffsets(topic).catch(() => []);
        const total = offsets.reduce((n, o) => n + Number(o.high), 0);
        return total === 90 ? total : undefined;
      },
      60_000,
    );
  });

  test('a planned drFailover resets every group to where it stood and moves the CNAME', async () => {
    assert.ok(setupRunId, 'drSetup ran');
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', switchover: { guard: '2s' } }],
        });
        const view = await eventually(
          () => handle.query(planQuery),
          (p) => p !== null,
          'the plan',
          90_000,
        );
        await handle.signal(approveSignal, { by: 'bob', planId: view!.planId });
        const result = await runToEnd(handle);
        assert.equal(result.outcome, 'completed');
        const plan = (await handle.query(planQuery))!.plan as FailoverPlan;
        for (const [i, group] of groups.entries()) {
          const planned = plan.groups.find((g) => g.group === group)!;
          const applied = await committedOffsets(
            kafka.secondary,
            group,
            [0, 1, 2].map((partition) => ({ topic, partition })),
          );
          assert.equal(applied.length, 3, group);
          for (const o of applied) {
            assert.equal(
              o.offset,
              7 + i * 5,
              `${group} ${o.topic}[${o.partition}]: the record it stood at on the primary`,
            );
            assert.ok(planned.offsets.some(([t, p, off]) => t === o.topic && p === o.partition && off === o.offset));
          }
        }
        const records = await createCloudClients(env)
          .alidns()
          .listSubDomainRecords({ subDomain: `${name}.kdr.test`, domainName: 'kdr.test' });
        assert.equal(records.find((r) => r.Type === 'CNAME')?.Value, 'secondary.kdr.test');
        const history = JSON.stringify(await handle.fetchHistory());
        assert.ok(!history.includes(password), 'the SCRAM password is nowhere in the run history');
      },
      { env },
    );
  });

  test('an ApsaraMQ pair whose clients reach the instances over SASL_SSL: drSetup with EventBridge streams completes', async () => {
    // The seed's own setup, with the instances' SASL_SSL endpoints (as their public endpoints are) for every client.
    const ebName = `${name}-eb`;
    const base = localApsaramqPair(ebName, [topic]);
    const sasl = config.primary.security!;
    const eb = {
      ...base,
      primary: { ...base.primary, bootstrapServers: config.primary.bootstrapServers, security: sasl },
      secondary: { ...base.secondary, bootstrapServers: config.secondary.bootstrapServers, security: sasl },
    };
    cleanups.push(
      () => deleteTopics(kafka.primary, [`${ebName}-canary`]),
      () => deleteTopics(kafka.secondary, [`${ebName}-canary`]),
    );
    cleanups.push(() =>
      new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai')).remove({
        pair: ebName,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [topic, `${ebName}-canary`],
      }),
    );
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const workflowId = uniqueName('drSetup');
        const result = await execute(client, drSetup, { taskQueue, workflowId, args: [{ config: eb, watch: false }] });
        assert.equal(result.outcome, 'completed');
        assert.equal(result.connector.provider, 'eventbridge');
        assert.equal(result.connector.state, 'running');
        assert.ok(result.verify.received > 0, 'canary records came back over SASL_SSL');
        const history = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
        assert.ok(!history.includes(password), 'the SCRAM password is nowhere in the run history');
      },
      { env },
    );
  });

  test('a wrong password blocks drSetup in preflight with the authentication failure, not a retry loop', async () => {
    const wrong = localKafkaSaslSslPair(`${name}-w`, [topic]);
    wrong.primary.security = { ...wrong.primary.security!, passwordEnv: 'KDR_SECRET_WRONG_SASL_PASSWORD' };
    process.env.KDR_SECRET_WRONG_SASL_PASSWORD = 'not-the-password';
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: wrong }],
        });
        try {
          const blocked = await blockedStep(handle, 120_000);
          assert.equal(blocked.name, 'preflight');
          assert.match(blocked.lastError ?? '', /primary/i);
          assert.match(blocked.lastError ?? '', /authentication failed/i);
          assert.ok(!(blocked.lastError ?? '').includes('not-the-password'));
        } finally {
          await handle.terminate('test over').catch(() => undefined);
        }
      },
      { env },
    );
  });
});
