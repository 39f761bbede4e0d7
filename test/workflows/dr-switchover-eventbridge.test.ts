// A planned switchover of the seed's own setup (two ApsaraMQ instances, EventBridge event streams) with the
// applications running through the custom domain, on whatever data plane the local emulator runs (the stack's
// default re-produces records: other partitions, append times, no headers). The drain must prove replication
// complete under that profile, and the final plan must not start any group past a record the restarted producers
// wrote on the secondary between the last copies. Counted from the applications' own records: 0 lost, re-reads
// within the applied plan's bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCloudClients } from '../../src/cloud';
import { EventBridgeProvider } from '../../src/connectors/eventbridge';
import { planQuery } from '../../workflows/definitions';
import { drFailover, drSetup } from '../../workflows';
import type { FailoverPlan } from '../../workflows/plan-view';
import { createTopic, deleteTopics, openBoth } from '../helpers/kafka';
import { apsaramqPair, approveAll, execute, runToEnd, status, testEnv, uniqueName, withKdrWorker } from '../helpers/kdr';
import { closeTemporal, eventually, temporal } from '../helpers/temporal';
import { Consuming, readValues, RetryingProducer, tally, viaDomain, waitCaughtUp } from '../helpers/traffic';

describe('planned switchover of an EventBridge pair with running applications', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  test('drain proves replication by identity under the measured profile; 0 lost, re-reads within the applied plan\'s bound', async () => {
    const env = testEnv();
    const name = uniqueName('swe');
    const topic = `${name}-orders`;
    const domain = `${name}.kdr.test`;
    const config = apsaramqPair(name, [topic]);
    const kafka = await openBoth();
    cleanups.push(() => kafka.close(),
      () => new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'))
        .remove({ pair: name, primary: { bootstrapServers: [] }, secondary: { bootstrapServers: [] }, topics: [topic, `${name}-canary`] }),
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]), () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]));
    await createTopic(kafka.primary, topic, 3);

    await withKdrWorker(async ({ client, taskQueue }) => {
      const setup = await execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config }] });
      assert.equal(setup.outcome, 'completed');
      // 150 records/s through the domain; billing keeps up, ledger lags; both commit every 5 s.
      const onPrimary = await RetryingProducer.start(viaDomain(domain, 'orders-service').kafka, topic, 150);
      const groups = [`${name}-billing`, `${name}-ledger`];
      const first = await Promise.all(groups.map((g, i) => Consuming.start(viaDomain(domain, g).kafka, g, topic, { delayMs: i === 1 ? 9 : 0, commitEveryMs: 5000 })));
      await new Promise((r) => setTimeout(r, 8000));

      const handle = await client.workflow.start(drFailover, {
        taskQueue, workflowId: uniqueName('drFailover'),
        args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '4s', timeout: '5m', guard: '8s' } }],
      });
      const approvals = approveAll(handle, 'bob');
      cleanups.push(async () => approvals.stop());
      await eventually(() => status(handle), (s) => s.phase === 'drain' || s.phase === 'blocked', 'the drain step', 180_000);
      assert.equal((await status(handle)).phase, 'drain', JSON.stringify((await status(handle)).steps.find((s) => s.state === 'blocked')));
      // The producers restart at once (to the secondary) while the streams still copy the primary's last records:
      // both write to the same secondary partitions, interleaved.
      await onPrimary.stop();
      const onSecondary = await RetryingProducer.start(viaDomain(domain, 'orders-service-restarted').kafka, topic, 150, 1_000_000);
      await new Promise((r) => setTimeout(r, 1500));
      await Promise.all(first.map((c) => c.stop()));

      await eventually(() => status(handle), (s) => ['guard', 'verify', 'completed', 'blocked'].includes(s.phase), 'the final plan to be applied', 300_000);
      assert.notEqual((await status(handle)).phase, 'blocked', JSON.stringify((await status(handle)).steps.find((s) => s.state === 'blocked')));
      const second = await Promise.all(groups.map((g) => Consuming.start(viaDomain(domain, `${g}-restarted`).kafka, g, topic, { fromBeginning: false, commitEveryMs: 5000 })));
      const result = await runToEnd(handle, 300_000);
      assert.equal(result.outcome, 'completed');
      if (result.dryRun) throw new Error('not a dry run');
      assert.equal(result.mode, 'switchover');
      const drain = result.steps.find((s) => s.name === 'drain')!;
      assert.equal(drain.state, 'succeeded');
      const applied = (await handle.query(planQuery))!.plan as FailoverPlan;
      assert.equal(applied.fidelity?.measured, true, 'the plan relied on a measured profile');
      // The forward watch drSetup started is stopped once the CNAME has moved.
      await eventually(() => client.workflow.getHandle(`kdr-watch-${name}`).describe(), (d) => d.status.name !== 'RUNNING', 'the forward watch to stop', 60_000);
      if (!applied.fidelity?.partitionPreserved) {
        for (const g of applied.groups) for (const [, , , source] of g.offsets) assert.notEqual(source, 'matched', `${g.group}: no exact match under ${applied.fidelity?.description}`);
      }

      await new Promise((r) => setTimeout(r, 3000));
      await onSecondary.stop();
      for (const g of groups) await waitCaughtUp(kafka.secondary, g, topic);
      await Promise.all(second.map((c) => c.stop()));

      const onSecondaryLog = await readValues(kafka.secondary, topic);
      const missing = [...onPrimary.acked].filter((v) => !onSecondaryLog.has(v));
      assert.equal(missing.length, 0, `${missing.length} records acknowledged by the primary never reached the secondary`);
      const acked = new Set([...onPrimary.acked, ...onSecondary.acked]);
      for (const [i, g] of groups.entries()) {
        const t = tally(acked, [first[i], second[i]], new Set([...onPrimary.resent, ...onSecondary.resent]));
        const bound = applied.groups.find((x) => x.group === g)!.duplicateBound;
        console.log(`# eventbridge switchover ${g}: ${acked.size} acknowledged, ${t.processed} processed, lost ${t.lost.length}, re-delivered ${t.redelivered} ` +
          `(bound ${bound}); approvals ${approvals.approved.length}; sources ${JSON.stringify(applied.totals.sources)}; ${applied.fidelity?.description}; drain: ${drain.summary}`);
        assert.equal(t.lost.length, 0, `${g}: lost ${t.lost.slice(0, 10).join(', ')}`);
        assert.ok(t.redelivered <= bound, `${g}: ${t.redelivered} re-delivered, above the stated bound ${bound}`);
      }
    }, { env });
  });
});
