// drFailback's restore-forward, after the switch-back: the reverse replication removed (its stored positions too,
// so a later re-protect starts afresh), then forward replication started again where the old primary's logs stop
// holding copies of the secondary's records. The reverse copies and the applications' first records interleave
// there (they wrote to the old primary while the reverse replication still copied), so each partition starts at
// its first record no copy explains (src/kafka/post-switch.ts): nothing written since the switch-back is skipped;
// copies after that point are carried back once more and counted. The clusters and the replication come in as
// ports (activities/failback.ts builds them; tests pass fakes).
import { OperatorActionError } from '../errors';
import type { PartitionOffsets } from '../kafka/admin';
import type { FidelityProfile } from '../kafka/fidelity';
import type { PostSwitchRegion } from '../kafka/post-switch';
import { tpKey } from '../kafka/protocol';

export interface ForwardRestore {
  /** The replicated application topics and the canary topic. */
  topics: string[];
  /** The reverse replication was found and removed (with its stored positions), or was already gone. */
  reverse: { id: string; removed: boolean };
  /** [topic, partition, offset]: where forward replication starts on the old primary, now the active side. */
  starts: [string, number, number][];
  /** Copies (of the reverse direction) at or after a start: forward replication carries them back once more. */
  recopied: number;
  /** Records the applications wrote on the old primary since the switch-back, all at or after a start. */
  written: number;
  notes: string[];
}

/** Both clusters, open for the last part (positions and the restart). */
export interface RestoreSides {
  /** Log start and end of every partition of `topics` on the old primary. */
  primaryOffsets(topics: string[]): Promise<PartitionOffsets[]>;
  /**
   * Where the old primary's copies end per partition: the old primary holds the reverse copies, so it plays the
   * replica and the secondary the source.
   */
  region(application: string[], pre: Map<string, number>, profile: FidelityProfile): Promise<PostSwitchRegion>;
  /** Positions forward replication at `starts` ([topic, partition, offset] on the old primary) and resumes it. */
  startForwardAt(topics: string[], starts: [string, number, number][]): Promise<void>;
}

export interface RestorePorts {
  canaryTopic: string;
  /** The application topics (replicated, without kafka-dr's canary and export topics), listed on the old primary. */
  applicationTopics(): Promise<string[]>;
  reverseState(topics: string[]): Promise<{ id: string; state: string }>;
  /** The newest canary profile on the old primary (the reverse direction's). */
  canaryProfile(): Promise<FidelityProfile>;
  /** Removes the reverse replication and its stored positions. */
  removeReverse(topics: string[]): Promise<void>;
  forwardState(topics: string[]): Promise<{ state: string }>;
  withSides<T>(fn: (sides: RestoreSides) => Promise<T>): Promise<T>;
}

/**
 * `preSwitchEnds` (the old primary's ends read before the switch-back) only narrows the scan; without it the scan
 * starts at the emptied offsets.
 */
export async function restoreForward(
  ports: RestorePorts,
  preSwitchEnds: [string, number, number][] | null,
): Promise<ForwardRestore> {
  const canary = ports.canaryTopic;
  const application = await ports.applicationTopics();
  const topics = [...application, canary];
  const before = await ports.reverseState(topics);
  const profile = await ports.canaryProfile();
  if (before.state !== 'absent') await ports.removeReverse(topics);
  if (before.state === 'absent' && (await ports.forwardState(topics)).state === 'running') {
    // Restored by an earlier run: its positions were set once; setting them again from the logs would copy
    // everything written since the switch-back a second time.
    return {
      topics,
      reverse: { id: before.id, removed: false },
      starts: [],
      recopied: 0,
      written: 0,
      notes: ['forward replication already runs: its positions are left as they are'],
    };
  }
  return ports.withSides(async (sides) => {
    const now = await sides.primaryOffsets(topics);
    const pre = new Map<string, number>();
    for (const p of now) pre.set(tpKey(p.topic, p.partition), p.earliest);
    for (const [t, p, end] of preSwitchEnds ?? []) pre.set(tpKey(t, p), end);
    const region = await sides.region(application, pre, profile);
    if (!region.provable) {
      throw new OperatorActionError(
        'ReplicationUnprovable',
        `forward replication cannot be restarted at an exact position: ${region.reason ?? 'no identity to compare'}. ` +
          'The reverse replication is removed; the forward one is still paused. Resolve retry after a reverse connector-verify',
      );
    }
    const starts: [string, number, number][] = region.ends.map(([t, p, firstNew]) => [t, p, firstNew]);
    for (const p of now.filter((x) => x.topic === canary)) starts.push([canary, p.partition, p.end]);
    const recopied = region.ends.reduce(
      (n, [, , firstNew, replicatedEnd]) => n + Math.max(0, replicatedEnd - firstNew),
      0,
    );
    const ends = new Map(now.map((p) => [tpKey(p.topic, p.partition), p.end]));
    const written =
      region.ends.reduce((n, [t, p, firstNew]) => n + Math.max(0, (ends.get(tpKey(t, p)) ?? firstNew) - firstNew), 0) -
      recopied;
    await sides.startForwardAt(topics, starts);
    return {
      topics,
      reverse: { id: before.id, removed: before.state !== 'absent' },
      starts,
      recopied,
      written: Math.max(0, written),
      notes: region.notes.slice(0, 5),
    };
  });
}
