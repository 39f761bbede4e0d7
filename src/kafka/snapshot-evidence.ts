// Adds drWatch's stored positions to gathered evidence (the primary does not answer), then asks the secondary the
// offset-for-time lookups the snapshot source needs that the first round did not: the planner refuses to guess.
import { offsetsForTimes, tpKey, type AdminSession } from './admin';
import { timestampQueries, type GroupEvidence, type PlanOptions } from '../plan/planner';
import type { PositionsRead } from './positions';

export interface SnapshotsAttached {
  /** Partitions that got a snapshot position. */
  positions: number;
  /** Extra lookups run on the secondary. */
  lookups: number;
  /** Oldest and newest position time among those used (epoch ms); null when none. */
  oldest: number | null;
  newest: number | null;
}

export async function attachSnapshots(
  secondary: AdminSession,
  groups: GroupEvidence[],
  read: PositionsRead,
  plan: PlanOptions,
): Promise<SnapshotsAttached> {
  let positions = 0;
  let oldest: number | null = null;
  let newest: number | null = null;
  for (const g of groups) {
    const stored = read.byGroup.get(g.group);
    if (!stored) continue;
    for (const p of g.partitions) {
      const s = stored.get(tpKey(p.topic, p.partition));
      if (!s) continue;
      p.snapshot = {
        takenAt: s.takenAt,
        committedOffset: s.committedOffset,
        ...(s.matched ? { matched: s.matched } : {}),
        ...(s.firstUnprocessedTimestamp !== undefined
          ? { firstUnprocessedTimestamp: s.firstUnprocessedTimestamp }
          : {}),
        ...(s.lastProcessedTimestamp !== undefined ? { lastProcessedTimestamp: s.lastProcessedTimestamp } : {}),
      };
      positions++;
      oldest = oldest === null ? s.takenAt : Math.min(oldest, s.takenAt);
      newest = newest === null ? s.takenAt : Math.max(newest, s.takenAt);
    }
  }
  const wanted = groups.map((g) =>
    timestampQueries([g], plan).filter(
      (q) =>
        !(
          String(q.timestamp) in
          (g.partitions.find((p) => p.topic === q.topic && p.partition === q.partition)?.offsetsForTimes ?? {})
        ),
    ),
  );
  const answers = wanted.flat().length
    ? await offsetsForTimes(secondary, wanted.flat())
    : new Map<string, number | null>();
  let lookups = 0;
  groups.forEach((g, i) => {
    for (const q of wanted[i]) {
      lookups++;
      const p = g.partitions.find((x) => x.topic === q.topic && x.partition === q.partition);
      if (!p) continue;
      const a = answers.get(`${tpKey(q.topic, q.partition)}@${q.timestamp}`);
      p.offsetsForTimes = { ...(p.offsetsForTimes ?? {}), [String(q.timestamp)]: a === undefined ? null : a };
    }
  });
  return { positions, lookups, oldest, newest };
}
