// Drift: after drSetup found the pair in parity, an ACL (on a stack without an authorizer: a SASL user) added on
// the primary and not on the secondary turns the pair's drWatch "degraded" by the next check, naming it, and the
// next failover plan shows it to the approver.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { watchWorkflowId } from '../../../workflows/contract';
import { planQuery, watchQuery } from '../../../workflows/definitions';
import { drFailover, drSetup, drWatch } from '../../../workflows';
import type { ParityReport } from '../../../src/parity/report';
import { deleteScramUser, upsertScramUser } from '../../../src/kafka/protocol/user-scram';
import { execute, kafkaPair, removeMirror, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { aclsEnforced } from './apps';

describe('parity drift', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    await temporal();
    kafka = await openBoth();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('an ACL added on the primary after setup: the watch is degraded by the next check and the next plan shows it', async () => {
    const name = uniqueName('pdr');
    const topic = `${name}-orders`;
    const late = `${name}-late-app`;
    const acls = await aclsEnforced(kafka.primary);
    await createTopic(kafka.primary, topic, 3);
    const config = kafkaPair(name, [topic], { watch: { interval: '2s', parityEvery: '2s' } });
    cleanups.push(() => removeMirror(name));
    for (const s of [kafka.primary, kafka.secondary]) cleanups.push(() => deleteTopics(s, [topic, `${name}-canary`]));

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(
          client,
          drSetup,
          { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config }] },
          300_000,
        );
        assert.equal(setup.outcome, 'completed');
        assert.equal(setup.steps.find((s) => s.name === 'parity')?.state, 'succeeded', 'in parity at setup');
        const watch = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(name));
        cleanups.push(() => watch.terminate('test cleanup'));
        const healthy = await eventually(
          () => watch.query(watchQuery),
          (s) => s.health === 'healthy',
          'the watch healthy',
          120_000,
        );
        assert.ok(!healthy.why.includes('parity'), healthy.why);

        // The drift: a new application's ACL (or, without an authorizer, its user) on the primary only.
        const drift = acls ? `User:${late} ALLOW READ TOPIC:${topic} from *` : late;
        if (acls) {
          await kafka.primary.admin.createAcls({
            acl: [
              {
                resourceType: AclResourceTypes.TOPIC,
                resourceName: topic,
                resourcePatternType: ResourcePatternTypes.LITERAL,
                principal: `User:${late}`,
                host: '*',
                operation: AclOperationTypes.READ,
                permissionType: AclPermissionTypes.ALLOW,
              },
            ],
          });
          cleanups.push(() =>
            kafka.primary.admin.deleteAcls({
              filters: [
                {
                  resourceType: AclResourceTypes.ANY,
                  resourcePatternType: ResourcePatternTypes.ANY,
                  principal: `User:${late}`,
                  operation: AclOperationTypes.ANY,
                  permissionType: AclPermissionTypes.ANY,
                },
              ],
            }),
          );
        } else {
          await upsertScramUser(kafka.primary.protocol, late, 'SCRAM-SHA-512', `pw-${late}`);
          cleanups.push(() => deleteScramUser(kafka.primary.protocol, late, 'SCRAM-SHA-512'));
        }
        const before = (await watch.query(watchQuery)).ticks;
        const degraded = await eventually(
          () => watch.query(watchQuery),
          (s) => s.health === 'degraded',
          'the watch degraded',
          60_000,
        );
        // The check running when the drift was made may have read before it: the one after it must see it.
        assert.ok(
          degraded.ticks <= before + 2,
          `degraded at check ${degraded.ticks}, the drift came after check ${before}`,
        );
        assert.match(
          degraded.why,
          new RegExp(
            `parity: ${acls ? '1 ACL' : '1 user'} missing on the secondary: application ${late} will be refused`,
          ),
        );
        assert.ok(degraded.transitions.some((t) => t.from === 'healthy' && t.to === 'degraded'));

        // The next plan shows it to the approver.
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', dryRun: true }],
        });
        const result = await handle.result();
        assert.equal(result.dryRun, true);
        const view = await handle.query(planQuery);
        const parity = (view!.plan as unknown as { parity?: ParityReport }).parity!;
        assert.equal(parity.total, 1, JSON.stringify(parity));
        assert.equal(parity.gaps[0].item, drift);
        assert.match(
          parity.gaps[0].fix,
          acls ? /kafka-acls\.sh .*--add --allow-principal/ : /kafka-configs\.sh .*--entity-type users/,
        );
      },
      { env: testEnv() },
    );
  });
});
