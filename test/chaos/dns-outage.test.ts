// The DNS resolvers of the pair stop answering during the switch verification (packets dropped, as behind a
// broken network path). The CNAME change itself goes through Alibaba Cloud DNS's API; only the check that
// clients will follow it cannot be made. The run must block on that step with the cause (which resolver, what
// error) and what to do, change nothing twice, and finish with `resolve retry` once the resolvers answer again.
// Runs with `npm run chaos` (KDR_CHAOS=full): the verification gives the resolvers about two minutes first.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { drFailover, drSetup } from '../../workflows';
import { approveSignal, planQuery, resolveSignal } from '../../workflows/definitions';
import { cloudEnvFor, startTestEmulator, type TestEmulator } from '../../stack/harness/emulator';
import { createTopic, deleteTopics, openBoth } from '../../stack/harness/kafka';
import {
  blockedStep,
  execute,
  kafkaPair,
  removeMirror,
  runToEnd,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../stack/harness/temporal';

const full = process.env.KDR_CHAOS === 'full';

/** A UDP relay in front of a DNS server that can be told to drop everything (the resolver "unreachable"). */
async function dnsRelay(upstreamPort: number): Promise<{ address: string; up: boolean; close(): void }> {
  const front = dgram.createSocket('udp4');
  const relay = { address: '', up: true, close: () => front.close() };
  front.on('message', (msg, client) => {
    if (!relay.up) return;
    const back = dgram.createSocket('udp4');
    back.on('message', (answer) => {
      front.send(answer, client.port, client.address);
      back.close();
    });
    back.send(msg, upstreamPort, '127.0.0.1');
    setTimeout(() => {
      try {
        back.close();
      } catch {
        /* already closed */
      }
    }, 5_000);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  relay.address = `127.0.0.1:${front.address().port}`;
  return relay;
}

describe(
  'DNS resolvers unreachable during the switch verification',
  { skip: !full && 'npm run chaos only (about 3 minutes)' },
  () => {
    let kafka: Awaited<ReturnType<typeof openBoth>>;
    let emu: TestEmulator;
    let relay: Awaited<ReturnType<typeof dnsRelay>>;
    const calls: string[] = [];
    const name = uniqueName('dnso');
    const topic = `${name}-orders`;

    before(async () => {
      await temporal();
      kafka = await openBoth();
      emu = await startTestEmulator({ log: (line) => calls.push(line) });
      relay = await dnsRelay(emu.emulator.dnsPort!);
      await createTopic(kafka.primary, topic, 1);
    });
    after(async () => {
      relay.close();
      await removeMirror(name).catch(() => undefined);
      await emu.close();
      await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
      await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
      await kafka.close();
      await closeTemporal();
    });

    test('the run blocks at switch-cname naming the resolver and its error, and resolve retry finishes it once they answer', async () => {
      const env = testEnv(cloudEnvFor(emu.emulator.url));
      const config = kafkaPair(name, [topic]);
      config.dns = { ...config.dns, resolvers: [relay.address] } as typeof config.dns;
      await withKdrWorker(
        async ({ client, taskQueue }) => {
          await execute(client, drSetup, {
            taskQueue,
            workflowId: uniqueName('drSetup'),
            args: [{ config, watch: false }],
          });
          const updates = () => calls.filter((l) => /alidns UpdateDomainRecord -> 200/.test(l)).length;
          const before = updates();
          const handle = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'alice', drain: false, switchover: { guard: 0 } }],
          });
          const view = await eventually(
            () => handle.query(planQuery),
            (p) => p !== null,
            'the plan',
            120_000,
          );
          relay.up = false;
          const started = Date.now();
          await handle.signal(approveSignal, { by: 'bob', planId: view!.planId });
          const blocked = await blockedStep(handle, 600_000);
          const blockedAfter = (Date.now() - started) / 1000;
          assert.equal(blocked.name, 'switch-cname');
          assert.match(blocked.lastError ?? '', /DnsNotPropagated/);
          assert.match(
            blocked.lastError ?? '',
            new RegExp(`${relay.address.replace(/\./g, '\\.')}: (ETIMEOUT|ECONNREFUSED|ESERVFAIL)`),
            'names the resolver and its error',
          );
          assert.match(blocked.lastError ?? '', /resolve retry/, 'says what to do');
          relay.up = true;
          await handle.signal(resolveSignal, { action: 'retry', by: 'bob', note: 'resolvers reachable again' });
          const result = await runToEnd(handle);
          assert.equal(result.outcome, 'completed');
          if (result.dryRun) throw new Error('not a dry run');
          assert.equal(result.cname.after, 'secondary.kdr.test');
          console.log(
            `# DNS resolvers unreachable during switch verification: blocked at switch-cname after ${blockedAfter.toFixed(0)} s ` +
              `(DnsNotPropagated, resolver named), 1 operator intervention (resolve retry once they answered), completed; CNAME updates ${updates() - before}`,
          );
          assert.equal(updates() - before, 1, 'the CNAME was updated once, not again on the retry');
        },
        { env },
      );
    });
  },
);
