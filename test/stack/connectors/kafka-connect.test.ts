// The MirrorMaker 2 provider against the real Kafka Connect: idempotent ensure, state mapping, pause /
// resume / remove, and "caught up".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import {
  connectProvider,
  createTopic,
  deleteTopics,
  localPairSpec,
  openBoth,
  primaryKafka,
  waitFor,
} from '../../../stack/harness/kafka';
import { connectorNames, mapConnectorState, mirrorConfigs } from '../../../src/connectors/kafka-connect';
import type { AdminSession } from '../../../src/kafka/admin';

describe('kafka-connect provider: configs and state mapping (no stack)', () => {
  test('configs: identity policy, aliases, byte converters, checkpoints every 5 s, no group sync', () => {
    const { source, checkpoint } = mirrorConfigs(localPairSpec('p1', ['orders.v1', 'payments']));
    for (const c of [source, checkpoint]) {
      assert.equal(c['replication.policy.class'], 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy');
      assert.equal(c['source.cluster.alias'], 'primary');
      assert.equal(c['target.cluster.alias'], 'secondary');
      assert.equal(c['value.converter'], 'org.apache.kafka.connect.converters.ByteArrayConverter');
      assert.equal(c.topics, 'orders\\.v1,payments');
      // The records go to the secondary even when Connect lives on another cluster.
      assert.equal(c['producer.override.bootstrap.servers'], c['target.cluster.bootstrap.servers']);
    }
    assert.equal(checkpoint['emit.checkpoints.interval.seconds'], '5');
    assert.equal(checkpoint['sync.group.offsets.enabled'], 'false');
    assert.equal(source['replication.factor'], '1');
  });

  test('SASL secrets stay environment-variable references', () => {
    const spec = localPairSpec('p1', ['t']);
    spec.primary.security = {
      protocol: 'sasl_ssl',
      mechanism: 'scram-sha-512',
      usernameEnv: 'PRI_USER',
      passwordEnv: 'PRI_PASS',
    };
    const { source } = mirrorConfigs(spec);
    assert.equal(source['source.cluster.security.protocol'], 'SASL_SSL');
    assert.match(
      source['source.cluster.sasl.jaas.config'],
      /ScramLoginModule required username="\$\{env:PRI_USER\}" password="\$\{env:PRI_PASS\}";/,
    );
    assert.equal(
      source['source.cluster.ssl.truststore.location'],
      undefined,
      "no caFile: the JVM's default trust store",
    );
    spec.primary.security = { ...spec.primary.security, caFile: '/etc/kafka-dr/ca.pem' };
    const withCa = mirrorConfigs(spec).source;
    assert.equal(withCa['source.cluster.ssl.truststore.type'], 'PEM');
    assert.equal(withCa['source.cluster.ssl.truststore.location'], '/etc/kafka-dr/ca.pem');
    spec.primary.security = { protocol: 'sasl_plaintext' };
    assert.throws(() => mirrorConfigs(spec), /usernameEnv and security.passwordEnv/);
  });

  test('bad pair names and empty topic lists are refused with the fix', () => {
    assert.throws(() => connectorNames('has space'), /pair name "has space"/);
    assert.throws(() => mirrorConfigs(localPairSpec('p', [])), /topics is an empty list/);
  });

  test('Connect states map to provider states, with the root cause of a failure', () => {
    const trace =
      'org.apache.kafka.connect.errors.ConnectException: boom\n\tat x.y\nCaused by: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node\n\tat a.b';
    assert.equal(mapConnectorState('c', undefined, true).state, 'absent');
    const failed = mapConnectorState(
      'c',
      { name: 'c', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'FAILED', trace }] },
      true,
    );
    assert.equal(failed.state, 'failed');
    assert.equal(
      failed.cause,
      'c task 0: Caused by: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node',
    );
    assert.equal(
      mapConnectorState('c', { name: 'c', connector: { state: 'PAUSED' }, tasks: [{ id: 0, state: 'PAUSED' }] }, true)
        .state,
      'paused',
    );
    assert.equal(
      mapConnectorState('c', { name: 'c', connector: { state: 'UNASSIGNED' }, tasks: [] }, true).state,
      'starting',
    );
    assert.equal(
      mapConnectorState('c', { name: 'c', connector: { state: 'RUNNING' }, tasks: [] }, true).state,
      'starting',
    );
    assert.equal(
      mapConnectorState('c', { name: 'c', connector: { state: 'RUNNING' }, tasks: [] }, false).state,
      'running',
    );
    assert.equal(
      mapConnectorState(
        'c',
        { name: 'c', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'UNASSIGNED' }] },
        true,
      ).state,
      'starting',
    );
  });
});

describe('kafka-connect provider on the real Kafka Connect', () => {
  const pair = uniqueName('t-kc');
  const topic = uniqueName('t-kc-topic');
  const provider = connectProvider();
  const spec = localPairSpec(pair, [topic]);
  let clusters: { primary: AdminSession; secondary: AdminSession; close(): Promise<void> };

  before(async () => {
    await ensureStack();
    clusters = await openBoth();
    await createTopic(clusters.primary, topic, 2);
  });

  after(async () => {
    await provider.remove(spec).catch(() => undefined);
    if (clusters) {
      await deleteTopics(clusters.primary, [topic]);
      await deleteTopics(clusters.secondary, [topic]);
      await clusters.close();
    }
  });

  test('absent before ensure; ensure creates, a second ensure changes nothing, a changed spec updates', async () => {
    assert.equal((await provider.state(spec)).state, 'absent');
    const first = await provider.ensure(spec);
    assert.deepEqual({ created: first.created, updated: first.updated }, { created: true, updated: false });
    assert.equal(first.id, `${connectorNames(pair).source},${connectorNames(pair).checkpoint}`);
    const second = await provider.ensure(spec);
    assert.deepEqual({ created: second.created, updated: second.updated }, { created: false, updated: false });
    const changed = await provider.ensure({ ...spec, extra: { 'refresh.topics.interval.seconds': '11' } });
    assert.deepEqual({ created: changed.created, updated: changed.updated }, { created: false, updated: true });
    await provider.ensure(spec);
  });

  test('reaches running, replicates, and reports caught up', async () => {
    const status = await waitFor(
      'MM2 running',
      async () => {
        const s = await provider.state(spec);
        return s.state === 'running' ? s : undefined;
      },
      90000,
      500,
    );
    assert.ok(status.tasks && status.tasks.length >= 1);
    const producer = primaryKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })),
    });
    await producer.disconnect();
    const lag = await waitFor(
      'secondary caught up',
      async () => {
        const l = await provider.lag(spec, clusters);
        return l.caughtUp ? l : undefined;
      },
      60000,
      500,
    );
    assert.equal(lag.totalLag, 0);
    assert.equal(
      lag.partitions.reduce((n, p) => n + p.secondaryEnd, 0),
      20,
    );
  });

  test('pause and resume are idempotent and visible in the state', async () => {
    await provider.pause(spec);
    await provider.pause(spec);
    await waitFor('paused', async () => ((await provider.state(spec)).state === 'paused' ? true : undefined), 30000);
    await provider.resume(spec);
    await provider.resume(spec);
    await waitFor(
      'running again',
      async () => ((await provider.state(spec)).state === 'running' ? true : undefined),
      60000,
    );
  });

  test('remove is idempotent', async () => {
    assert.deepEqual(await provider.remove(spec), { removed: true });
    assert.deepEqual(await provider.remove(spec), { removed: false });
    assert.equal((await provider.state(spec)).state, 'absent');
    await provider.pause(spec); // pausing an absent replication is not an error
  });
});
