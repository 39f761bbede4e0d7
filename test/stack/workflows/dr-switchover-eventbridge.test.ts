// A planned switchover of the seed's own setup (two ApsaraMQ instances, EventBridge event streams) with the
// applications running through the custom domain, on whatever data plane the local emulator runs (the stack's
// default re-produces records: other partitions, append times, no headers). The drain must prove replication
// complete under that profile, and the final plan must not start any group past a record the restarted producers
// wrote on the secondary between the last copies. Counted from the applications' own records: 0 lost, re-reads
// within the applied plan's bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCloudClients } from '../../../src/cloud';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { drSetup } from '../../../workflows';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { apsaramqPair, execute, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { assertNothingLostWithinBound, switchoverWithRunningApps } from '../../helpers/switchover';

describe('planned switchover of an EventBridge pair with running applications', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  test("drain proves replication by identity under the measured profile; 0 lost, re-reads within the applied plan's bound", async () => {
    const env = testEnv();
    const name = uniqueName('swe');
    const topic = `${name}-orders`;
    const config = apsaramqPair(name, [topic]);
    const kafka = await openBoth();
    cleanups.push(
      () => kafka.close(),
      () =>
        new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai')).remove({
          pair: name,
          primary: { bootstrapServers: [] },
          secondary: { bootstrapServers: [] },
          topics: [topic, `${name}-canary`],
        }),
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    await createTopic(kafka.primary, topic, 3);

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config }],
        });
        assert.equal(setup.outcome, 'completed');
        const drill = await switchoverWithRunningApps(client, taskQueue, config, kafka.secondary, {
          label: 'eventbridge switchover',
          onStop: (stop) => cleanups.push(async () => stop()),
        });
        if (drill.result.dryRun) throw new Error('not a dry run');
        assert.equal(drill.result.mode, 'switchover');
        const drain = drill.result.steps.find((s) => s.name === 'drain')!;
        assert.equal(drain.state, 'succeeded');
        console.log(`# eventbridge switchover drain: ${drain.summary}`);
        assert.equal(drill.applied.fidelity?.measured, true, 'the plan relied on a measured profile');
        if (!drill.applied.fidelity?.partitionPreserved) {
          for (const g of drill.applied.groups)
            for (const [, , , source] of g.offsets)
              assert.notEqual(
                source,
                'matched',
                `${g.group}: no exact match under ${drill.applied.fidelity?.description}`,
              );
        }
        // The forward watch drSetup started is stopped once the CNAME has moved.
        await eventually(
          () => client.workflow.getHandle(`dr-watch-${name}`).describe(),
          (d) => d.status.name !== 'RUNNING',
          'the forward watch to stop',
          60_000,
        );
        assertNothingLostWithinBound(drill);
      },
      { env },
    );
  });
});
