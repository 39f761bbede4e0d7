// drSetup's guards on the real local stack (Temporal dev server, Kafka Connect, the Alibaba Cloud emulator):
// no silent reversal of a failover, and inline configs only as far as the worker admits them. Each refusal
// is audited and leaves the CNAME, the connectors and the clusters untouched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createCloudClients } from '../../../src/cloud';
import { customDomain, type PairConfigInput } from '../../../src/config';
import { KafkaConnectProvider } from '../../../src/connectors/kafka-connect';
import { local } from '../../../stack/local-stack';
import { drSetup } from '../../../workflows';
import { resolveSignal, statusQuery, type RunReport } from '../../../workflows/definitions';
import {
  blockedStep,
  kafkaPair,
  removeMirror,
  status,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

const alidns = () => createCloudClients(testEnv()).alidns();

async function cnameOf(pair: PairConfigInput): Promise<string | undefined> {
  const records = await alidns().listSubDomainRecords({
    subDomain: `${pair.dns.rr}.${pair.dns.domain}`,
    domainName: pair.dns.domain,
  });
  return records.find((r) => r.Type === 'CNAME')?.Value;
}

async function failure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(
    err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure,
    `expected the run to fail, got ${String(err)}`,
  );
  return err.cause;
}

describe('drSetup guards', () => {
  before(() => temporal());
  after(closeTemporal);

  test('after a failover (CNAME on the secondary) drSetup blocks, audits, and changes nothing', async () => {
    const name = uniqueName('sec-rev');
    const pair = kafkaPair(name, [`${name}-t`]);
    // The state a completed failover leaves: the custom domain points at the secondary.
    await alidns().addDomainRecord(pair.dns.domain, {
      rr: pair.dns.rr,
      type: 'CNAME',
      value: pair.secondary.endpointHost,
      ttl: pair.dns.ttl,
    });
    await withKdrWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config: pair }],
      });
      const blocked = await blockedStep(handle, 60_000);
      assert.equal(blocked.name, 'not-failed-over');
      assert.match(blocked.lastError ?? '', /this pair has failed over; use failback/);
      const s = await status(handle);
      assert.ok(
        s.audit.some((a) => a.action === 'refuse' && !a.accepted && /has failed over/.test(a.note ?? '')),
        'the refusal is audited',
      );
      for (const later of ['preflight', 'ensure-connector', 'ensure-cname']) {
        assert.equal(s.steps.find((x) => x.name === later)?.state, 'pending', `${later} never ran`);
      }
      // retry re-checks and blocks again: the guard cannot be retried past.
      await handle.signal(resolveSignal, { action: 'retry', by: 'alice' });
      await eventually(
        () => handle.query(statusQuery),
        (x) => x.phase === 'blocked' && x.steps.find((y) => y.name === 'not-failed-over')?.attempts === 2,
        'the retry to block again',
        60_000,
      );
      await handle.signal(resolveSignal, { action: 'abort', by: 'alice', note: 'failed over: use failback' });
      const cause = await failure(handle);
      assert.equal(cause.type, 'Aborted');
    });
    assert.equal(
      await cnameOf(pair),
      pair.secondary.endpointHost,
      `${customDomain(pair as never)} still points at the secondary`,
    );
    const connector = await new KafkaConnectProvider({ url: local.connectUrl }).state({
      pair: name,
      primary: { bootstrapServers: [] },
      secondary: { bootstrapServers: [] },
      topics: [`${name}-t`],
    });
    assert.equal(connector.state, 'absent', 'no connector was created');
  });

  test('a failback not finished (the CNAME back on the primary, a reverse replication still there) blocks drSetup too', async () => {
    const name = uniqueName('sec-fb');
    const pair = kafkaPair(name, [`${name}-t`]);
    await alidns().addDomainRecord(pair.dns.domain, {
      rr: pair.dns.rr,
      type: 'CNAME',
      value: pair.primary.endpointHost,
      ttl: pair.dns.ttl,
    });
    // Reverse connectors as drFailback leaves them until restore-forward removes them (here replicating a topic
    // nobody has: nothing flows).
    const connect = new KafkaConnectProvider({ url: local.connectUrl });
    const reverse = {
      pair: `${name}_reverse`,
      primary: { bootstrapServers: [local.secondaryBootstrap] },
      secondary: { bootstrapServers: [local.primaryBootstrap] },
      topics: [`${name}-none`],
    };
    await connect.ensure(reverse);
    try {
      await withKdrWorker(async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: pair }],
        });
        const blocked = await blockedStep(handle, 60_000);
        assert.equal(blocked.name, 'not-failed-over');
        assert.match(blocked.lastError ?? '', /replicates in reverse .*a failback is not finished/);
        await handle.signal(resolveSignal, { action: 'abort', by: 'alice', note: 'finish the failback' });
        assert.equal((await failure(handle)).type, 'Aborted');
      });
      const forward = await connect.state({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [`${name}-t`],
      });
      assert.equal(forward.state, 'absent', 'no forward connector was created');
    } finally {
      await connect.remove(reverse);
    }
  });

  test('finding "resolve retry after a failover moves the CNAME back": a drSetup blocked at preflight, retried after the failover, blocks again before ensure-connector and ensure-cname', async () => {
    const name = uniqueName('sec-late');
    const topic = uniqueName('sec-late-t');
    const pair = kafkaPair(name, [topic]);
    const kafka = await openBoth();
    try {
      await withKdrWorker(async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: pair, watch: false }],
        });
        // Blocked after the start's failed-over check passed (the CNAME did not exist yet): the topic is missing.
        const blocked = await blockedStep(handle, 60_000);
        assert.equal(blocked.name, 'preflight');
        assert.equal((await status(handle)).steps.find((x) => x.name === 'not-failed-over')?.state, 'succeeded');
        // Meanwhile the pair fails over (the CNAME on the secondary) and the topic appears; someone retries the old run.
        await alidns().addDomainRecord(pair.dns.domain, {
          rr: pair.dns.rr,
          type: 'CNAME',
          value: pair.secondary.endpointHost,
          ttl: pair.dns.ttl,
        });
        await createTopic(kafka.primary, topic, 1);
        await handle.signal(resolveSignal, { action: 'retry', by: 'alice', note: 'topic created' });
        const again = await eventually(
          () => handle.query(statusQuery),
          (x) => x.phase === 'blocked' && x.steps.find((y) => y.name === 'preflight')?.state === 'succeeded',
          'the run to block after preflight',
          120_000,
        );
        const guard = again.steps.find((x) => x.state === 'blocked')!;
        assert.equal(guard.name, 'ensure-connector', 'blocked before replication is resumed in the wrong direction');
        assert.match(guard.lastError ?? '', /PairFailedOver: this pair has failed over; use failback/);
        assert.equal(again.steps.find((x) => x.name === 'ensure-cname')?.state, 'pending');
        assert.ok(
          again.audit.filter((a) => a.action === 'refuse' && !a.accepted).length >= 1,
          'the refusal is audited',
        );
        // retry again: blocks again, the CNAME stays on the secondary.
        await handle.signal(resolveSignal, { action: 'retry', by: 'alice' });
        await eventually(
          () => handle.query(statusQuery),
          (x) => x.phase === 'blocked' && (x.steps.find((y) => y.name === 'ensure-connector')?.attempts ?? 0) >= 2,
          'the second retry to block',
          60_000,
        );
        await handle.signal(resolveSignal, { action: 'abort', by: 'alice', note: 'failed over: use failback' });
        assert.equal((await failure(handle)).type, 'Aborted');
      });
      assert.equal(await cnameOf(pair), pair.secondary.endpointHost, 'the CNAME still points at the secondary');
      const connector = await new KafkaConnectProvider({ url: local.connectUrl }).state({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [topic],
      });
      assert.equal(connector.state, 'absent', 'no forward connector was created');
    } finally {
      await removeMirror(name).catch(() => undefined);
      await deleteTopics(kafka.primary, [topic]).catch(() => undefined);
      await deleteTopics(kafka.secondary, [topic]).catch(() => undefined);
      await kafka.close();
    }
  });

  test('inline configs: off unless the worker allows them; secret names need the prefix; hosts need the allow-list', async () => {
    const name = uniqueName('sec-inl');
    const sasl = {
      ...kafkaPair(name, [`${name}-t`]),
      primary: {
        provider: 'kafka' as const,
        bootstrapServers: ['10.66.0.1:9092'],
        endpointHost: 'primary.kdr.test',
        security: {
          protocol: 'SASL_PLAINTEXT' as const,
          mechanism: 'PLAIN' as const,
          usernameEnv: 'KDR_SECRET_U',
          passwordEnv: 'DATABASE_PASSWORD',
        },
      },
    };
    const cases: [string, NodeJS.ProcessEnv, PairConfigInput, RegExp[]][] = [
      [
        'inline configs off',
        { KDR_ALLOW_INLINE_CONFIG: '' },
        kafkaPair(name, [`${name}-t`]),
        [/inline pair configs are off on this worker/],
      ],
      [
        'a foreign host and a secret without the prefix',
        {},
        sasl,
        [
          /config\.primary\.bootstrapServers\[0\]: host 10\.66\.0\.1 is not on the worker's allow-list/,
          /config\.primary\.security\.passwordEnv: DATABASE_PASSWORD does not start with KDR_SECRET_/,
        ],
      ],
      [
        'a pair of the pairs file replaced inline',
        {},
        kafkaPair('local-kafka', ['orders']),
        [/pair "local-kafka" is defined in the worker's pairs file/],
      ],
    ];
    for (const [what, env, config, reasons] of cases) {
      await withKdrWorker(
        async ({ client, taskQueue }) => {
          const handle = await client.workflow.start(drSetup, {
            taskQueue,
            workflowId: uniqueName('drSetup'),
            args: [{ config }],
          });
          const cause = await failure(handle);
          assert.equal(cause.type, 'Refused', what);
          for (const r of reasons) assert.match(cause.message, r, what);
          const report = cause.details?.[0] as RunReport;
          assert.ok(
            report.audit.some((a) => a.action === 'refuse' && !a.accepted),
            `${what}: audited`,
          );
          assert.equal(
            report.steps.find((s) => s.name === 'preflight')?.state,
            'pending',
            `${what}: the worker never connected anywhere`,
          );
        },
        { env: testEnv(env) },
      );
    }
  });

  test("naming one of the worker's own variables (its AccessKey secret) is refused at input validation", async () => {
    const name = uniqueName('sec-ak');
    const config = {
      ...kafkaPair(name, [`${name}-t`]),
      primary: {
        provider: 'kafka',
        bootstrapServers: ['127.0.0.1:19092'],
        endpointHost: 'primary.kdr.test',
        security: {
          protocol: 'SASL_PLAINTEXT',
          mechanism: 'PLAIN',
          usernameEnv: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
          passwordEnv: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
        },
      },
    };
    await withKdrWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config }],
      });
      const cause = await failure(handle);
      assert.equal(cause.type, 'InvalidInput');
      assert.match(
        cause.message,
        /config\.primary\.security\.passwordEnv: names a variable the worker keeps for itself/,
      );
      assert.match(
        cause.message,
        /config\.primary\.security\.usernameEnv: names a variable the worker keeps for itself/,
      );
      assert.doesNotMatch(cause.message, new RegExp(local.accessKeySecret));
    });
  });
});
