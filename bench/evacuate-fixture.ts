// The evacuation's estate: 20 pairs on the local stack's two clusters, half replicated by MirrorMaker 2
// (kafka-connect pairs), half by EventBridge event streams (ApsaraMQ pairs on the emulated instances), each with
// its own topic (8 partitions, the same records on both sides, as a timestamp-keeping replicator leaves them),
// its own canary topic and its own domain, and 500 consumer groups committed on the primary: 10,000 groups.
// Names are stable (prefix `bench-evac`), so a second run reuses what the first built; `removeEstate` deletes it.
import { openAdmin, setManyGroupOffsets, type AdminSession, type CommittedOffset } from '../src/kafka/admin';
import type { PairConfigInput } from '../src/config';
import { apsaramqPair, kafkaPair } from '../stack/harness/kdr';
import { local } from '../stack/local-stack';
import { kafkaFor, PARTITIONS, primaryOffset, produceSame } from './fixture';

/** Not `kdr-`: kafka-dr treats groups named so as its own (canary readers) and never plans them. */
export const ESTATE_PREFIX = 'bench-evac';

export interface EstateOptions {
  pairs: number;
  groupsPerPair: number;
  recordsPerPartition: number;
}

export interface EstatePair {
  index: number;
  replication: 'mirrormaker2' | 'eventbridge';
  topic: string;
  canaryTopic: string;
  /** Selects exactly this pair's groups. */
  groupPattern: string;
  groups: string[];
}

export interface Estate {
  pairs: EstatePair[];
  primary: AdminSession;
  secondary: AdminSession;
  /** Whether this run built it (false: found complete from an earlier run). */
  built: boolean;
  setupMs: number;
}

const tag = (i: number) => `p${String(i).padStart(2, '0')}`;

function estatePairs(o: EstateOptions): EstatePair[] {
  return Array.from({ length: o.pairs }, (_, i) => ({
    index: i,
    // Alternate, so every tier of parallel starts holds both kinds.
    replication: i % 2 === 0 ? ('mirrormaker2' as const) : ('eventbridge' as const),
    topic: `${ESTATE_PREFIX}-${tag(i)}-orders`,
    canaryTopic: `${ESTATE_PREFIX}-${tag(i)}-canary`,
    groupPattern: `${ESTATE_PREFIX}-${tag(i)}-g[0-9]{3}`,
    groups: Array.from(
      { length: o.groupsPerPair },
      (_, g) => `${ESTATE_PREFIX}-${tag(i)}-g${String(g).padStart(3, '0')}`,
    ),
  }));
}

/**
 * The pair config of estate pair `p` under the run's own name (a fresh DNS record per run, so no run finds the
 * CNAME already switched by the one before), over the estate's stable topics and groups.
 */
export function estatePairConfig(p: EstatePair, name: string): PairConfigInput {
  const base = p.replication === 'mirrormaker2' ? kafkaPair(name, [p.topic]) : apsaramqPair(name, [p.topic]);
  return {
    ...base,
    replication: { ...base.replication, canaryTopic: p.canaryTopic },
    groups: { pattern: p.groupPattern },
  } as PairConfigInput;
}

async function complete(primary: AdminSession, secondary: AdminSession, pairs: EstatePair[]): Promise<boolean> {
  const want = pairs.flatMap((p) => [p.topic, p.canaryTopic]);
  const [pt, st] = await Promise.all([primary.admin.listTopics(), secondary.admin.listTopics()]);
  if (!want.every((t) => pt.includes(t) && st.includes(t))) return false;
  const { groups } = await primary.admin.listGroups();
  const have = new Set(groups.map((g) => g.groupId));
  return pairs.every((p) => p.groups.every((g) => have.has(g)));
}

/** Opens both clusters and builds the estate, or finds it complete from an earlier run. */
export async function ensureEstate(o: EstateOptions, log: (line: string) => void, attempt = 1): Promise<Estate> {
  try {
    return await buildOrReuse(o, log);
  } catch (err) {
    // A busy broker can refuse the first produce to a new partition (NOT_LEADER_FOR_PARTITION after kafkajs's own
    // retries): the partial estate is removed and built again, never patched (both sides must hold the same records).
    if (attempt >= 3) throw err;
    log(`estate build failed (${(err as Error).message}); removing it and building again (attempt ${attempt + 1}/3)`);
    return ensureEstate(o, log, attempt + 1);
  }
}

async function buildOrReuse(o: EstateOptions, log: (line: string) => void): Promise<Estate> {
  const started = Date.now();
  const primary = await openAdmin(kafkaFor(local.primaryBootstrap, 'kdr-bench-evac'));
  const secondary = await openAdmin(kafkaFor(local.secondaryBootstrap, 'kdr-bench-evac'));
  try {
    return await build(o, log, primary, secondary, started);
  } catch (err) {
    await Promise.allSettled([primary.close(), secondary.close()]);
    throw err;
  }
}

async function build(
  o: EstateOptions,
  log: (line: string) => void,
  primary: AdminSession,
  secondary: AdminSession,
  started: number,
): Promise<Estate> {
  const pairs = estatePairs(o);
  if (await complete(primary, secondary, pairs)) {
    // What an interrupted run left committed on the secondary (any size of estate) goes before anything is timed:
    // thousands of stray groups there slow every other test's plan on the shared stack.
    const stale = await deleteGroupsOf(secondary);
    if (stale) log(`estate ${ESTATE_PREFIX}: deleted ${stale} stale group(s) on the secondary`);
    log(
      `estate ${ESTATE_PREFIX}: found complete (${pairs.length} pairs, ${pairs.length * o.groupsPerPair} groups), reused`,
    );
    return { pairs, primary, secondary, built: false, setupMs: Date.now() - started };
  }
  // A partial estate (an interrupted build) is removed first: records produced twice would differ per side.
  await removeTopicsAndGroups(primary, secondary, log);
  const topics = pairs.flatMap((p) => [p.topic, p.canaryTopic]);
  const create = (a: AdminSession) =>
    a.admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((topic) => ({
        topic,
        numPartitions: topic.endsWith('-canary') ? 1 : PARTITIONS,
        replicationFactor: 1,
      })),
    });
  await Promise.all([create(primary), create(secondary)]);
  // On a busy machine a new partition's leader can lag the create answer: produce only once every one has one.
  await Promise.all([leadersOf(primary, topics), leadersOf(secondary, topics)]);
  await new Promise((r) => setTimeout(r, 5000));
  const baseTime = Date.now() - o.recordsPerPartition * 10 - 60_000;
  for (const p of pairs) {
    await Promise.all([
      produceSame(primary, p.topic, o.recordsPerPartition, baseTime),
      produceSame(secondary, p.topic, o.recordsPerPartition, baseTime),
    ]);
  }
  const plans = pairs.flatMap((p) =>
    p.groups.map((group, g) => ({
      group,
      offsets: Array.from({ length: PARTITIONS }, (_, partition): CommittedOffset => ({
        topic: p.topic,
        partition,
        offset: primaryOffset(g + p.index * 31, partition, o.recordsPerPartition),
      })),
    })),
  );
  const r = await setManyGroupOffsets(primary, plans, { concurrency: 64 });
  if (r.done.length !== plans.length) {
    throw new Error(
      `committing the estate's groups on the primary: ${r.live.length} live, ${r.failed.length} failed` +
        (r.failed[0] ? ` (first: ${r.failed[0].group}: ${r.failed[0].error.message})` : ''),
    );
  }
  log(
    `estate ${ESTATE_PREFIX}: built (${pairs.length} pairs, ${plans.length} groups) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { pairs, primary, secondary, built: true, setupMs: Date.now() - started };
}

/** Deletes the estate's groups on the secondary (untimed): each method then commits every group, as a first failover. */
export async function forgetOnSecondary(e: Estate): Promise<void> {
  const groups = e.pairs.flatMap((p) => p.groups);
  for (let i = 0; i < groups.length; i += 1000) {
    await e.secondary.admin.deleteGroups(groups.slice(i, i + 1000)).catch(() => undefined);
  }
}

async function until(what: string, check: () => Promise<boolean>, boundMs = 120_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`estate: timed out after ${boundMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function leadersOf(s: AdminSession, topics: string[]): Promise<void> {
  await until('every partition of the new topics to have a leader', async () => {
    const { topics: meta } = await s.admin.fetchTopicMetadata({ topics });
    return (
      meta.length === topics.length &&
      meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
    );
  }).catch(async (err: Error) => {
    throw new Error(`${err.message} (${topics.length} topics)`);
  });
}

async function removeTopicsAndGroups(
  primary: AdminSession,
  secondary: AdminSession,
  log: (line: string) => void,
): Promise<void> {
  for (const [side, s] of [
    ['primary', primary],
    ['secondary', secondary],
  ] as const) {
    await deleteGroupsOf(s).catch((err: Error) => log(`  could not delete groups on the ${side}: ${err.message}`));
    const topics = (await s.admin.listTopics()).filter((t) => t.startsWith(`${ESTATE_PREFIX}-`));
    if (topics.length)
      await s.admin
        .deleteTopics({ topics })
        .catch((err: Error) => log(`  could not delete topics on the ${side}: ${err.message}`));
    // Deletion is asynchronous: a topic created again too soon would share the old one's fate.
    await until(
      `the estate's topics to be gone on the ${side}`,
      async () => !(await s.admin.listTopics()).some((t) => t.startsWith(`${ESTATE_PREFIX}-`)),
    );
  }
}

const estateGroups = async (s: AdminSession) =>
  (await s.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${ESTATE_PREFIX}-`));

/**
 * Deletes every estate group on one cluster (whatever the size of the estate that left it) and checks none is
 * left: a group a late activity committed again after its deletion (a terminated member's reset finishing) is
 * deleted on the next pass. Returns how many it deleted.
 */
async function deleteGroupsOf(s: AdminSession): Promise<number> {
  let deleted = 0;
  for (let pass = 1; ; pass++) {
    const mine = await estateGroups(s);
    if (mine.length === 0) return deleted;
    if (pass > 3) throw new Error(`${mine.length} estate group(s) still there after 3 passes (first: ${mine[0]})`);
    for (let i = 0; i < mine.length; i += 1000) {
      // A group that is not empty (a member joined) is refused: the next pass names what is left.
      await s.admin.deleteGroups(mine.slice(i, i + 1000)).catch(() => undefined);
    }
    deleted += mine.length;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Removes every topic and group of the estate on both clusters, and closes the sessions. */
export async function removeEstate(e: Estate, log: (line: string) => void): Promise<void> {
  await removeTopicsAndGroups(e.primary, e.secondary, log);
  await closeEstate(e);
}

export async function closeEstate(e: Estate): Promise<void> {
  await Promise.all([e.primary.close(), e.secondary.close()]);
}
