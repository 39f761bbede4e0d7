// The precision benchmark's settings (environment overrides), its scenarios and groups, and its log line.
import * as path from 'node:path';
import { repoRoot } from '../stack/local-stack';

export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}=${raw}: expected a positive integer, or unset it for ${fallback}`);
  return n;
}

export const SCENARIOS = ['switchover-stopped', 'mm2-outage', 'eventbridge-outage', 'mm2-outage-nowatch'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export const config = {
  scenarios: (process.env.KDR_PRECISION_SCENARIOS ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as ScenarioId[],
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

export interface GroupSpec {
  suffix: string;
  kind: string;
  topic: 'a' | 'b';
  skip?: number[];
  stopsEarly?: boolean;
}

/** The same four groups in every scenario: two topics with different partition counts (3 and 5). */
export const GROUPS: GroupSpec[] = [
  { suffix: 'current', kind: 'keeps up (3 partitions)', topic: 'a' },
  { suffix: 'behind', kind: 'far behind the tip (3 partitions)', topic: 'a', stopsEarly: true },
  { suffix: 'partial', kind: 'committed on 3 of 5 partitions', topic: 'b', skip: [3, 4] },
  { suffix: 'wide', kind: 'keeps up (5 partitions)', topic: 'b' },
];

export const TITLES: Record<ScenarioId, { title: string; replication: string }> = {
  'switchover-stopped': {
    title: 'Planned switchover, applications stopped cleanly before the run',
    replication: 'MirrorMaker 2 (kafka-connect pair)',
  },
  'mm2-outage': {
    title: 'Outage: the primary broker is killed (SIGKILL) under traffic',
    replication: 'MirrorMaker 2 (kafka-connect pair)',
  },
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
export const watching = (id: ScenarioId) => id !== 'mm2-outage-nowatch';
/** Every outage kills a primary broker of its own (the shared primary stays up for everyone else). */
export const killsPrimary = (id: ScenarioId) => id !== 'switchover-stopped';

export const log = (line: string) => console.log(`[precision ${new Date().toISOString().slice(11, 19)}] ${line}`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
