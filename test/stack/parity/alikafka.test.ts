// Parity on ApsaraMQ through the cloud layer and the emulator (held to the worker's RAM policy): users and ACLs
// created with the API are SCRAM credentials and ACLs of the real clusters behind it, so a SASL_SSL client of the
// secondary is really refused without them and served once applyParity has created them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { applyParity, readParity, type AlikafkaSide } from '../../../src/parity/alikafka';
import { compareParity, userSecretVar, type ParityGap } from '../../../src/parity/model';
import { workerPolicy } from '../../../src/cloud/ram';
import { parsePolicy } from '../../../stack/emulator/ram';
import { drAddress, local, ports } from '../../../stack/local-stack';
import { stackCaFile } from '../../../stack/tls';
import {
  PRIMARY_ID,
  PRIMARY_REGION,
  SECONDARY_ID,
  SECONDARY_REGION,
  stackAdminEnv,
  startTestEmulator,
  type TestEmulator,
} from '../../../stack/harness/emulator';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';

const RESTART =
  'the stack must run the StandardAuthorizer on its SASL_SSL listeners: npm run stack:down && npm run stack:up';

async function produceAs(
  side: 'primary' | 'secondary',
  username: string,
  password: string,
  topic: string,
): Promise<string> {
  const kafka = new Kafka({
    clientId: 'kdr-parity-test',
    brokers: [`${drAddress[side]}:${ports.drSaslSsl}`],
    ssl: { ca: [fs.readFileSync(stackCaFile(), 'utf8')] },
    sasl: { mechanism: 'scram-sha-256', username, password },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 100 },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    return 'ok';
  } catch (err) {
    let e = err as { type?: string; name?: string; message?: string; cause?: unknown; originalError?: unknown };
    while (!e.type && (e.cause || e.originalError)) e = (e.cause ?? e.originalError) as typeof e;
    return e.type ?? `${e.name}: ${e.message}`;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

describe('parity on ApsaraMQ (emulator over the real clusters, ACLs enforced)', () => {
  let emu: TestEmulator;
  let primary: AlikafkaSide;
  let secondary: AlikafkaSide;
  const topic = uniqueName('parity-ali');
  const cloudTopic = uniqueName('parity-ali-cloud');
  const user = uniqueName('parity-ali-app');
  const password = `pw-${uniqueName('y')}`;
  const secrets = (v: string) => (v === userSecretVar(user) ? password : undefined);
  const mine = (gaps: ParityGap[]) =>
    gaps.filter(
      (g) =>
        g.item === user || g.item.startsWith(`User:${user} `) || g.item === topic || g.item.startsWith(`${topic}/`),
    );
  const acl = (resourceType: string, resourceName: string, patternType: 'LITERAL' | 'PREFIXED', operation: string) => ({
    instanceId: PRIMARY_ID,
    username: user,
    resourceType,
    resourceName,
    patternType,
    operation,
  });
  const acls = [
    acl('Topic', topic, 'LITERAL', 'Write'),
    acl('Topic', topic, 'LITERAL', 'Read'),
    acl('Group', `${user}-`, 'PREFIXED', 'Read'),
  ];

  before(async () => {
    await ensureStack();
    emu = await startTestEmulator({ dnsPort: undefined, ramPolicy: parsePolicy(workerPolicy(), 'worker policy') });
    primary = { client: emu.clients.alikafka(PRIMARY_REGION), instanceId: PRIMARY_ID };
    secondary = { client: emu.clients.alikafka(SECONDARY_REGION), instanceId: SECONDARY_ID };
    await primary.client.createTopic({
      instanceId: PRIMARY_ID,
      topic,
      remark: 'kdr_parity_test',
      partitionNum: 3,
      localTopic: true,
    });
    await secondary.client.createTopic({
      instanceId: SECONDARY_ID,
      topic,
      remark: 'kdr_parity_test',
      partitionNum: 3,
      localTopic: true,
    });
    await secondary.client.createTopic({
      instanceId: SECONDARY_ID,
      topic: cloudTopic,
      remark: 'kdr_parity_test',
      partitionNum: 1,
    });
    // The primary keeps records 14 days and takes 2 MiB records; the secondary has the broker defaults (7 days, ~1 MiB).
    await primary.client.updateTopicConfig({
      instanceId: PRIMARY_ID,
      topic,
      config: 'retention.ms',
      value: '1209600000',
    });
    await primary.client.updateTopicConfig({
      instanceId: PRIMARY_ID,
      topic,
      config: 'max.message.bytes',
      value: '2097152',
    });
    await primary.client
      .createSaslUser({ instanceId: PRIMARY_ID, username: user, password, type: 'scram' })
      .catch((err: Error) => assert.fail(`${RESTART} (${err.message})`));
    for (const a of acls) await primary.client.createAcl(a);
  });

  after(async () => {
    const admin = emu.clientsWith(stackAdminEnv({}));
    for (const [region, instanceId] of [
      [PRIMARY_REGION, PRIMARY_ID],
      [SECONDARY_REGION, SECONDARY_ID],
    ]) {
      const c = admin.alikafka(region);
      for (const a of acls) await c.deleteAcl({ ...a, instanceId }).catch(() => undefined);
      await c
        .deleteSaslUser({ instanceId, username: user, type: 'scram', mechanism: 'SCRAM-SHA-256' })
        .catch(() => undefined);
      for (const t of [topic, cloudTopic]) await c.deleteTopic({ instanceId, topic: t }).catch(() => undefined);
    }
    await emu.close();
  });

  test('readParity: users (never passwords), ACLs in Kafka spelling, topic settings, ACL on', async () => {
    const p = await readParity(primary, [topic]);
    assert.deepEqual(p.instance, { maxMessageBytes: 1048576, aclEnabled: true });
    assert.deepEqual(
      p.users.filter((u) => u.name === user),
      [{ name: user, mechanism: 'SCRAM-SHA-256' }],
    );
    assert.ok(!JSON.stringify(p).includes(password));
    assert.deepEqual(
      p.acls
        .filter((a) => a.principal === `User:${user}`)
        .map((a) => `${a.permission} ${a.operation} ${a.resourceType}:${a.resourceName} ${a.patternType}`)
        .sort(),
      [`ALLOW READ GROUP:${user}- PREFIXED`, `ALLOW READ TOPIC:${topic} LITERAL`, `ALLOW WRITE TOPIC:${topic} LITERAL`],
    );
    assert.equal(p.topics[topic].partitions, 3);
    assert.equal(p.topics[topic].configs['retention.ms'], '1209600000');
    assert.equal(p.topics[topic].configs['cleanup.policy'], 'delete');
  });

  test('an ACL made on the cluster outside the API (ALTER) is named as Kafka names it, never by its number', async () => {
    const admin = new Kafka({ brokers: [local.primaryBootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const binding = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${user}`,
      host: '*',
      operation: AclOperationTypes.ALTER,
      permissionType: AclPermissionTypes.ALLOW,
    };
    try {
      await admin.createAcls({ acl: [binding] });
      const p = await readParity(primary, [topic]);
      assert.deepEqual(
        p.acls
          .filter((a) => a.principal === `User:${user}` && a.operation === 'ALTER')
          .map((a) => `${a.permission} ${a.operation} ${a.resourceName}`),
        [`ALLOW ALTER ${topic}`],
      );
    } finally {
      await admin.deleteAcls({ filters: [binding] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  test('without parity the secondary refuses the application; applyParity makes it served, idempotently', async () => {
    const p = await readParity(primary, [topic]);
    const gaps = mine(
      compareParity(p, await readParity(secondary, [topic]), {
        topics: [topic],
        target: { provider: 'alikafka', regionId: SECONDARY_REGION, instanceId: SECONDARY_ID },
      }),
    );
    assert.deepEqual(gaps.map((g) => `${g.kind} ${g.item}`).sort(), [
      `acl User:${user} ALLOW READ GROUP:${user}- (PREFIXED) from *`,
      `acl User:${user} ALLOW READ TOPIC:${topic} from *`,
      `acl User:${user} ALLOW WRITE TOPIC:${topic} from *`,
      `topic-config ${topic}/max.message.bytes`,
      `topic-config ${topic}/retention.ms`,
      `user ${user}`,
    ]);
    assert.match(
      gaps.find((g) => g.kind === 'user')!.fix,
      new RegExp(`aliyun alikafka CreateSaslUser --RegionId ${SECONDARY_REGION}`),
    );
    assert.equal(await produceAs('primary', user, password, topic), 'ok');
    assert.match(await produceAs('secondary', user, password, topic), /SASL|Authentication/i);

    const users = await applyParity(
      secondary,
      gaps.filter((g) => g.kind === 'user'),
      secrets,
    );
    assert.deepEqual(users.failed, []);
    assert.equal(await produceAs('secondary', user, password, topic), 'TOPIC_AUTHORIZATION_FAILED');

    const rest = await applyParity(
      secondary,
      gaps.filter((g) => g.kind !== 'user'),
      secrets,
    );
    assert.deepEqual(rest.failed, []);
    assert.equal(rest.done.length, 5);
    assert.equal(await produceAs('secondary', user, password, topic), 'ok');
    assert.deepEqual(mine(compareParity(p, await readParity(secondary, [topic]), { topics: [topic] })), []);

    const again = await applyParity(secondary, gaps, secrets);
    assert.deepEqual(again.failed, []);
    assert.ok(!JSON.stringify([users, rest, again]).includes(password));
    assert.deepEqual(mine(compareParity(p, await readParity(secondary, [topic]), { topics: [topic] })), []);
  });

  test('bad input: what ApsaraMQ cannot set, a cloud-storage topic, an unset secret are each reported by item', async () => {
    const base = { primary: 'x', secondary: 'y', why: 'test', fix: 'test' };
    const ghost = uniqueName('ghost');
    const result = await applyParity(
      secondary,
      [
        {
          ...base,
          kind: 'user',
          item: ghost,
          change: { op: 'create-user', user: ghost, mechanism: 'SCRAM-SHA-256', secretVar: userSecretVar(ghost) },
        },
        {
          ...base,
          kind: 'topic-config',
          item: `${topic}/cleanup.policy`,
          change: { op: 'set-topic-config', topic, name: 'cleanup.policy', value: 'compact' },
        },
        {
          ...base,
          kind: 'topic-config',
          item: `${cloudTopic}/retention.ms`,
          change: { op: 'set-topic-config', topic: cloudTopic, name: 'retention.ms', value: '7200000' },
        },
        {
          ...base,
          kind: 'topic-config',
          item: `${topic}/retention.ms`,
          change: { op: 'set-topic-config', topic, name: 'retention.ms', value: '-1' },
        },
      ],
      () => undefined,
    );
    assert.deepEqual(result.done, []);
    assert.deepEqual(
      result.failed.map((f) => f.item),
      [ghost, `${topic}/cleanup.policy`, `${cloudTopic}/retention.ms`, `${topic}/retention.ms`],
    );
    assert.match(result.failed[0].detail, new RegExp(`set ${userSecretVar(ghost)}`));
    assert.match(result.failed[1].detail, /cannot set cleanup\.policy/);
    assert.match(result.failed[2].detail, /BIZ_TOPIC_CONFIG_NOT_SUPPORTED|cloud storage/);
    assert.match(result.failed[3].detail, /InvalidParameter|not valid/);
    assert.ok(!(await readParity(secondary, [])).users.some((u) => u.name === ghost));
  });

  test('the emulator answers only the documented values (an unknown resource type is InvalidParameter)', async () => {
    await assert.rejects(
      primary.client.createAcl({ ...acls[0], resourceType: 'Topics' }),
      (err: Error & { code?: string }) =>
        /InvalidParameter/.test(`${err.code} ${err.message}`) && /AclResourceType/.test(err.message),
    );
    assert.ok(local.emulatorUrl);
  });
});
