// checkParity and syncParity against the real local clusters: a SASL user and topic settings the primary has and
// the secondary lacks are reported with their fixes; sync creates the user from its named secret variable and
// aligns what MirrorMaker 2 does not sync, idempotently; a user whose variable is unset is named and not created,
// and nothing it did is left unreported. The password appears in no result.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ConfigResourceTypes } from 'kafkajs';
import { createActivities, defaultDeps } from '../../../activities';
import type { ParitySyncReport } from '../../../activities/parity';
import type { ParityReport } from '../../../src/parity/report';
import { PairConfigSchema, type PairConfig } from '../../../src/config';
import { deleteScramUser, describeScramUsers, upsertScramUser } from '../../../src/kafka/protocol/user-scram';
import { deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { kafkaPair, testEnv, uniqueName } from '../../../stack/harness/kdr';

const env = new MockActivityEnvironment();

describe('parity activities on self-managed Kafka', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('par');
  const topic = `${name}-orders`;
  const user = `${name}-orders-app`;
  const passwordEnv = `KDR_SECRET_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
  const password = `pw-${name}-not-to-be-seen`;
  let pair: PairConfig;

  const topicConfig = async (side: 'primary' | 'secondary', key: string) => {
    const d = await kafka[side].admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [key] }],
    });
    return d.resources[0].configEntries.find((c) => c.configName === key)?.configValue;
  };

  before(async () => {
    kafka = await openBoth();
    // The primary keeps 1 h, min.insync.replicas 1; the secondary's copy keeps 1 min and asks 2 in-sync replicas.
    await kafka.primary.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [
            { name: 'retention.ms', value: '3600000' },
            { name: 'min.insync.replicas', value: '1' },
          ],
        },
      ],
    });
    await kafka.secondary.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [
            { name: 'retention.ms', value: '60000' },
            { name: 'min.insync.replicas', value: '2' },
          ],
        },
      ],
    });
    await upsertScramUser(kafka.primary.protocol, user, 'SCRAM-SHA-512', 'the-primary-password');
    pair = PairConfigSchema.parse({
      ...kafkaPair(name, [topic]),
      parity: { mode: 'sync', users: [{ name: user, mechanism: 'SCRAM-SHA-512', passwordEnv }] },
    });
  });
  after(async () => {
    for (const s of [kafka.primary, kafka.secondary]) {
      await deleteScramUser(s.protocol, user, 'SCRAM-SHA-512').catch(() => undefined);
      await deleteTopics(s, [topic]);
    }
    await kafka.close();
  });

  test('check: the missing user and the weaker topic settings, each with its fix, and the application named', async () => {
    const acts = createActivities(defaultDeps(testEnv()));
    const r: ParityReport = await env.run(acts.checkParity, pair, 'forward' as const);
    assert.equal(r.checked, true, r.error);
    const items = r.gaps.map((g) => g.item);
    assert.ok(items.includes(user), items.join(', '));
    assert.ok(
      items.includes(`${topic}/retention.ms`) && items.includes(`${topic}/min.insync.replicas`),
      items.join(', '),
    );
    const u = r.gaps.find((g) => g.item === user)!;
    assert.match(u.fix, /kafka-configs\.sh --bootstrap-server 127\.0\.0\.1:29092 --alter --entity-type users/);
    assert.match(r.summary, new RegExp(`user.* missing on the secondary: application.*${user}.* will be refused`));
  });

  test('sync with the secret variable unset: the user is named and not created; the rest is done and listed', async () => {
    const acts = createActivities(defaultDeps(testEnv()));
    const s: ParitySyncReport = await env.run(acts.syncParity, pair, 'forward' as const);
    const failedUser = s.failed.find((f) => f.item === user);
    assert.ok(failedUser, JSON.stringify(s.failed));
    assert.match(failedUser.error, new RegExp(`variable ${passwordEnv} .*is not set on the worker`));
    assert.ok(
      !(await describeScramUsers(kafka.secondary.protocol)).some((x) => x.name === user),
      'nothing created for that user',
    );
    // min.insync.replicas is not synced by MirrorMaker 2: kafka-dr aligns it. retention.ms is MirrorMaker 2's.
    assert.ok(
      s.applied.some((a) => a.item === `${topic}/min.insync.replicas`),
      JSON.stringify(s.applied),
    );
    assert.equal(await topicConfig('secondary', 'min.insync.replicas'), '1');
    const left = s.failed.find((f) => f.item === `${topic}/retention.ms`);
    assert.ok(left && /MirrorMaker 2.*absent/.test(left.error), JSON.stringify(s.failed));
    assert.equal(
      await topicConfig('secondary', 'retention.ms'),
      '60000',
      'kafka-dr does not race MirrorMaker 2 on the configs it syncs',
    );
  });

  test('sync with the variable set creates the user (the password never in the result), and a second sync changes nothing', async () => {
    const acts = createActivities(defaultDeps(testEnv({ [passwordEnv]: password })));
    const s: ParitySyncReport = await env.run(acts.syncParity, pair, 'forward' as const);
    assert.ok(
      s.applied.some((a) => a.item === user),
      JSON.stringify(s),
    );
    assert.ok(!s.after.gaps.some((g) => g.item === user));
    assert.ok(
      (await describeScramUsers(kafka.secondary.protocol)).some(
        (x) => x.name === user && x.mechanism === 'SCRAM-SHA-512',
      ),
    );
    assert.ok(!JSON.stringify(s).includes(password), 'the password is in no result');
    const again: ParitySyncReport = await env.run(acts.syncParity, pair, 'forward' as const);
    assert.ok(
      !again.applied.some((a) => a.item === user || a.item.startsWith(`${topic}/`)),
      JSON.stringify(again.applied),
    );
  });
});
