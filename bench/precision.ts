// `npm run bench -- precision`: how precisely each way of placing consumer groups on the secondary resumes them,
// counted per group from the applications' own records (numbered records; a producer that remembers what the
// cluster acknowledged; consumers that remember every record they processed, repeats included).
// For each scenario, ONE traffic and ONE outage/switchover, then four methods side by side:
//   kafka-dr    a real drFailover run (real worker, approved by signal) on the real groups;
//   checkpoint  the newest MirrorMaker 2 checkpoint's downstream offset per group/partition (what
//               RemoteClusterUtils.translateOffsets gives), on a copy of the group on the secondary;
//   timestamp   offsetsForTimes of the group's last processed record time, on the partitions it committed;
//   earliest    the secondary's log start.
// A method's outcome is a replay: its offsets are committed for the group on the secondary, a fresh consumer in
// that group reads to the log end, and what it delivers is compared with what the application had processed.
// Prints a table, writes docs/benchmarks/precision.{json,md}; exits non-zero when kafka-dr's plan loses a record
// or re-delivers more than its stated bound.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCloudClients } from '../src/cloud';
import { EventBridgeProvider } from '../src/connectors/eventbridge';
import { type PairConfigInput } from '../src/config';
import { watchWorkflowId } from '../workflows/contract';
import { openAdmin, partitionOffsets } from '../src/kafka/admin';
import { createKafka } from '../src/kafka/clients';
import { local, repoRoot } from '../stack/local-stack';
import { dataPlaneFromEnv } from '../stack/emulator/data-plane';
import { versions } from '../stack/stack';
import { drSetup } from '../workflows';
import { cloudEnvFor, startTestEmulator, type TestEmulator } from '../stack/harness/emulator';
import { createTopic, deleteTopics } from '../stack/harness/kafka';
import {
  apsaramqPair,
  execute,
  kafkaPair,
  removeMirror,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../stack/harness/kdr';
import { startOwnPrimary, type OwnPrimary } from '../stack/harness/own-primary';
import { ensureStack } from '../stack/harness/stack';
import { closeTemporal, temporal } from '../stack/harness/temporal';
import { config, GROUPS, killsPrimary, log, sleep, TITLES, watching, type ScenarioId } from './precision-config';
import { evaluate } from './precision-evaluate';
import { runDrFailover } from './precision-failover';
import {
  HEADER,
  METHODS,
  precisionMarkdown,
  rowsOf,
  scenarioHeading,
  textTable,
  violations,
  type ScenarioResult,
} from './precision-report';
import { logValues, startTraffic, waitCheckpoints, type Traffic } from './precision-traffic';

async function scenario(id: ScenarioId): Promise<ScenarioResult> {
  const started = Date.now();
  const name = uniqueName(
    `prc-${id
      .split('-')
      .map((w) => w[0])
      .join('')}`,
  );
  const topics = { a: `${name}-a`, b: `${name}-b` };
  const canary = `${name}-canary`;
  const result: ScenarioResult = {
    id,
    ...TITLES[id],
    outage: id !== 'switchover-stopped',
    watch: watching(id),
    notReplicated: 0,
    recordsOnSecondary: 0,
    workflowId: null,
    planId: null,
    failoverMs: null,
    durationMs: 0,
    groups: [],
  };
  const cleanups: (() => Promise<unknown>)[] = [];
  const secondary = await openAdmin(
    createKafka({ bootstrapServers: [local.secondaryBootstrap] }, { clientId: 'kdr-precision' }),
  );
  cleanups.push(
    () => secondary.close(),
    () => deleteTopics(secondary, [topics.a, topics.b, canary]),
  );
  let emu: TestEmulator | undefined;
  let own: OwnPrimary | undefined;
  let traffic: Traffic | undefined;
  try {
    let env = testEnv();
    let pair: PairConfigInput;
    let primaryBootstrap = local.primaryBootstrap;
    if (killsPrimary(id)) {
      own = await startOwnPrimary(name, config.ownPrimaryIp, env);
      const p = own;
      cleanups.push(() => p.remove());
      primaryBootstrap = own.bootstrap;
    }
    if (id === 'eventbridge-outage') {
      // An emulator of its own whose primary ApsaraMQ instance is the killable broker; its event streams
      // re-produce records (reproduce data plane), as the real service is documented to.
      emu = await startTestEmulator({
        dnsPort: 0,
        primaryBootstrap,
        eventBridgeDataPlane: { mode: 'reproduce', fidelity: dataPlaneFromEnv(process.env).fidelity },
      });
      const emulator = emu;
      env = testEnv(cloudEnvFor(emulator.emulator.url));
      const base = apsaramqPair(name, [topics.a, topics.b]);
      pair = {
        ...base,
        primary: { ...base.primary!, bootstrapServers: [primaryBootstrap] },
        dns: { ...base.dns, resolvers: [`127.0.0.1:${emulator.emulator.dnsPort}`] } as typeof base.dns,
      };
      cleanups.push(async () => {
        await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'))
          .remove({
            pair: name,
            primary: { bootstrapServers: [] },
            secondary: { bootstrapServers: [] },
            topics: [topics.a, topics.b, canary],
          })
          .catch(() => undefined);
        await emulator.close();
      });
    } else {
      pair = kafkaPair(name, [topics.a, topics.b]);
      cleanups.push(() => removeMirror(name));
      if (own) pair.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
    }
    const primary = await openAdmin(
      createKafka({ bootstrapServers: [primaryBootstrap] }, { clientId: 'kdr-precision' }),
    );
    try {
      await createTopic(primary, topics.a, config.topics.a);
      await createTopic(primary, topics.b, config.topics.b);
    } finally {
      await primary.close();
    }
    if (!own)
      cleanups.push(async () => {
        const p = await openAdmin(createKafka({ bootstrapServers: [primaryBootstrap] }, { clientId: 'kdr-precision' }));
        await deleteTopics(p, [topics.a, topics.b, canary]);
        await p.admin.deleteGroups(GROUPS.map((g) => `${name}-${g.suffix}`)).catch(() => undefined);
        await p.close();
      });

    // drSetup's drWatch outlives drSetup: it is stopped when the scenario ends.
    cleanups.push(async () =>
      (await temporal()).client.workflow
        .getHandle(watchWorkflowId(name))
        .terminate('precision benchmark: scenario over'),
    );
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        log(`${id}: drSetup of pair ${name}${watching(id) ? ' (drWatch started by it)' : ' (watch: false)'}`);
        const setup = await execute(
          client,
          drSetup,
          {
            taskQueue,
            workflowId: uniqueName('precision-drSetup'),
            args: [{ config: pair, watch: watching(id) }],
          },
          240_000,
        );
        if (setup.outcome !== 'completed') throw new Error(`drSetup ended ${setup.outcome}`);

        log(
          `${id}: traffic, ${config.ratePerSecond} records/s on each of 2 topics for ${config.trafficMs / 1000} s; 4 groups committing every ${config.commitEveryMs / 1000} s`,
        );
        traffic = await startTraffic(primaryBootstrap, name, topics);
        const t = traffic;
        await sleep(config.trafficMs * config.behindStopsAt);
        for (const g of GROUPS.filter((x) => x.stopsEarly)) await t.apps.get(`${name}-${g.suffix}`)!.stop();
        await sleep(config.trafficMs * (1 - config.behindStopsAt));

        if (id === 'switchover-stopped') {
          await Promise.all(Object.values(t.producers).map((p) => p.stop()));
          await sleep(2000);
          await Promise.all([...t.apps.values()].map((a) => a.stop()));
          // Fair to MirrorMaker 2: its checkpoints are given time to reach the groups' final commits.
          await waitCheckpoints(secondary, t, topics, true, 45_000);
        } else {
          // Until MirrorMaker 2 has checkpointed every group (traffic still running), as an operator's pair would have.
          if (id !== 'eventbridge-outage') await waitCheckpoints(secondary, t, topics, false, 60_000);
          await sleep(1500);
          log(`${id}: killing the primary broker (SIGKILL); the applications crash with it`);
          await own!.kill();
          for (const c of t.clients) c.crash();
          await Promise.all([
            ...Object.values(t.producers).map((p) => p.stop()),
            ...[...t.apps.values()].map((a) => a.crash()),
          ]);
        }
        if (emu) {
          // ApsaraMQ keeps the groups declared on the secondary instance (drSetup declares the ones it finds).
          for (const g of t.apps.keys()) {
            await emu.clients
              .alikafka('cn-shanghai')
              .createConsumerGroup({ instanceId: pair.secondary!.instanceId!, consumerId: g, remark: 'kdr-precision' })
              .catch(() => undefined);
          }
        }

        const groups = [...t.apps.keys()];
        const failoverPair = pair;
        log(`${id}: drFailover (real run, approved by signal)`);
        const run = await runDrFailover(client, taskQueue, {
          config: failoverPair,
          requestedBy: 'bench-requester',
          groups,
          switchover: { quietWindow: '2s', timeout: '3m', guard: 0 },
        });
        result.workflowId = run.workflowId;
        result.planId = run.plan.planId;
        result.failoverMs = run.ms;
        log(`${id}: drFailover done in ${(run.ms / 1000).toFixed(1)} s; replaying every method`);
        result.groups = await evaluate(secondary, t, topics, run.plan, id);
        const ends = await partitionOffsets(secondary, [topics.a, topics.b]);
        const onSecondary = await logValues(secondary, ends);
        result.recordsOnSecondary = onSecondary.size;
        result.notReplicated = [...t.producers.a.acked, ...t.producers.b.acked].filter(
          (v) => !onSecondary.has(v),
        ).length;
      },
      { env },
    );
  } catch (err) {
    result.error = (err as Error).message.split('\n')[0];
    log(`${id}: FAILED: ${(err as Error).stack ?? err}`);
    if (traffic) {
      for (const c of traffic.clients) c.crash();
      await Promise.all([
        ...Object.values(traffic.producers).map((p) => p.stop()),
        ...[...traffic.apps.values()].map((a) => a.crash()),
      ]).catch(() => undefined);
    }
  } finally {
    const copies = GROUPS.flatMap((g) => [`${name}-${g.suffix}`, ...METHODS.map((m) => `${name}-${g.suffix}.${m}`)]);
    await secondary.admin.deleteGroups(copies).catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
  result.durationMs = Date.now() - started;
  return result;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

export async function main(): Promise<void> {
  const started = Date.now();
  log(
    `local stack: ${local.temporalAddress}, primary ${local.primaryBootstrap}, secondary ${local.secondaryBootstrap} (starting it if needed)`,
  );
  await ensureStack();
  const scenarios: ScenarioResult[] = [];
  try {
    for (const id of config.scenarios) {
      log(`scenario ${id}`);
      const s = await scenario(id);
      scenarios.push(s);
      console.log(`\n${scenarioHeading(s)}${s.error ? `\nFAILED: ${s.error}` : ''}\n${textTable(HEADER, rowsOf(s))}\n`);
    }
  } finally {
    await closeTemporal();
  }
  const failures = violations(scenarios);
  const results = {
    generatedAt: new Date().toISOString(),
    runtimeMs: Date.now() - started,
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
      kafka: versions.kafka,
      temporalCli: versions.temporalCli,
      commit: gitCommit(),
    },
    config: { ...Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'out')), groups: GROUPS },
    scenarios,
    violations: failures,
  };
  fs.mkdirSync(config.out, { recursive: true });
  fs.writeFileSync(path.join(config.out, 'precision.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(config.out, 'precision.md'), precisionMarkdown(results));
  log(
    `results written to ${path.relative(process.cwd(), config.out)}/precision.{json,md} (took ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  for (const f of failures) console.log(`FAILED ${f}`);
  if (failures.length)
    throw new Error(`${failures.length} failure(s): kafka-dr's plan must lose nothing and stay within its bound`);
  log("kafka-dr's plan: 0 lost and within its stated bound for every group");
}
