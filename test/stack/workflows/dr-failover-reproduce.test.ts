// drFailover on an EventBridge pair whose event streams re-produce records (the emulator's `reproduce` data
// plane: keyed records moved to the key's murmur2 partition, null keys spread, append time instead of the
// record's timestamp; headers carried, as kafka-dr's streams map them). The canary measures that profile, the plan may then use only group-wide
// times, and every group resumes on the secondary without losing a record it had not processed, re-reading no
// more than the plan's stated bound. Counted from the records themselves: numbered values, each group's
// position on the primary, and what each group reads on the secondary from where the run put it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { drFailover, drSetup } from '../../../workflows';
import { approveSignal, planQuery } from '../../../workflows/definitions';
import type { FailoverPlan } from '../../../src/plan/model';
import { setManyGroupOffsets, committedOffsets } from '../../../src/kafka/admin';
import { readRange } from '../../../src/kafka/protocol';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { apsaramqPair, execute, runToEnd, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { cloudEnvFor, startTestEmulator, type TestEmulator } from '../../../stack/harness/emulator';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { dataPlaneFromEnv } from '../../../stack/emulator/data-plane';

const PARTITIONS = 3;
/** The reproduce plane's switches (default: nothing but key and value kept); KDR_EMULATOR_EVENTBRIDGE_KEEP_* change them. */
const keeps = dataPlaneFromEnv(process.env).fidelity;
/** Per-partition sources are allowed only when partitions (and, with them, order) are kept. */
const allowedSources = keeps.keepPartition
  ? ['primary-timestamp', 'group-timestamp', 'operator-timestamp', 'earliest']
  : ['group-timestamp', 'operator-timestamp', 'earliest'];
const BATCHES = 3;
const PER_BATCH = 60;

describe('drFailover on an EventBridge pair that re-produces records', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  let emu: TestEmulator;
  const name = uniqueName('fr');
  const topic = `${name}-orders`;
  const groups = [`${name}-billing`, `${name}-ledger`, `${name}-audit`];
  const cleanups: (() => Promise<unknown>)[] = [];
  /** value -> [primary partition, primary offset] */
  const written = new Map<string, [number, number]>();
  /** group -> committed offset per primary partition */
  const positions = new Map<string, number[]>();
  const batchStarts: number[] = [];

  before(async () => {
    await temporal();
    kafka = await openBoth();
    emu = await startTestEmulator({ dnsPort: 0, eventBridgeDataPlane: { mode: 'reproduce', fidelity: keeps } });
    cleanups.push(() => emu.close());
    await createTopic(kafka.primary, topic, PARTITIONS);
    cleanups.push(
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
  });

  /** Real traffic while the streams run: three batches 1.5 s apart, keyed (hot keys) and null-keyed, on chosen partitions. */
  async function produceAndConsume(): Promise<void> {
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    const ends = [0, 0, 0];
    const atBatch: number[][] = [];
    for (let b = 0; b < BATCHES; b++) {
      batchStarts.push(Date.now());
      for (let i = 0; i < PER_BATCH; i++) {
        const n = b * PER_BATCH + i;
        const partition = n % PARTITIONS;
        const value = `order-${n}`;
        await producer.send({
          topic,
          acks: -1,
          messages: [
            { partition, key: n % 3 === 0 ? null : `customer-${n % 7}`, value, headers: { trace: String(n) } },
          ],
        });
        written.set(value, [partition, ends[partition]++]);
      }
      atBatch.push([...ends]);
      await new Promise((r) => setTimeout(r, 1500));
    }
    await producer.disconnect();
    // billing processed the first batch, ledger half of the second on one partition and all of it elsewhere,
    // audit everything.
    positions.set(groups[0], atBatch[0]);
    positions.set(groups[1], [atBatch[0][0] + 10, atBatch[1][1], atBatch[1][2]]);
    positions.set(groups[2], atBatch[2]);
    await setManyGroupOffsets(
      kafka.primary,
      groups.map((group) => ({
        group,
        offsets: positions.get(group)!.map((offset, partition) => ({ topic, partition, offset })),
      })),
    );
  }

  /** What each group reads on the secondary from where the run put it, against what it had not processed. */
  async function countEveryGroup(applied: FailoverPlan, run: string): Promise<void> {
    // What each group reads on the secondary from where the run put it, against what it had not processed.
    const secondaryLog = (
      await Promise.all(
        Array.from({ length: PARTITIONS }, (_, p) => readRange(kafka.secondary.protocol, topic, p, 0, 1e9)),
      )
    ).flat();
    for (const group of groups) {
      const at = await committedOffsets(
        kafka.secondary,
        group,
        Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })),
      );
      const target = new Map(at.map((o) => [o.partition, o.offset]));
      const reads = secondaryLog
        .filter((r) => r.offset >= (target.get(r.partition) ?? 0))
        .map((r) => r.value!.toString());
      const pos = positions.get(group)!;
      const unprocessed = [...written].filter(([, [p, o]]) => o >= pos[p]).map(([v]) => v);
      const readSet = new Set(reads);
      const lost = unprocessed.filter((v) => !readSet.has(v));
      const reread = reads.filter((v) => {
        const [p, o] = written.get(v)!;
        return o < pos[p];
      }).length;
      const bound = applied.groups.find((x) => x.group === group)!.duplicateBound;
      console.log(
        `# reproduce ${run} ${group}: ${unprocessed.length} unprocessed, lost ${lost.length}, re-read ${reread} (bound ${bound}); sources ${JSON.stringify(applied.totals.sources)}`,
      );
      assert.equal(lost.length, 0, `${group}: lost ${lost.slice(0, 10).join(', ')}`);
      assert.ok(reread <= bound, `${group}: ${reread} re-read, above the stated bound ${bound}`);
    }
  }

  after(async () => {
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    await new EventBridgeProvider(
      (await import('../../../src/cloud')).createCloudClients(env).eventbridge('cn-shanghai'),
    )
      .remove({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [topic, `${name}-canary`],
      })
      .catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('drill: the plan uses only the sources the measured profile allows; 0 lost per group, re-reads within the bound', async () => {
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    const config = apsaramqPair(name, [topic]);
    config.dns = { ...config.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof config.dns;
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config }],
        });
        assert.equal(setup.outcome, 'completed');
        const f = setup.verify.fidelity;
        // Headers arrive whatever keepHeaders says: kafka-dr's streams map them (SinkKafkaParameters.Headers).
        assert.deepEqual(
          [f.measured, f.partitionPreserved, f.timestampPreserved, f.headersPreserved, f.keyValueIdentical],
          [true, keeps.keepPartition, keeps.keepTimestamp, true, true],
          `drSetup measured the re-producing stream: ${setup.verify.fidelitySummary}`,
        );
        await produceAndConsume();
        // Every record is on the secondary before the drill (the plan is made from what has been replicated).
        await eventually(
          async () =>
            (
              await Promise.all(
                Array.from({ length: PARTITIONS }, (_, p) => readRange(kafka.secondary.protocol, topic, p, 0, 1e9)),
              )
            ).flat().length,
          (n) => n >= written.size,
          'every record replicated',
          60_000,
        );

        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', drain: false, switchover: { guard: 0 } }],
        });
        const view = await eventually(
          () => handle.query(planQuery),
          (p) => p !== null,
          'the plan',
          180_000,
        );
        const plan = view!.plan as FailoverPlan;
        await handle.signal(approveSignal, { by: 'bob', planId: view!.planId });
        const result = await runToEnd(handle, 300_000);
        assert.equal(result.outcome, 'completed');
        const applied = (await handle.query(planQuery))!.plan as FailoverPlan;
        assert.equal(
          applied.fidelity?.partitionPreserved,
          keeps.keepPartition,
          `the plan states the profile it relied on: ${applied.fidelity?.description}`,
        );
        for (const g of applied.groups.filter((x) => groups.includes(x.group))) {
          for (const [, , , source] of g.offsets) {
            assert.ok(
              allowedSources.includes(source),
              `${g.group}: source ${source} not allowed under ${applied.fidelity?.description}`,
            );
          }
        }
        void plan;

        await countEveryGroup(applied, 'drill');
      },
      { env },
    );
  });

  test('outage (the primary does not answer): only the operator time or the log start; 0 lost per group, re-reads within the bound', async () => {
    // The drill above moved the CNAME to the secondary: put it back, as drSetup does after a failback.
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    const base = apsaramqPair(name, [topic]);
    const dns = { ...base.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof base.dns;
    // The worker cannot reach the primary's brokers (nothing listens there); the streams keep their own path.
    const config = { ...base, dns, primary: { ...base.primary!, bootstrapServers: ['127.0.0.1:1'] } };
    // ApsaraMQ keeps the groups declared on the secondary instance: the plan finds them without the primary.
    for (const g of groups) {
      await emu.clients
        .alikafka('cn-shanghai')
        .createConsumerGroup({ instanceId: base.secondary!.instanceId!, consumerId: g, remark: 'kdr-test' })
        .catch(() => undefined);
    }
    const records = await emu.clients
      .alidns()
      .listSubDomainRecords({ subDomain: `${name}.kdr.test`, domainName: 'kdr.test', type: 'CNAME' });
    for (const r of records) {
      await emu.clients.alidns().updateDomainRecord(r.RecordId, {
        rr: name,
        type: 'CNAME',
        value: base.primary!.endpointHost!,
        ttl: r.TTL,
        line: r.Line,
      });
    }
    // The operator's statement: every group had processed everything written before the second batch.
    const operatorTimestamp = batchStarts[1];
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [
            { config, requestedBy: 'alice', groups, translation: { operatorTimestamp }, switchover: { guard: 0 } },
          ],
        });
        const view = await eventually(
          () => handle.query(planQuery),
          (p) => p !== null,
          'the plan',
          180_000,
        );
        await handle.signal(approveSignal, { by: 'bob', planId: view!.planId });
        const result = await runToEnd(handle, 300_000);
        assert.equal(result.outcome, 'completed');
        const applied = (await handle.query(planQuery))!.plan as FailoverPlan;
        assert.equal(applied.primaryReachable, false);
        // The latency the margin covers comes from the newest canary run on the secondary (append times), not the 30 s threshold.
        assert.ok(
          applied.latencyMs < 30_000,
          `latency ${applied.latencyMs} ms: measured on the secondary's canary runs`,
        );
        assert.equal(applied.fidelity?.measured, true, 'the profile was read from the canary runs on the secondary');
        assert.equal(applied.fidelity?.partitionPreserved, keeps.keepPartition);
        for (const g of applied.groups.filter((x) => groups.includes(x.group))) {
          // drSetup started drWatch, whose snapshots date the groups without the primary (group-wide, or per partition
          // when the stream keeps partitions); otherwise only the operator's time or the log start remain.
          const outageSources = [
            'group-timestamp',
            'operator-timestamp',
            'earliest',
            ...(keeps.keepPartition ? ['snapshot'] : []),
          ];
          for (const [, , , source] of g.offsets) assert.ok(outageSources.includes(source), `${g.group}: ${source}`);
        }
        await countEveryGroup(applied, 'outage');
      },
      { env },
    );
  });
});
