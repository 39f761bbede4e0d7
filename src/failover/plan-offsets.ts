// drFailover's plan: which groups to plan (the selection, narrowed on the primary before its commits are read,
// widened by the checkpoints, the secondary's own groups and drWatch's snapshots when the primary is gone), the
// evidence for them, the planner (src/plan/planner.ts), and the plan as the run carries it, written to the plan
// store when it is too large for one payload. The clusters come in as ports (activities/failover.ts builds them
// from admin sessions; tests pass fakes); the algorithm itself is docs/offset-plan.md.
import { selectNames, selects, type Selection } from '../config';
import { isInternalGroup, type CommittedOffset } from '../kafka/admin';
import type { CheckpointsRead } from '../kafka/checkpoints';
import type { GatherOptions, GatheredEvidence } from '../kafka/evidence';
import { describeProfile, type FidelityProfile } from '../kafka/fidelity';
import type { TailMatch } from '../kafka/match';
import type { PositionsRead } from '../kafka/positions';
import type { PostSwitchEnd } from '../kafka/post-switch';
import type { SnapshotsAttached } from '../kafka/snapshot-evidence';
import { compactPlan } from '../plan/compact';
import type { FailoverPlan } from '../plan/model';
import { makePlan, type GroupEvidence, type PlanOptions } from '../plan/planner';
import type { StoredPlanRef } from '../plan/store';

/** Plans whose JSON is larger go to the plan store (src/plan/store.ts); the worker's KDR_PLAN_INLINE_BYTES
 * overrides. */
export const INLINE_PLAN_BYTES = 1024 * 1024;

/**
 * planOffsets's heartbeat: where it is, for `kdr status` ("primary commits: 6,200 / 10,000 groups"); once the
 * plan is made, the result itself, so an attempt retried after the plan was made (a lost completion, a worker
 * stopped) returns it instead of reading both clusters again.
 */
export interface PlanProgress {
  phase: string;
  groupsDone: number | null;
  groups: number;
  progress: string;
  elapsedMs: number;
  result?: FailoverPlan;
}

/** What the workflow asks for (planOffsets's input). */
export interface PlanRequest {
  topics: string[];
  groups?: Selection;
  primaryReachable: boolean;
  latencyMs: number;
  marginMs?: number;
  operatorTimestamp?: number;
  /** Only these groups (the approved plan's), e.g. for the final plan of a switchover. */
  onlyGroups?: string[];
  /** Where the copy of each partition's last primary record is (a drained switchover): exact bounds. */
  tails?: TailMatch[];
  /** Where, per secondary partition, the applications' own post-switch records begin and the copies end. */
  postSwitch?: PostSwitchEnd[];
}

/** The pair's facts the plan needs. */
export interface PlanPair {
  name: string;
  groups: Selection;
  canaryTopic: string;
  /** MirrorMaker 2 pairs: its checkpoints are evidence. */
  useCheckpoints: boolean;
}

export interface PlanPorts {
  /** The primary, or null when it does not answer. */
  primary: {
    listGroups(): Promise<string[]>;
    /** Committed offsets of `groups` on the partitions of `topics`; `onRead(n)` after every n groups read. */
    committedOffsets(
      groups: string[],
      topics: string[],
      onRead: (n: number) => void,
    ): Promise<Map<string, CommittedOffset[]>>;
  } | null;
  secondary: {
    readCheckpoints(topics: string[], groups: readonly string[] | ((g: string) => boolean)): Promise<CheckpointsRead>;
    /** Groups the secondary itself knows on `topics` (commits there; ApsaraMQ's declared groups). */
    knownGroups(topics: string[]): Promise<string[]>;
    readPositions(): Promise<PositionsRead>;
    /** The newest complete canary run's fidelity profile (none = preserves nothing). */
    fidelity(): Promise<FidelityProfile>;
    gatherEvidence(o: Omit<GatherOptions, 'primary' | 'secondary'>): Promise<Pick<GatheredEvidence, 'groups'>>;
    attachSnapshots(groups: GroupEvidence[], read: PositionsRead, plan: PlanOptions): Promise<SnapshotsAttached>;
    deadLetter(): Promise<{ topic: string; records: number } | undefined>;
    storePages(groups: FailoverPlan['groups'], maxBytes: number): Promise<StoredPlanRef>;
  };
  progress(p: PlanProgress): void;
  now(): number;
  /** Raw JSON bytes above which the plan goes to the store. */
  inlineLimit: number;
}

/** Keeps, per group, the topics it consumes (a commit on the primary, an MM2 checkpoint or a snapshot); all when
 * unknown. */
export function consumedOnly(groups: GroupEvidence[]): GroupEvidence[] {
  return groups.map((g) => {
    const consumed = new Set(
      g.partitions
        .filter((p) => (p.primary && p.primary.committedOffset >= 0) || p.checkpoint || p.snapshot)
        .map((p) => p.topic),
    );
    return consumed.size === 0 ? g : { ...g, partitions: g.partitions.filter((p) => consumed.has(p.topic)) };
  });
}

export async function planFailoverOffsets(pair: PlanPair, o: PlanRequest, ports: PlanPorts): Promise<FailoverPlan> {
  const { primary, secondary } = ports;
  const selection = o.groups ?? pair.groups;
  const started = ports.now();
  let total = 0;
  const beat = (phase: string, done?: number) => {
    const count = (n: number) => n.toLocaleString('en-US');
    const progress = done === undefined ? phase : `${phase}: ${count(done)} / ${count(total)} groups`;
    ports.progress({ phase, groupsDone: done ?? null, groups: total, progress, elapsedMs: ports.now() - started });
  };
  // kafka-dr's own canary topic is replicated but consumed by no application group.
  const appTopics = o.topics.filter((t) => t !== pair.canaryTopic);
  beat('listing groups');
  const wanted = (g: string) => !isInternalGroup(g) && selects(selection, g);
  const candidates = new Set<string>(o.onlyGroups ?? (Array.isArray(selection) ? selection : []));
  // The primary's groups, narrowed to the selection before their commits are read (a shared cluster has many
  // more groups than a pair selects); the commits read here are the plan's evidence too.
  let primaryCommitted: Map<string, CommittedOffset[]> | undefined;
  if (primary) {
    const listed = o.onlyGroups
      ? []
      : selectNames(
          selection,
          (await primary.listGroups()).filter((g) => !isInternalGroup(g)),
        );
    const ask = [...new Set([...candidates, ...listed])].filter(wanted);
    total = ask.length;
    let read = 0;
    primaryCommitted = await primary.committedOffsets(ask, appTopics, (n) => beat('primary commits', (read += n)));
    for (const [g, c] of primaryCommitted) if (c.length > 0 || candidates.has(g)) candidates.add(g);
  }
  let checkpoints: CheckpointsRead | undefined;
  if (pair.useCheckpoints) {
    beat('MirrorMaker 2 checkpoints');
    // Read once: every group's checkpoints, kept for the evidence below.
    checkpoints = await secondary.readCheckpoints(o.topics, o.onlyGroups ?? wanted);
    if (!o.onlyGroups) for (const c of checkpoints.checkpoints.values()) candidates.add(c.group);
  }
  // No group is dropped silently: without the primary, the secondary still knows some groups (groups with
  // commits on the pair's topics there; ApsaraMQ keeps the groups drSetup declared). A group with no evidence is
  // planned at earliest and listed as untranslated, which the approver sees, rather than left to its
  // auto.offset.reset. A selection that lists its groups has them all as candidates already: the secondary's
  // groups (every group of a shared cluster or instance, read in pages) could add none it selects.
  if (!primary && !o.onlyGroups && !Array.isArray(selection))
    for (const g of await secondary.knownGroups(o.topics)) candidates.add(g);
  // drWatch's positions, stored on the secondary: the primary's view of every group, as of the last snapshot.
  const positions = primary ? undefined : await secondary.readPositions();
  const onlyInSnapshots = new Set<string>();
  if (positions && !o.onlyGroups) {
    for (const g of positions.byGroup.keys()) {
      if (candidates.has(g)) continue;
      candidates.add(g);
      onlyInSnapshots.add(g);
    }
  }
  const groups = [...candidates].filter(wanted).sort();
  total = groups.length;
  // What the replicator preserves, from the newest complete canary run on the secondary (assess runs one when the
  // primary answers; drSetup's otherwise); none found = preserves nothing (group-wide sources only).
  const fidelity = await secondary.fidelity();
  const planOptions: PlanOptions = {
    marginMs: o.marginMs ?? 1_000,
    replicationLatencyMs: o.latencyMs,
    operatorTimestamp: o.operatorTimestamp,
    fidelity,
  };
  const evidence = await secondary.gatherEvidence({
    groups,
    topics: appTopics,
    useCheckpoints: pair.useCheckpoints,
    plan: planOptions,
    exact: { ...(o.tails ? { tails: o.tails } : {}) },
    ...(o.postSwitch ? { postSwitch: o.postSwitch } : {}),
    ...(checkpoints ? { checkpoints } : {}),
    ...(primaryCommitted ? { primaryCommitted } : {}),
    progress: beat,
  });
  const attached = positions ? await secondary.attachSnapshots(evidence.groups, positions, planOptions) : undefined;
  beat('planning', 0);
  const plan = makePlan(consumedOnly(evidence.groups), planOptions);
  beat('planned', groups.length);
  const deadLetter = await secondary.deadLetter().catch(() => undefined);
  const compact = compactPlan(plan, {
    pair: pair.name,
    ...(deadLetter ? { deadLetter } : {}),
    latencyMs: o.latencyMs,
    fidelity: { ...fidelity, description: describeProfile(fidelity) },
    primaryReachable: primary !== null,
    ...(positions && attached
      ? {
          snapshot: {
            takenAt: positions.marker?.takenAt ?? attached.newest,
            ageMs: positions.marker ? Math.max(0, ports.now() - positions.marker.takenAt) : null,
            oldestPosition: attached.oldest,
            positions: attached.positions,
            groupsOnlyInSnapshots: [...onlyInSnapshots].filter((g) => selects(selection, g) && !isInternalGroup(g))
              .length,
          },
        }
      : {}),
  });
  let result: FailoverPlan = compact;
  if (Buffer.byteLength(JSON.stringify(compact)) > ports.inlineLimit) {
    beat('storing the plan on the secondary', groups.length);
    const stored = await secondary.storePages(compact.groups, Math.min(ports.inlineLimit, 512 * 1024));
    result = { ...compact, groups: compact.groups.slice(0, stored.pages[0].groups), stored };
  }
  ports.progress({
    phase: 'planned',
    groupsDone: groups.length,
    groups: total,
    progress: `planned ${groups.length} groups`,
    elapsedMs: ports.now() - started,
    result,
  });
  return result;
}
