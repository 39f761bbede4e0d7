// The automatic failover's probes against the real stack: the worker's Kafka probe (metadata, a canary record produced
// and read back), the cloud probe (GetInstanceList of an emulator whose primary instance is an own broker, so killing
// the broker turns the status to not serving), and the remote probe worker on its own task queue, reached through
// Temporal as drWatch reaches it. What decide() relies on: a primary that does not answer is `down`, a probe that
// cannot tell is `unknown`, never `down`. Own primaries on 127.0.0.48 (this file's loopback address).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { autoProbeActivities } from '../../../activities/auto-probes';
import { defaultDeps } from '../../../activities/deps';
import { classified } from '../../../activities/failures';
import { checkProbeWorker, createProbeWorker } from '../../../app/probe-worker';
import type { ProbeReading } from '../../../src/auto-failover/decide';
import { PairConfigSchema, type PairConfig, type PairConfigInput } from '../../../src/config';
import { openAdmin, type AdminSession } from '../../../src/kafka/admin';
import { lastCanaryRun } from '../../../src/kafka/canary';
import { createKafka } from '../../../src/kafka/clients';
import { registry } from '../../../src/metrics/kdr';
import { startTestEmulator, type TestEmulator } from '../../../stack/harness/emulator';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { apsaramqPair, kafkaPair, testEnv, uniqueName } from '../../../stack/harness/kdr';
import { startOwnPrimary, type OwnPrimary } from '../../../stack/harness/own-primary';
import { closeTemporal, temporal, withWorker } from '../../../stack/harness/temporal';
import { defaultInstances } from '../../../stack/emulator/instances';
import { drAddress, local, ports } from '../../../stack/local-stack';
import { STACK_SASL_ENV, stackCaFile, stackSaslEnv } from '../../../stack/tls';
import type { probeRemotely } from './probe-workflows';

const OWN_IP = '127.0.0.48';
const probeWorkflows = require.resolve('./probe-workflows');

/** A TCP port nothing listens on: connections are refused at once, as with a dead host's port. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const parse = (input: PairConfigInput): PairConfig => PairConfigSchema.parse(input);

function probeCount(pair: string, probe: string, verdict: string): number {
  const line = registry
    .render()
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`kdr_auto_probe_total{`) &&
        l.includes(`pair="${pair}"`) &&
        l.includes(`probe="${probe}"`) &&
        l.includes(`verdict="${verdict}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('automatic failover probes (real Kafka, emulator, Temporal)', () => {
  const env = testEnv();
  const name = uniqueName('probe');
  const canary = `${name}-canary`;
  const remoteQueue = uniqueName('kdr-probe-tq');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-probes-'));
  const pairsFile = path.join(dir, 'pairs.json');
  let shared: Awaited<ReturnType<typeof openBoth>>;
  let pair: PairConfig;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    // The SASL_SSL test reads the stack's SCRAM secret from the process environment, as a deployed worker does.
    Object.assign(process.env, stackSaslEnv());
    shared = await openBoth();
    await createTopic(shared.primary, canary, 1);
    cleanups.push(() => deleteTopics(shared.primary, [canary]));
    const input = kafkaPair(name, [`${name}-orders`], {
      autoFailover: { enabled: false, probes: { remote: { taskQueue: remoteQueue } } },
    });
    pair = parse(input);
    fs.writeFileSync(pairsFile, JSON.stringify({ pairs: [input] }));
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await shared?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await closeTemporal();
  });

  test('the primary answers: the Kafka probe reads "up" and counts it; its record is not a canary run', async () => {
    const { probePrimary } = autoProbeActivities(defaultDeps(env));
    const before = probeCount(name, 'kafka', 'up');
    const reading = await probePrimary(pair);
    assert.equal(reading.verdict, 'up', JSON.stringify(reading));
    assert.equal(reading.probe, 'kafka');
    assert.equal(probeCount(name, 'kafka', 'up'), before + 1);

    // The probe's record is on the canary topic, shaped so the canary's readers skip it (no runId).
    const ends = await shared.primary.admin.fetchTopicOffsets(canary);
    assert.ok(Number(ends[0].high) >= 1, 'the probe produced to the canary topic');
    const run = await lastCanaryRun(shared.primary, canary);
    assert.equal(run.measuredAt, undefined, 'no canary run is read from probe records');
  });

  test('a canary topic that is not there: "unknown" (the cluster answers), never "down"', async () => {
    const { probePrimary } = autoProbeActivities(defaultDeps(env));
    const missing = parse(
      kafkaPair(`${name}-nt`, [`${name}-orders`], {
        replication: {
          provider: 'kafka-connect',
          connectUrl: local.connectUrl,
          topics: ['x'],
          canaryTopic: `${name}-none`,
        },
      }),
    );
    const reading = await probePrimary(missing);
    assert.equal(reading.verdict, 'unknown', JSON.stringify(reading));
    assert.match(reading.error ?? '', /canary topic .*-none missing on the primary/);
  });

  test('a primary that accepts connections and never answers (a black hole): "down", not a hung probe', async () => {
    const sockets = new Set<net.Socket>();
    const hole = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hole.address() as net.AddressInfo;
      const silent = parse(
        kafkaPair(`${name}-bh`, ['x'], {
          primary: { provider: 'kafka', bootstrapServers: [`127.0.0.1:${port}`], endpointHost: 'primary.kdr.test' },
        }),
      );
      const reading = await autoProbeActivities(defaultDeps(env)).probePrimary(silent);
      assert.equal(reading.verdict, 'down', JSON.stringify(reading));
      assert.ok(sockets.size >= 1, 'the probe did connect: silence, not a refusal, made it down');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hole.close(resolve));
    }
  });

  test('bad config throws (it is not an outage): a SASL variable the worker lacks', async () => {
    const { probePrimary } = classified(autoProbeActivities(defaultDeps(env)));
    const broken = parse(
      kafkaPair(`${name}-bad`, ['x'], {
        primary: {
          provider: 'kafka',
          bootstrapServers: [local.primaryBootstrap],
          endpointHost: 'primary.kdr.test',
          security: {
            protocol: 'SASL_PLAINTEXT',
            mechanism: 'PLAIN',
            usernameEnv: 'KDR_SECRET_PROBE_NOT_SET_USER',
            passwordEnv: 'KDR_SECRET_PROBE_NOT_SET_PASS',
          },
        },
      }),
    );
    await assert.rejects(probePrimary(broken), (err: Error & { type?: string; nonRetryable?: boolean }) => {
      assert.equal(err.type, 'KafkaConfig');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /KDR_SECRET_PROBE_NOT_SET_USER/);
      return true;
    });
  });

  describe('an own primary killed (127.0.0.48)', () => {
    let own: OwnPrimary;
    let emulator: TestEmulator;
    let ownPair: PairConfig;
    before(async () => {
      own = await startOwnPrimary(`${name}-own`, OWN_IP, env);
      cleanups.push(() => own.remove());
      const session: AdminSession = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
      try {
        await createTopic(session, canary, 1);
      } finally {
        await session.close();
      }
      // The emulated ApsaraMQ primary instance is this broker: its status follows whether the broker answers.
      const [primary, secondary] = defaultInstances(own.bootstrap, local.secondaryBootstrap);
      emulator = await startTestEmulator({ instances: [{ ...primary, drIp: OWN_IP }, secondary] });
      cleanups.push(() => emulator.close());
      const input = apsaramqPair(`${name}-own`, [`${name}-orders`]);
      ownPair = parse({
        ...input,
        primary: { ...input.primary, bootstrapServers: [own.bootstrap] } as PairConfigInput['primary'],
        replication: { ...input.replication, canaryTopic: canary },
      });
    });

    test('up while it runs, "down" with the error once killed, from Kafka and from the cloud API', async () => {
      const probes = autoProbeActivities(defaultDeps({ ...env, ...emulator.env }));
      const [kafkaUp, cloudUp] = await Promise.all([probes.probePrimary(ownPair), probes.probeCloud(ownPair)]);
      assert.equal(kafkaUp.verdict, 'up', JSON.stringify(kafkaUp));
      assert.equal(cloudUp.verdict, 'up', JSON.stringify(cloudUp));

      await own.kill();
      const [kafkaDown, cloudDown] = await Promise.all([probes.probePrimary(ownPair), probes.probeCloud(ownPair)]);
      assert.equal(kafkaDown.verdict, 'down', JSON.stringify(kafkaDown));
      assert.ok(kafkaDown.error, 'a down reading carries its error');
      assert.equal(cloudDown.verdict, 'down', JSON.stringify(cloudDown));
      assert.match(cloudDown.error ?? '', /not in service: ServiceStatus 1/);
      assert.ok(probeCount(`${name}-own`, 'cloud', 'down') >= 1, 'kdr_auto_probe_total counts the cloud verdict');
    });

    test('the cloud API unreachable, failing or silent: "unknown", never "down"', async () => {
      const refused = `http://127.0.0.1:${await closedPort()}`;
      const unreachable = autoProbeActivities(
        defaultDeps({ ...env, ...emulator.env, KDR_ALIKAFKA_ENDPOINT: `${refused}/alikafka/{region}` }),
      );
      const noApi = await unreachable.probeCloud(ownPair);
      assert.equal(noApi.verdict, 'unknown', JSON.stringify(noApi));
      assert.match(noApi.error ?? '', /GetInstanceList/);

      const probes = autoProbeActivities(defaultDeps({ ...env, ...emulator.env }));
      await emulator.setFaults({
        action: 'GetInstanceList',
        product: 'alikafka',
        errorRate: 1,
        codes: ['ServiceUnavailable'],
      });
      const failing = await probes.probeCloud(ownPair);
      assert.equal(failing.verdict, 'unknown', JSON.stringify(failing));
      assert.match(failing.error ?? '', /ServiceUnavailable/);

      await emulator.clearFaults();
      await emulator.setFaults({ action: 'GetInstanceList', product: 'alikafka', hang: true });
      const silent = await probes.probeCloud(ownPair);
      assert.equal(silent.verdict, 'unknown', JSON.stringify(silent));
      assert.match(silent.error ?? '', /no answer within/);
      await emulator.clearFaults();
    });
  });

  describe('the remote probe worker', () => {
    const remoteEnv = () => ({ ...env, KDR_PAIRS_FILE: pairsFile });

    test("refuses the kafka-dr worker's task queue and lists the pairs that probe from its queue", () => {
      assert.throws(
        () => checkProbeWorker('kafka-dr', remoteEnv()),
        /is the kafka-dr worker's: give the probe worker its own/,
      );
      assert.deepEqual(checkProbeWorker(remoteQueue, remoteEnv()), [name]);
    });

    test('on its queue it answers for the pairs of its pairs file; absent, the caller times out: "unknown"', async () => {
      const { client, native } = await temporal();
      const worker = await createProbeWorker({ connection: native, taskQueue: remoteQueue, env: remoteEnv() });
      await withWorker({ workflowsPath: probeWorkflows, activities: {} }, async ({ taskQueue }) => {
        const run = (p: PairConfig, queue: string, waitMs: number) =>
          client.workflow.execute<typeof probeRemotely>('probeRemotely', {
            taskQueue,
            workflowId: uniqueName('probe-remote'),
            args: [p, queue, waitMs],
          });
        const [answered, refused] = await worker.runUntil(async () => {
          const up = await run(pair, remoteQueue, 10_000);
          // A pair its pairs file does not list: refused (it never probes hosts a workflow chose), read as unknown.
          const stranger = parse(kafkaPair(`${name}-stranger`, ['x']));
          return [up, await run(stranger, remoteQueue, 10_000)] as const;
        });
        assert.equal(answered.probe, 'remote');
        assert.equal(answered.verdict, 'up', JSON.stringify(answered));
        assert.equal(refused.verdict, 'unknown', JSON.stringify(refused));
        assert.match(refused.error ?? '', /not in the probe worker's pairs file/);

        // Nobody polls this queue: the schedule-to-start timeout fires, and the reading is unknown.
        const absent: ProbeReading = await run(pair, uniqueName('kdr-probe-nobody'), 2_000);
        assert.equal(absent.verdict, 'unknown', JSON.stringify(absent));
        assert.match(absent.error ?? '', /timeout|timed out/i);
      });
    });

    test("probes.remote.bootstrapServers: the remote vantage point reaches the primary by its SASL_SSL endpoint while the worker's address is cut", async () => {
      const cut = `127.0.0.1:${await closedPort()}`;
      const remoteName = `${name}-ss`;
      const security = {
        protocol: 'SASL_SSL' as const,
        mechanism: 'SCRAM-SHA-512' as const,
        usernameEnv: STACK_SASL_ENV.username,
        passwordEnv: STACK_SASL_ENV.password,
        caFile: stackCaFile(),
      };
      const input = kafkaPair(remoteName, ['x'], {
        primary: { provider: 'kafka', bootstrapServers: [cut], endpointHost: 'primary.kdr.test' },
        replication: { provider: 'kafka-connect', connectUrl: local.connectUrl, topics: ['x'], canaryTopic: canary },
        autoFailover: {
          probes: {
            remote: {
              taskQueue: remoteQueue,
              bootstrapServers: [`${drAddress.primary}:${ports.drSaslSsl}`],
              security,
            },
          },
        },
      });
      const file = path.join(dir, 'pairs-ss.json');
      fs.writeFileSync(file, JSON.stringify({ pairs: [input] }));
      const config = parse(input);
      const worker = autoProbeActivities(defaultDeps(env));
      const remote = autoProbeActivities(defaultDeps({ ...env, KDR_PAIRS_FILE: file }));
      const [mine, theirs] = await Promise.all([
        worker.probePrimary(config),
        remote.probePrimary(config, { via: 'remote' }),
      ]);
      assert.equal(mine.verdict, 'down', JSON.stringify(mine));
      assert.equal(theirs.verdict, 'up', JSON.stringify(theirs));
      assert.equal(theirs.probe, 'remote');
    });
  });
});
