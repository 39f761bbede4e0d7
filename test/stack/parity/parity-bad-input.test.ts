// Bad input to parity sync on an ApsaraMQ pair (the emulated instances): a user to create whose secret variable is
// unset, a topic config the secondary instance refuses (UpdateTopicConfig sets only a few settings), and, where the
// stack enforces ACLs, an ACL the ApsaraMQ API cannot express. Each is named in the result with what to do; what
// was done is listed; nothing is created for the refused items; a second sync changes nothing new.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { createActivities, defaultDeps } from '../../../activities';
import type { ParitySyncReport } from '../../../activities/parity';
import { PairConfigSchema } from '../../../src/config';
import { deleteScramUser, describeScramUsers, upsertScramUser } from '../../../src/kafka/protocol/user-scram';
import { apsaramqPair, testEnv, uniqueName } from '../../../stack/harness/kdr';
import { deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { aclsEnforced } from './apps';

const env = new MockActivityEnvironment();

describe('parity sync: bad input is named, nothing half-done goes unreported (ApsaraMQ)', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('pbad');
  const topic = `${name}-orders`;
  const user = `${name}-orders-app`;
  const passwordEnv = `KDR_SECRET_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
  let acls = false;

  before(async () => {
    kafka = await openBoth();
    acls = await aclsEnforced(kafka.primary);
    // The emulated instances sit on the local brokers: the primary's topic is compacted, the secondary's copy is not.
    await kafka.primary.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
    await kafka.secondary.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
    });
    await upsertScramUser(kafka.primary.protocol, user, 'SCRAM-SHA-512', 'the-primary-password');
    if (acls) {
      // ALTER on a topic: Kafka has it, ApsaraMQ's CreateAcl has no such operation.
      await kafka.primary.admin.createAcls({
        acl: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: topic,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: `User:${user}`,
            host: '*',
            operation: AclOperationTypes.ALTER,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
    }
  });
  after(async () => {
    for (const s of [kafka.primary, kafka.secondary]) {
      await deleteScramUser(s.protocol, user, 'SCRAM-SHA-512').catch(() => undefined);
      await s.admin
        .deleteAcls({
          filters: [
            {
              resourceType: AclResourceTypes.ANY,
              resourcePatternType: ResourcePatternTypes.ANY,
              principal: `User:${user}`,
              operation: AclOperationTypes.ANY,
              permissionType: AclPermissionTypes.ANY,
            },
          ],
        })
        .catch(() => undefined);
      await deleteTopics(s, [topic]);
    }
    await kafka.close();
  });

  test('each refused item is named with what to do; the user is not created; a second sync changes nothing new', async () => {
    const pair = PairConfigSchema.parse({
      ...apsaramqPair(name, [topic]),
      parity: { mode: 'sync', users: [{ name: user, mechanism: 'SCRAM-SHA-512', passwordEnv }] },
    });
    const acts = createActivities(defaultDeps(testEnv()));
    const s: ParitySyncReport = await env.run(acts.syncParity, pair, 'forward' as const);
    const failed = new Map(s.failed.map((f) => [f.item, f.error]));
    assert.match(
      failed.get(user) ?? '',
      new RegExp(`variable ${passwordEnv} .*is not set on the worker`),
      JSON.stringify(s.failed),
    );
    assert.match(
      failed.get(`${topic}/cleanup.policy`) ?? '',
      /refused it: .*UpdateTopicConfig cannot set cleanup\.policy/,
      JSON.stringify(s.failed),
    );
    if (acls) {
      const acl = [...failed.keys()].find((k) => k.startsWith(`User:${user} ALLOW `) && k.includes(`TOPIC:${topic}`));
      assert.ok(acl, JSON.stringify(s.failed));
      assert.match(failed.get(acl) ?? '', /refused it: .*no ACL operation/);
    } else {
      console.log(
        '# this stack does not enforce ACLs yet: the refused-ACL case needs it (npm run stack:down && npm run stack:up)',
      );
    }
    assert.ok(
      !s.applied.some((a) => a.item === user || a.item === `${topic}/cleanup.policy`),
      JSON.stringify(s.applied),
    );
    assert.ok(
      !(await describeScramUsers(kafka.secondary.protocol)).some((u) => u.name === user),
      'nothing created for the user',
    );
    // The check after the sync still lists them: the step blocks on them.
    assert.ok(
      s.after.gaps.some((g) => g.item === user) && s.after.gaps.some((g) => g.item === `${topic}/cleanup.policy`),
    );

    const again: ParitySyncReport = await env.run(acts.syncParity, pair, 'forward' as const);
    assert.deepEqual(
      again.applied.filter((a) => a.item.includes(name)),
      [],
      'a second sync creates nothing new',
    );
    assert.deepEqual(
      again.failed
        .map((f) => f.item)
        .filter((i) => i.includes(name))
        .sort(),
      s.failed
        .map((f) => f.item)
        .filter((i) => i.includes(name))
        .sort(),
    );
  });
});
