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
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createCloudClients } from '../src/cloud';
import { EventBridgeProvider } from '../src/connectors/eventbridge';
import { watchWorkflowId, type PairConfigInput } from '../src/config';
import { committedOffsets, openAdmin, partitionOffsets, offsetsForTimes, setManyGroupOffsets, type AdminSession, type PartitionOffsets } from '../src/kafka/admin';
import { checkpointKey, readCheckpoints, type Checkpoint } from '../src/kafka/checkpoints';
import { createKafka } from '../src/kafka/clients';
import { mapLimit, readRange } from '../src/kafka/protocol';
import { local, repoRoot } from '../src/local-stack';
import { dataPlaneFromEnv } from '../stack/emulator/data-plane';
import { versions } from '../stack/stack';
import { drSetup } from '../workflows';
import { approveSignal, planQuery } from '../workflows/definitions';
import { cloudEnvFor, startTestEmulator, type TestEmulator } from '../test/helpers/emulator';
import { createTopic, deleteTopics } from '../test/helpers/kafka';
import { apsaramqPair, execute, kafkaPair, removeMirror, runToEnd, status, testEnv, uniqueName, withKdrWorker } from '../test/helpers/kdr';
import { startOwnPrimary, type OwnPrimary } from '../test/helpers/own-primary';
import { ensureStack } from '../test/helpers/stack';
import { closeTemporal, temporal } from '../test/helpers/temporal';
import { RetryingProducer, type AppClient } from '../test/helpers/traffic';
import { App, crashable, replay, type ReplayRange } from './precision-apps';
import {
  HEADER, METHODS, outcome, precisionMarkdown, rowsOf, scenarioHeading, textTable, violations,
  type GroupResult, type Method, type MethodOutcome, type ScenarioResult,
} from './precision-report';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw}: expected a positive integer, or unset it for ${fallback}`);
  return n;
}

const SCENARIOS = ['switchover-stopped', 'mm2-outage', 'eventbridge-outage', 'mm2-outage-nowatch'] as const;
type ScenarioId = typeof SCENARIOS[number];

const config = {
  scenarios: (process.env.KDR_PRECISION_SCENARIOS ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean) as ScenarioId[],
  /** Records per second per topic (the producer sends a batch of rate/10 every ~100 ms). */
  ratePerSecond: intEnv('KDR_PRECISION_RATE', 40),
  /** How long the applications run before the outage or the stop. */
  trafficMs: intEnv('KDR_PRECISION_TRAFFIC_MS', 16_000),
  /** The consumers' auto-commit interval. */
  commitEveryMs: intEnv('KDR_PRECISION_COMMIT_MS', 5_000),
  /** The lagging group stops consuming after this share of the traffic time (and stays there). */
  behindStopsAt: 0.2,
  topics: { a: 3, b: 5 },
  /** drWatch's snapshot interval (the pair's default watch.interval). */
  watchIntervalMs: 5_000,
  /** Loopback address of the killable primary's DR listener (the tests use .4 and .5). */
  ownPrimaryIp: process.env.KDR_PRECISION_PRIMARY_IP ?? '127.0.0.9',
  out: path.resolve(process.env.KDR_BENCH_OUT ?? path.join(repoRoot, 'docs', 'benchmarks')),
};
for (const s of config.scenarios) {
  if (!SCENARIOS.includes(s)) throw new Error(`KDR_PRECISION_SCENARIOS: "${s}" is not one of ${SCENARIOS.join(', ')}`);
}

interface GroupSpec {
  suffix: string;
  kind: string;
  topic: 'a' | 'b';
  skip?: number[];
  stopsEarly?: boolean;
}

/** The same four groups in every scenario: two topics with different partition counts (3 and 5). */
const GROUPS: GroupSpec[] = [
  { suffix: 'current', kind: 'keeps up (3 partitions)', topic: 'a' },
  { suffix: 'behind', kind: 'far behind the tip (3 partitions)', topic: 'a', stopsEarly: true },
  { suffix: 'partial', kind: 'committed on 3 of 5 partitions', topic: 'b', skip: [3, 4] },
  { suffix: 'wide', kind: 'keeps up (5 partitions)', topic: 'b' },
];

const TITLES: Record<ScenarioId, { title: string; replication: string }> = {
  'switchover-stopped': { title: 'Planned switchover, applications stopped cleanly before the run', replication: 'MirrorMaker 2 (kafka-connect pair)' },
  'mm2-outage': { title: 'Outage: the primary broker is killed (SIGKILL) under traffic', replication: 'MirrorMaker 2 (kafka-connect pair)' },
  'eventbridge-outage': {
    title: 'Outage: the primary broker is killed (SIGKILL) under traffic',
    replication: 'EventBridge event stream (ApsaraMQ pair on the emulator, reproduce data plane)',
  },
  'mm2-outage-nowatch': {
    title: 'Outage as in mm2-outage, without drWatch (drSetup watch: false): no position snapshots',
    replication: 'MirrorMaker 2 (kafka-connect pair)',
  },
};

/** drSetup starts drWatch unless told not to: its snapshots are one of kafka-dr's sources. */
const watching = (id: ScenarioId) => id !== 'mm2-outage-nowatch';
/** Every outage kills a primary broker of its own (the shared primary stays up for everyone else). */
const killsPrimary = (id: ScenarioId) => id !== 'switchover-stopped';

const log = (line: string) => console.log(`[precision ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, boundMs: number): Promise<T | undefined> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(500);
  }
  log(`  (gave up waiting for ${what} after ${boundMs / 1000} s)`);
  return undefined;
}

/** The parts of the applied plan the benchmark reads (the plan's own type is being reworked, issue 9 item 5). */
interface PlanSeen {
  planId: string;
  groups: { group: string; duplicateBound: number; offsets: [string, number, number, string][] }[];
}

/** Approves (as another person) every plan the run asks about, the final plan of a switchover included. */
function approveAll(handle: WorkflowHandle): { stop(): void } {
  const approved = new Set<string>();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const s = await status(handle).catch(() => undefined);
      if (s?.approval && !approved.has(s.approval.planId)) {
        approved.add(s.approval.planId);
        await handle.signal(approveSignal, { by: 'bench-approver', planId: s.approval.planId }).catch(() => undefined);
      }
      if (s?.endedAt) return;
      await sleep(250);
    }
  })();
  return { stop: () => { stopped = true; } };
}

async function runDrFailover(client: Client, taskQueue: string, input: Record<string, unknown>): Promise<{ plan: PlanSeen; workflowId: string; ms: number }> {
  const workflowId = uniqueName('precision-drFailover');
  const t0 = Date.now();
  const handle = await client.workflow.start('drFailover', { taskQueue, workflowId, args: [input] });
  const approvals = approveAll(handle);
  try {
    const result = await runToEnd(handle, 300_000) as { outcome?: string };
    if (result.outcome !== 'completed') throw new Error(`drFailover ${workflowId} ended ${result.outcome}`);
  } finally {
    approvals.stop();
  }
  const view = await handle.query(planQuery);
  if (!view) throw new Error(`drFailover ${workflowId}: no plan`);
  return { plan: view.plan as unknown as PlanSeen, workflowId, ms: Date.now() - t0 };
}

/** Every record of a topic on the secondary (values), read with Fetch. */
async function logValues(s: AdminSession, parts: readonly PartitionOffsets[]): Promise<Set<string>> {
  const values = new Set<string>();
  for (const p of parts) for (const r of await readRange(s.protocol, p.topic, p.partition, p.earliest, p.end)) values.add(r.value?.toString() ?? '');
  return values;
}

interface Traffic {
  producers: Record<'a' | 'b', RetryingProducer>;
  apps: Map<string, App>;
  clients: AppClient[];
}

async function startTraffic(bootstrap: string, name: string, topics: Record<'a' | 'b', string>): Promise<Traffic> {
  const clients: AppClient[] = [];
  const client = (id: string) => { const c = crashable(bootstrap, id); clients.push(c); return c; };
  const apps = new Map<string, App>();
  for (const g of GROUPS) {
    const group = `${name}-${g.suffix}`;
    apps.set(group, await App.start(client(group).kafka, group, topics[g.topic], { skipPartitions: g.skip, commitEveryMs: config.commitEveryMs }));
  }
  const producers = {
    a: await RetryingProducer.start(client('producer-a').kafka, topics.a, config.ratePerSecond, 0),
    b: await RetryingProducer.start(client('producer-b').kafka, topics.b, config.ratePerSecond, 1_000_000),
  };
  return { producers, apps, clients };
}

/** Until MirrorMaker 2 has a checkpoint for every partition each group committed (at its last commit when `exact`). */
async function waitCheckpoints(secondary: AdminSession, traffic: Traffic, topics: Record<'a' | 'b', string>, exact: boolean, boundMs: number): Promise<void> {
  await until(exact ? 'checkpoints at the groups\' final commits' : 'checkpoints for every group', async () => {
    const { checkpoints } = await readCheckpoints(secondary, { groups: [...traffic.apps.keys()], topics: Object.values(topics) });
    for (const app of traffic.apps.values()) {
      for (const [partition, offset] of app.committed) {
        const cp = checkpoints.get(checkpointKey(app.group, app.topic, partition));
        if (!cp || (exact && cp.upstreamOffset !== offset)) return undefined;
      }
    }
    return true;
  }, boundMs);
}

async function scenario(id: ScenarioId): Promise<ScenarioResult> {
  const started = Date.now();
  const name = uniqueName(`prc-${id.split('-').map((w) => w[0]).join('')}`);
  const topics = { a: `${name}-a`, b: `${name}-b` };
  const canary = `${name}-canary`;
  const result: ScenarioResult = {
    id, ...TITLES[id], outage: id !== 'switchover-stopped', watch: watching(id), notReplicated: 0, recordsOnSecondary: 0,
    workflowId: null, planId: null, failoverMs: null, durationMs: 0, groups: [],
  };
  const cleanups: (() => Promise<unknown>)[] = [];
  const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }, { clientId: 'kdr-precision' }));
  cleanups.push(() => secondary.close(), () => deleteTopics(secondary, [topics.a, topics.b, canary]));
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
        dnsPort: 0, primaryBootstrap, eventBridgeDataPlane: { mode: 'reproduce', fidelity: dataPlaneFromEnv(process.env).fidelity },
      });
      const emulator = emu;
      env = testEnv(cloudEnvFor(emulator.emulator.url));
      const base = apsaramqPair(name, [topics.a, topics.b]);
      pair = {
        ...base, primary: { ...base.primary!, bootstrapServers: [primaryBootstrap] },
        dns: { ...base.dns, resolvers: [`127.0.0.1:${emulator.emulator.dnsPort}`] } as typeof base.dns,
      };
      cleanups.push(async () => {
        await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'))
          .remove({ pair: name, primary: { bootstrapServers: [] }, secondary: { bootstrapServers: [] }, topics: [topics.a, topics.b, canary] })
          .catch(() => undefined);
        await emulator.close();
      });
    } else {
      pair = kafkaPair(name, [topics.a, topics.b]);
      cleanups.push(() => removeMirror(name));
      if (own) pair.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
    }
    const primary = await openAdmin(createKafka({ bootstrapServers: [primaryBootstrap] }, { clientId: 'kdr-precision' }));
    try {
      await createTopic(primary, topics.a, config.topics.a);
      await createTopic(primary, topics.b, config.topics.b);
    } finally {
      await primary.close();
    }
    if (!own) cleanups.push(async () => {
      const p = await openAdmin(createKafka({ bootstrapServers: [primaryBootstrap] }, { clientId: 'kdr-precision' }));
      await deleteTopics(p, [topics.a, topics.b, canary]);
      await p.admin.deleteGroups(GROUPS.map((g) => `${name}-${g.suffix}`)).catch(() => undefined);
      await p.close();
    });

    // drSetup's drWatch outlives drSetup: it is stopped when the scenario ends.
    cleanups.push(async () => (await temporal()).client.workflow.getHandle(watchWorkflowId(name)).terminate('precision benchmark: scenario over'));
    await withKdrWorker(async ({ client, taskQueue }) => {
      log(`${id}: drSetup of pair ${name}${watching(id) ? ' (drWatch started by it)' : ' (watch: false)'}`);
      const setup = await execute(client, drSetup, {
        taskQueue, workflowId: uniqueName('precision-drSetup'), args: [{ config: pair, watch: watching(id) }],
      }, 240_000);
      if (setup.outcome !== 'completed') throw new Error(`drSetup ended ${setup.outcome}`);

      log(`${id}: traffic, ${config.ratePerSecond} records/s on each of 2 topics for ${config.trafficMs / 1000} s; 4 groups committing every ${config.commitEveryMs / 1000} s`);
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
        await Promise.all([...Object.values(t.producers).map((p) => p.stop()), ...[...t.apps.values()].map((a) => a.crash())]);
      }
      if (emu) {
        // ApsaraMQ keeps the groups declared on the secondary instance (drSetup declares the ones it finds).
        for (const g of t.apps.keys()) {
          await emu.clients.alikafka('cn-shanghai').createConsumerGroup({ instanceId: pair.secondary!.instanceId!, consumerId: g, remark: 'kdr-precision' })
            .catch(() => undefined);
        }
      }

      const groups = [...t.apps.keys()];
      const failoverPair = pair;
      log(`${id}: drFailover (real run, approved by signal)`);
      const run = await runDrFailover(client, taskQueue, {
        config: failoverPair, requestedBy: 'bench-requester', groups,
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
      result.notReplicated = [...t.producers.a.acked, ...t.producers.b.acked].filter((v) => !onSecondary.has(v)).length;
    }, { env });
  } catch (err) {
    result.error = (err as Error).message.split('\n')[0];
    log(`${id}: FAILED: ${(err as Error).stack ?? err}`);
    if (traffic) {
      for (const c of traffic.clients) c.crash();
      await Promise.all([...Object.values(traffic.producers).map((p) => p.stop()), ...[...traffic.apps.values()].map((a) => a.crash())]).catch(() => undefined);
    }
  } finally {
    const copies = GROUPS.flatMap((g) => [`${name}-${g.suffix}`, ...METHODS.map((m) => `${name}-${g.suffix}.${m}`)]);
    await secondary.admin.deleteGroups(copies).catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
  result.durationMs = Date.now() - started;
  return result;
}

/** Each method's targets, committed for a copy of the group (kafka-dr: the real group), then replayed and counted. */
async function evaluate(secondary: AdminSession, traffic: Traffic, topics: Record<'a' | 'b', string>, plan: PlanSeen, id: ScenarioId): Promise<GroupResult[]> {
  const stoppedApps = id === 'switchover-stopped';
  const ends = await partitionOffsets(secondary, [topics.a, topics.b]);
  const { checkpoints } = await readCheckpoints(secondary, { groups: [...traffic.apps.keys()], topics: Object.values(topics) });
  const kafka = createKafka({ bootstrapServers: [local.secondaryBootstrap] }, { clientId: 'kdr-precision-replay' });
  const onSecondary = new Map<string, Set<string>>();
  for (const topic of Object.values(topics)) onSecondary.set(topic, await logValues(secondary, ends.filter((e) => e.topic === topic)));

  interface Job { app: App; method: Method; group: string; targets: (number | null)[]; note?: string; replayed?: string[] }
  const jobs: Job[] = [];
  for (const app of traffic.apps.values()) {
    const parts = ends.filter((e) => e.topic === app.topic).sort((x, y) => x.partition - y.partition);
    const applied = await committedOffsets(secondary, app.group, parts.map((p) => ({ topic: p.topic, partition: p.partition })));
    const kdr = parts.map((p) => applied.find((o) => o.partition === p.partition)?.offset ?? null);
    const cps = parts.map((p) => checkpoints.get(checkpointKey(app.group, app.topic, p.partition)) as Checkpoint | undefined);
    const last = app.lastCommittedTime();
    const byTime = last === null ? new Map<string, number | null>()
      : await offsetsForTimes(secondary, parts.filter((p) => app.committed.has(p.partition)).map((p) => ({ topic: p.topic, partition: p.partition, timestamp: last })));
    const time = parts.map((p) => {
      if (last === null || !app.committed.has(p.partition)) return null;
      return byTime.get(`${p.topic}:${p.partition}@${last}`) ?? p.end;
    });
    const missingCp = parts.filter((p, i) => app.committed.has(p.partition) && !cps[i]).map((p) => p.partition);
    jobs.push(
      { app, method: 'kafka-dr', group: app.group, targets: kdr },
      { app, method: 'checkpoint', group: `${app.group}.checkpoint`, targets: cps.map((c) => c?.downstreamOffset ?? null),
        ...(missingCp.length ? { note: `no checkpoint for committed partition(s) ${missingCp.join(', ')}: the application's earliest applies` } : {}) },
      { app, method: 'timestamp', group: `${app.group}.timestamp`, targets: time,
        ...(last === null ? { note: 'the group committed nothing: no time to translate' } : {}) },
      { app, method: 'earliest', group: `${app.group}.earliest`, targets: parts.map((p) => p.earliest) },
    );
  }
  // Commit each copy's targets (the real group already holds kafka-dr's), then replay all at once.
  const commits = jobs.filter((x) => x.method !== 'kafka-dr').map((j) => ({
    group: j.group, offsets: j.targets.flatMap((offset, partition) => (offset === null ? [] : [{ topic: j.app.topic, partition, offset }])),
  })).filter((c) => c.offsets.length);
  const set = await setManyGroupOffsets(secondary, commits);
  if (set.failed.length || set.live.length) throw new Error(`committing the baselines' offsets: ${[...set.failed.map((f) => `${f.group}: ${f.error.message}`), ...set.live.map((l) => l.message)].join('; ')}`);
  await mapLimit(jobs, 16, async (j) => {
    const ranges: ReplayRange[] = ends.filter((e) => e.topic === j.app.topic).map((e) => {
      const t = j.targets[e.partition];
      return { partition: e.partition, start: t !== null && t !== undefined && t >= e.earliest && t <= e.end ? t : e.earliest, end: e.end };
    });
    j.replayed = await replay(kafka, j.group, j.app.topic, ranges);
  });

  const out: GroupResult[] = [];
  for (const app of traffic.apps.values()) {
    const spec = GROUPS.find((g) => app.group.endsWith(`-${g.suffix}`))!;
    const resent = new Set([...traffic.producers[spec.topic].resent]);
    const values = onSecondary.get(app.topic)!;
    const planned = plan.groups.find((g) => g.group === app.group);
    const sources: Record<string, number> = {};
    for (const [, , , source] of planned?.offsets ?? []) sources[source] = (sources[source] ?? 0) + 1;
    const outcomes: MethodOutcome[] = jobs.filter((j) => j.app === app)
      .map((j) => outcome(j.method, app.processed, values, j.replayed ?? [], j.targets, resent, j.note));
    out.push({
      group: app.group, kind: spec.kind, topic: app.topic, partitions: config.topics[spec.topic],
      processed: app.processed.size, unprocessed: [...values].filter((v) => !app.processed.has(v)).length,
      uncommitted: stoppedApps || spec.stopsEarly ? 0 : app.uncommitted(),
      target: stoppedApps ? 0 : watching(id) ? processedWithin(app, config.watchIntervalMs + config.commitEveryMs) : null,
      bound: planned ? planned.duplicateBound : null, sources, outcomes,
    });
  }
  return out;
}

/** Distinct records the application processed within `ms` (by record time) before the newest one it processed. */
function processedWithin(app: App, ms: number): number {
  if (!app.seen.length) return 0;
  const newest = Math.max(...app.seen.map((r) => r.timestamp));
  return new Set(app.seen.filter((r) => r.timestamp > newest - ms).map((r) => r.value)).size;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export async function main(): Promise<void> {
  const started = Date.now();
  log(`local stack: ${local.temporalAddress}, primary ${local.primaryBootstrap}, secondary ${local.secondaryBootstrap} (starting it if needed)`);
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
      node: process.version, platform: `${os.platform()} ${os.release()}`, cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
      kafka: versions.kafka, temporalCli: versions.temporalCli, commit: gitCommit(),
    },
    config: { ...Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'out')), groups: GROUPS },
    scenarios,
    violations: failures,
  };
  fs.mkdirSync(config.out, { recursive: true });
  fs.writeFileSync(path.join(config.out, 'precision.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(config.out, 'precision.md'), precisionMarkdown(results));
  log(`results written to ${path.relative(process.cwd(), config.out)}/precision.{json,md} (took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const f of failures) console.log(`FAILED ${f}`);
  if (failures.length) throw new Error(`${failures.length} failure(s): kafka-dr's plan must lose nothing and stay within its bound`);
  log("kafka-dr's plan: 0 lost and within its stated bound for every group");
}
