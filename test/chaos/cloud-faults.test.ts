// During a regional incident the cloud APIs are degraded too. With 30% of every Alibaba Cloud call (alikafka,
// alidns, EventBridge) failing transiently (throttling, 503, 500), drSetup and a planned drFailover of an ApsaraMQ
// pair must finish on their own: no step ever blocks, no operator intervenes. `npm test` runs the short version
// (the failover under faults); `npm run chaos` (KDR_CHAOS=full) adds 300 ms to every call, runs drSetup under the
// faults too, and a 30 s burst where every call fails. Prints one line of figures per scenario.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { drFailover, drSetup } from '../../workflows';
import { approveSignal, planQuery } from '../../workflows/definitions';
import { EventBridgeProvider } from '../../src/connectors/eventbridge';
import { createCloudClients } from '../../src/cloud';
import { createTopic, deleteTopics, openBoth } from '../../stack/harness/kafka';
import { apsaramqPair, status, testEnv, uniqueName, withKdrWorker } from '../../stack/harness/kdr';
import { cloudEnvFor, startTestEmulator, type TestEmulator } from '../../stack/harness/emulator';
import { closeTemporal, eventually, temporal } from '../../stack/harness/temporal';
import type { WorkflowHandle } from '@temporalio/client';

/** Follows a run to its end, counting the times it stood blocked (each would need an operator). */
async function followUnattended(
  handle: WorkflowHandle,
  boundMs: number,
): Promise<{ blocked: string[]; outcome: string }> {
  const blocked: string[] = [];
  const until = Date.now() + boundMs;
  for (;;) {
    const s = await status(handle).catch(() => undefined);
    if (s?.phase === 'blocked') {
      const step = s.steps.find((x) => x.state === 'blocked');
      blocked.push(`${step?.name}: ${step?.lastError ?? '?'}`);
      await handle.terminate('blocked under transient faults: the test counts that as a failure');
      return { blocked, outcome: 'blocked' };
    }
    if (s && ['completed', 'aborted', 'rejected'].includes(s.phase)) return { blocked, outcome: s.phase };
    if (Date.now() > until) throw new Error(`run did not end within ${boundMs} ms (phase ${s?.phase})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('transient cloud API faults never need an operator', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  let emu: TestEmulator;
  const name = uniqueName('chaos');
  const topic = `${name}-orders`;

  before(async () => {
    await temporal();
    kafka = await openBoth();
    emu = await startTestEmulator({ dnsPort: 0 });
    await createTopic(kafka.primary, topic, 3);
  });
  after(async () => {
    await emu.clearFaults().catch(() => undefined);
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'))
      .remove({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [topic, `${name}-canary`],
      })
      .catch(() => undefined);
    await emu.close();
    await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
    await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  const full = process.env.KDR_CHAOS === 'full';
  const faults = {
    action: '*',
    errorRate: 0.3,
    latencyMs: full ? 300 : 0,
    codes: ['Throttling.User', 'ServiceUnavailable', 'InternalError'],
  };

  test(`30% of cloud calls fail (throttling, 503, 500)${full ? ' with 300 ms latency and a 30 s burst of 100%' : ''}: drSetup and a planned drFailover complete unattended`, async () => {
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    const config = apsaramqPair(name, [topic]);
    config.dns = { ...config.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof config.dns;
    if (full) await emu.setFaults(faults);
    const started = Date.now();
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config, watch: false }],
        });
        const s = await followUnattended(setup, 600_000);
        assert.deepEqual(s.blocked, [], `drSetup needed an operator: ${s.blocked.join('; ')}`);
        assert.equal(s.outcome, 'completed');
        const setupS = (Date.now() - started) / 1000;
        await emu.setFaults(faults);
        if (full) {
          // A burst: every call fails for 30 s, then back to 30%.
          await emu.setFaults({ ...faults, errorRate: 1 });
          setTimeout(() => {
            void emu.setFaults(faults).catch(() => undefined);
          }, 30_000);
        }
        const failoverStarted = Date.now();

        const failover = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '2s', guard: 0 } }],
        });
        const view = await eventually(
          () => failover.query(planQuery),
          (p) => p !== null,
          'the plan',
          300_000,
        );
        await failover.signal(approveSignal, { by: 'bob', planId: view!.planId });
        const f = await followUnattended(failover, 600_000);
        assert.deepEqual(f.blocked, [], `drFailover needed an operator: ${f.blocked.join('; ')}`);
        assert.equal(f.outcome, 'completed');
        console.log(
          `# chaos cloud-faults ${full ? '30% + 300 ms + 30 s burst of 100% (setup under faults too)' : '30% (failover under faults)'}: ` +
            `2/2 runs completed, 0 interventions; drSetup ${setupS.toFixed(0)} s, drFailover ${((Date.now() - failoverStarted) / 1000).toFixed(0)} s`,
        );
      },
      { env },
    );
  });
});
