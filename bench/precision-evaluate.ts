// Replaying each method: its targets committed for a copy of the group, a fresh consumer reads to the log end,
// and what it delivers is counted against what the application had processed.
import {
  committedOffsets,
  offsetsForTimes,
  partitionOffsets,
  setManyGroupOffsets,
  type AdminSession,
} from '../src/kafka/admin';
import { checkpointKey, readCheckpoints, type Checkpoint } from '../src/kafka/checkpoints';
import { createKafka } from '../src/kafka/clients';
import { mapLimit } from '../src/kafka/protocol';
import { local } from '../stack/local-stack';
import { App, replay, type ReplayRange } from './precision-apps';
import { config, GROUPS, watching, type ScenarioId } from './precision-config';
import type { PlanSeen } from './precision-failover';
import { outcome, type GroupResult, type Method, type MethodOutcome } from './precision-report';
import { logValues, type Traffic } from './precision-traffic';

/** Each method's targets, committed for a copy of the group (kafka-dr: the real group), then replayed and counted. */
export async function evaluate(
  secondary: AdminSession,
  traffic: Traffic,
  topics: Record<'a' | 'b', string>,
  plan: PlanSeen,
  id: ScenarioId,
): Promise<GroupResult[]> {
  const stoppedApps = id === 'switchover-stopped';
  const ends = await partitionOffsets(secondary, [topics.a, topics.b]);
  const { checkpoints } = await readCheckpoints(secondary, {
    groups: [...traffic.apps.keys()],
    topics: Object.values(topics),
  });
  const kafka = createKafka({ bootstrapServers: [local.secondaryBootstrap] }, { clientId: 'kdr-precision-replay' });
  const onSecondary = new Map<string, Set<string>>();
  for (const topic of Object.values(topics))
    onSecondary.set(
      topic,
      await logValues(
        secondary,
        ends.filter((e) => e.topic === topic),
      ),
    );

  interface Job {
    app: App;
    method: Method;
    group: string;
    targets: (number | null)[];
    note?: string;
    replayed?: string[];
  }
  const jobs: Job[] = [];
  for (const app of traffic.apps.values()) {
    const parts = ends.filter((e) => e.topic === app.topic).sort((x, y) => x.partition - y.partition);
    const applied = await committedOffsets(
      secondary,
      app.group,
      parts.map((p) => ({ topic: p.topic, partition: p.partition })),
    );
    const kdr = parts.map((p) => applied.find((o) => o.partition === p.partition)?.offset ?? null);
    const cps = parts.map(
      (p) => checkpoints.get(checkpointKey(app.group, app.topic, p.partition)) as Checkpoint | undefined,
    );
    const last = app.lastCommittedTime();
    const byTime =
      last === null
        ? new Map<string, number | null>()
        : await offsetsForTimes(
            secondary,
            parts
              .filter((p) => app.committed.has(p.partition))
              .map((p) => ({ topic: p.topic, partition: p.partition, timestamp: last })),
          );
    const time = parts.map((p) => {
      if (last === null || !app.committed.has(p.partition)) return null;
      return byTime.get(`${p.topic}:${p.partition}@${last}`) ?? p.end;
    });
    const missingCp = parts.filter((p, i) => app.committed.has(p.partition) && !cps[i]).map((p) => p.partition);
    jobs.push(
      { app, method: 'kafka-dr', group: app.group, targets: kdr },
      {
        app,
        method: 'checkpoint',
        group: `${app.group}.checkpoint`,
        targets: cps.map((c) => c?.downstreamOffset ?? null),
        ...(missingCp.length
          ? {
              note: `no checkpoint for committed partition(s) ${missingCp.join(', ')}: the application's earliest applies`,
            }
          : {}),
      },
      {
        app,
        method: 'timestamp',
        group: `${app.group}.timestamp`,
        targets: time,
        ...(last === null ? { note: 'the group committed nothing: no time to translate' } : {}),
      },
      { app, method: 'earliest', group: `${app.group}.earliest`, targets: parts.map((p) => p.earliest) },
    );
  }
  // Commit each copy's targets (the real group already holds kafka-dr's), then replay all at once.
  const commits = jobs
    .filter((x) => x.method !== 'kafka-dr')
    .map((j) => ({
      group: j.group,
      offsets: j.targets.flatMap((offset, partition) =>
        offset === null ? [] : [{ topic: j.app.topic, partition, offset }],
      ),
    }))
    .filter((c) => c.offsets.length);
  const set = await setManyGroupOffsets(secondary, commits);
  if (set.failed.length || set.live.length)
    throw new Error(
      `committing the baselines' offsets: ${[...set.failed.map((f) => `${f.group}: ${f.error.message}`), ...set.live.map((l) => l.message)].join('; ')}`,
    );
  await mapLimit(jobs, 16, async (j) => {
    const ranges: ReplayRange[] = ends
      .filter((e) => e.topic === j.app.topic)
      .map((e) => {
        const t = j.targets[e.partition];
        return {
          partition: e.partition,
          start: t !== null && t !== undefined && t >= e.earliest && t <= e.end ? t : e.earliest,
          end: e.end,
        };
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
    const outcomes: MethodOutcome[] = jobs
      .filter((j) => j.app === app)
      .map((j) => outcome(j.method, app.processed, values, j.replayed ?? [], j.targets, resent, j.note));
    out.push({
      group: app.group,
      kind: spec.kind,
      topic: app.topic,
      partitions: config.topics[spec.topic],
      processed: app.processed.size,
      unprocessed: [...values].filter((v) => !app.processed.has(v)).length,
      uncommitted: stoppedApps || spec.stopsEarly ? 0 : app.uncommitted(),
      target: stoppedApps
        ? 0
        : watching(id)
          ? processedWithin(app, config.watchIntervalMs + config.commitEveryMs)
          : null,
      bound: planned ? planned.duplicateBound : null,
      sources,
      outcomes,
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
