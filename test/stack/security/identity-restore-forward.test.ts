// Finding "drFailback stages [switch-back] with the CNAME on the primary runs restore-forward with no approval":
// restore-forward removes the reverse replication and stops the forward connector, rewrites its offsets and
// resumes it. Without a switch-back approved in the same run it now waits for an approval of a sealed
// restore-forward plan under the pair's policy (self-approval refused, a reject ends the run, nothing changed).
// Real dev server, worker, Kafka Connect and the DNS emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createCloudClients } from '../../../src/cloud';
import { KafkaConnectProvider } from '../../../src/connectors/kafka-connect';
import { local } from '../../../stack/local-stack';
import { drFailback } from '../../../workflows';
import { approveSignal, planQuery, rejectSignal, statusQuery } from '../../../workflows/definitions';
import { isFailbackPlan } from '../../../workflows/failback-plan';
import { kafkaPair, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, currentDetails, eventually, temporal } from '../../../stack/harness/temporal';

describe('identity: restore-forward needs an approval', () => {
  before(() => temporal());
  after(closeTemporal);

  test('finding "restore-forward with no approval": stages [switch-back] with the CNAME on the primary waits for an approval; self-approval refused, reject changes nothing', async () => {
    const name = uniqueName('sec-rf');
    const topic = `${name}-t`;
    const pair = kafkaPair(name, [topic]);
    const kafka = await openBoth();
    const connect = new KafkaConnectProvider({ url: local.connectUrl });
    // The state a switch-back whose run ended after the CNAME moved leaves: CNAME on the primary, reverse connectors still there.
    const reverse = {
      pair: `${name}_reverse`,
      primary: { bootstrapServers: [local.secondaryBootstrap] },
      secondary: { bootstrapServers: [local.primaryBootstrap] },
      topics: [`${name}-none`],
    };
    const forward = {
      pair: name,
      primary: { bootstrapServers: [] },
      secondary: { bootstrapServers: [] },
      topics: [topic],
    };
    try {
      await createTopic(kafka.primary, topic, 1);
      await createCloudClients(testEnv()).alidns().addDomainRecord(pair.dns.domain, {
        rr: pair.dns.rr,
        type: 'CNAME',
        value: pair.primary.endpointHost,
        ttl: pair.dns.ttl,
      });
      await connect.ensure(reverse);
      await withKdrWorker(async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: uniqueName('dr-failback'),
          args: [{ config: pair, requestedBy: 'alice', stages: ['switch-back'] }],
        });
        const waiting = await eventually(
          () => handle.query(statusQuery),
          (s) => s.phase === 'awaiting-approval' || s.phase === 'blocked' || s.phase === 'completed',
          'the restore-forward approval',
          90_000,
        );
        assert.equal(
          waiting.phase,
          'awaiting-approval',
          JSON.stringify(waiting.steps.map((s) => [s.name, s.state, s.lastError])),
        );
        assert.equal(waiting.steps.find((s) => s.name === 'restore-approval')?.state, 'running');
        assert.equal(
          waiting.steps.find((s) => s.name === 'restore-forward')?.state,
          'pending',
          'nothing restored before the approval',
        );
        const view = (await handle.query(planQuery))!;
        assert.ok(isFailbackPlan(view.plan) && view.plan.restore, 'a sealed restore-forward plan');
        assert.match(view.plan.restore.reverse, new RegExp(`${name}_reverse`));
        assert.match(await currentDetails(handle), /Restore-forward plan `[0-9a-f]{32}`/);

        await handle.signal(approveSignal, { by: 'alice', planId: view.planId });
        const refused = await eventually(
          () => handle.query(statusQuery),
          (s) => s.audit.some((a) => a.action === 'approve'),
          'the verdict',
        );
        const verdict = refused.audit.find((a) => a.action === 'approve')!;
        assert.equal(verdict.accepted, false);
        assert.match(verdict.reason ?? '', /alice requested this run and may not approve it/);

        await handle.signal(rejectSignal, { by: 'bob', reason: 'not now' });
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
        assert.equal(err.cause.type, 'Rejected');
      });
      assert.notEqual((await connect.state(reverse)).state, 'absent', 'the reverse replication is still there');
      assert.equal((await connect.state(forward)).state, 'absent', 'no forward replication was started');
    } finally {
      await connect.remove(reverse).catch(() => undefined);
      await connect.remove(forward).catch(() => undefined);
      await deleteTopics(kafka.primary, [topic]).catch(() => undefined);
      await kafka.close();
    }
  });
});
