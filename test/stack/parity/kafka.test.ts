// Parity on the real local clusters (self-managed provider): read users/ACLs/topic configs, compare, apply on the
// secondary, and prove with a real SASL_SSL client that the secondary's authorizer refuses a user without an ACL
// and serves it once parity is applied.
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
import { applyParity, readParity } from '../../../src/parity/kafka';
import { aclKey, compareParity, userSecretVar, type AclEntry, type ParityGap } from '../../../src/parity/model';
import { deleteScramUser, upsertScramUser } from '../../../src/kafka/protocol/user-scram';
import { drAddress, ports } from '../../../stack/local-stack';
import { stackCaFile } from '../../../stack/tls';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { uniqueName } from '../../../stack/harness/stack';

const RESTART =
  'the stack must run the StandardAuthorizer on its SASL_SSL listeners: npm run stack:down && npm run stack:up';

function saslClient(side: 'primary' | 'secondary', username: string, password: string): Kafka {
  return new Kafka({
    clientId: 'kdr-parity-test',
    brokers: [`${drAddress[side]}:${ports.drSaslSsl}`],
    ssl: { ca: [fs.readFileSync(stackCaFile(), 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username, password },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 100 },
  });
}

/** Produces one record as the user; resolves to the error type when refused. */
async function produceAs(kafka: Kafka, topic: string): Promise<string> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    return 'ok';
  } catch (err) {
    // kafkajs wraps the broker's answer after its retries: the cause carries the error type.
    let e = err as { type?: string; name?: string; message?: string; cause?: unknown; originalError?: unknown };
    while (!e.type && (e.cause || e.originalError)) e = (e.cause ?? e.originalError) as typeof e;
    return e.type ?? `${e.name}: ${e.message}`;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

describe('parity on self-managed Kafka (Admin API, ACLs enforced on SASL_SSL)', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const topic = uniqueName('parity');
  const user = uniqueName('parity-app');
  const password = `pw-${uniqueName('x')}`;
  const principal = `User:${user}`;
  const acls: AclEntry[] = [
    {
      resourceType: 'TOPIC',
      resourceName: topic,
      patternType: 'LITERAL',
      principal,
      operation: 'WRITE',
      permission: 'ALLOW',
      host: '*',
    },
    {
      resourceType: 'TOPIC',
      resourceName: topic,
      patternType: 'LITERAL',
      principal,
      operation: 'READ',
      permission: 'ALLOW',
      host: '*',
    },
    {
      resourceType: 'GROUP',
      resourceName: `${user}-`,
      patternType: 'PREFIXED',
      principal,
      operation: 'READ',
      permission: 'ALLOW',
      host: '*',
    },
  ];
  const mine = (gaps: ParityGap[]) =>
    gaps.filter(
      (g) =>
        g.item === user || g.item.startsWith(`${principal} `) || g.item === topic || g.item.startsWith(`${topic}/`),
    );
  const secrets = (v: string) => (v === userSecretVar(user) ? password : undefined);

  before(async () => {
    kafka = await openBoth();
    await createTopic(kafka.primary, topic, 3);
    await createTopic(kafka.secondary, topic, 3);
    await kafka.primary.admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2,
          name: topic,
          configEntries: [
            { name: 'retention.ms', value: '-1' },
            { name: 'max.message.bytes', value: '2097152' },
          ],
        },
      ],
    });
    await upsertScramUser(kafka.primary.protocol, user, 'SCRAM-SHA-512', password);
    await kafka.primary.admin
      .createAcls({
        acl: acls.map((a) => ({
          resourceType: AclResourceTypes[a.resourceType as 'TOPIC'],
          resourceName: a.resourceName,
          resourcePatternType: ResourcePatternTypes[a.patternType as 'LITERAL'],
          principal: a.principal,
          host: a.host,
          operation: AclOperationTypes[a.operation as 'READ'],
          permissionType: AclPermissionTypes.ALLOW,
        })),
      })
      .catch((err: Error) => assert.fail(`${RESTART} (${err.message})`));
  });

  after(async () => {
    for (const side of [kafka.primary, kafka.secondary]) {
      await side.admin
        .deleteAcls({
          filters: [
            {
              resourceType: AclResourceTypes.ANY,
              resourcePatternType: ResourcePatternTypes.ANY,
              principal,
              operation: AclOperationTypes.ANY,
              permissionType: AclPermissionTypes.ANY,
            },
          ],
        })
        .catch(() => undefined);
      await deleteScramUser(side.protocol, user, 'SCRAM-SHA-512').catch(() => undefined);
      await deleteTopics(side, [topic]);
    }
    await kafka.close();
  });

  test('readParity reports users (never passwords), ACLs, effective topic configs and the authorizer', async () => {
    const p = await readParity(kafka.primary, [topic, 'no-such-topic']);
    assert.equal(p.instance?.aclEnabled, true, RESTART);
    assert.ok(p.instance?.maxMessageBytes && p.instance.maxMessageBytes > 0);
    assert.deepEqual(
      p.users.filter((u) => u.name === user),
      [{ name: user, mechanism: 'SCRAM-SHA-512' }],
    );
    assert.ok(!JSON.stringify(p).includes(password), 'a password in the snapshot');
    const byKey = (a: AclEntry, b: AclEntry) => aclKey(a).localeCompare(aclKey(b));
    assert.deepEqual(p.acls.filter((a) => a.principal === principal).sort(byKey), [...acls].sort(byKey));
    assert.deepEqual(Object.keys(p.topics), [topic]);
    assert.equal(p.topics[topic].partitions, 3);
    assert.equal(p.topics[topic].configs['retention.ms'], '-1');
    assert.equal(p.topics[topic].configs['max.message.bytes'], '2097152');
    assert.equal(p.topics[topic].configs['cleanup.policy'], 'delete'); // a default, read as effective
  });

  test('without parity the secondary refuses the application; applyParity makes it served, idempotently', async () => {
    const p = await readParity(kafka.primary, [topic]);
    let s = await readParity(kafka.secondary, [topic]);
    const gaps = mine(compareParity(p, s, { topics: [topic] }));
    assert.deepEqual(
      gaps.map((g) => `${g.kind} ${g.item}`).sort(),
      [
        `acl ${principal} ALLOW READ GROUP:${user}- (PREFIXED) from *`,
        `acl ${principal} ALLOW READ TOPIC:${topic} from *`,
        `acl ${principal} ALLOW WRITE TOPIC:${topic} from *`,
        `topic-config ${topic}/max.message.bytes`,
        `topic-config ${topic}/retention.ms`,
        `user ${user}`,
      ].sort(),
    );
    // The primary serves the application; the secondary does not know the user at all.
    assert.equal(await produceAs(saslClient('primary', user, password), topic), 'ok');
    assert.match(await produceAs(saslClient('secondary', user, password), topic), /SASL|Authentication/i);

    // The user alone: it authenticates, and the authorizer refuses it for want of an ACL.
    const users = await applyParity(
      kafka.secondary,
      gaps.filter((g) => g.kind === 'user'),
      secrets,
    );
    assert.deepEqual(users.failed, []);
    assert.equal(users.done.length, 1);
    assert.ok(!JSON.stringify(users).includes(password));
    assert.equal(await produceAs(saslClient('secondary', user, password), topic), 'TOPIC_AUTHORIZATION_FAILED');

    const rest = await applyParity(
      kafka.secondary,
      gaps.filter((g) => g.kind !== 'user'),
      secrets,
    );
    assert.deepEqual(rest.failed, []);
    assert.equal(rest.done.length, 5);
    assert.equal(await produceAs(saslClient('secondary', user, password), topic), 'ok');

    s = await readParity(kafka.secondary, [topic]);
    assert.deepEqual(mine(compareParity(p, s, { topics: [topic] })), []);
    // Idempotent: applying the same gaps again fails nothing and changes nothing.
    const again = await applyParity(kafka.secondary, gaps, secrets);
    assert.deepEqual(again.failed, []);
    assert.deepEqual(mine(compareParity(p, await readParity(kafka.secondary, [topic]), { topics: [topic] })), []);
    assert.equal(await produceAs(saslClient('secondary', user, password), topic), 'ok');
  });

  test('bad input: an unset secret, a config and an ACL the broker refuses are each reported by item', async () => {
    const base = { primary: 'x', secondary: 'y', why: 'test', fix: 'test' };
    const ghost = uniqueName('ghost');
    const result = await applyParity(
      kafka.secondary,
      [
        {
          ...base,
          kind: 'user',
          item: ghost,
          change: { op: 'create-user', user: ghost, mechanism: 'SCRAM-SHA-512', secretVar: userSecretVar(ghost) },
        },
        {
          ...base,
          kind: 'topic-config',
          item: `${topic}/retention.ms`,
          change: { op: 'set-topic-config', topic, name: 'retention.ms', value: 'forever' },
        },
        {
          ...base,
          kind: 'acl',
          item: 'bad-acl',
          change: { op: 'create-acl', acl: { ...acls[0], patternType: 'MATCH' } },
        },
        { ...base, kind: 'topic-partitions', item: topic, fix: 'recreate it' },
      ],
      () => undefined,
    );
    assert.deepEqual(result.done, []);
    assert.deepEqual(
      result.failed.map((f) => f.item),
      [ghost, `${topic}/retention.ms`, 'bad-acl'],
    );
    assert.match(result.failed[0].detail, new RegExp(`set ${userSecretVar(ghost)}`));
    assert.match(result.failed[1].detail, /INVALID_CONFIG|forever/);
    assert.deepEqual(result.manual, [{ kind: 'topic-partitions', item: topic, detail: 'recreate it' }]);
    const users = (await readParity(kafka.secondary, [])).users;
    assert.ok(!users.some((u) => u.name === ghost), 'a user created without its secret');
  });
});
