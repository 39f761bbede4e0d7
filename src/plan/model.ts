// THE failover plan as a run carries it: what the plan activity returns, what the `plan` query answers, what
// `kdr plan` prints. Only data; the planner's working value (`OffsetPlan` in types.ts, with per-partition notes)
// becomes this plan through compact.ts, seal.ts seals it for approval, markdown.ts, csv.ts and compare.ts read it.
import type { OffsetSource } from './types';
import type { FidelityProfile } from '../kafka/fidelity';
import type { StoredPlanRef } from './store';

export interface GroupTarget {
  group: string;
  /** Upper bound of records the group may read again (sum over its partitions). */
  duplicateBound: number;
  /** Members in the group on the secondary when planned; such a group cannot be reset until they stop. */
  liveMembers: number;
  /** [topic, partition, offset, source] per partition the group consumes. */
  offsets: [string, number, number, OffsetSource][];
  /** Partitions no better source could translate (placed at earliest), with the reason. */
  untranslated: { topic: string; partition: number; reason: string }[];
}

/** Compact on purpose: it is an activity result (history) and the `plan` query answer at 1,000+ groups. */
export interface FailoverPlan {
  planId: string;
  pair: string;
  marginMs: number;
  latencyMs: number;
  /** The replication fidelity the plan relied on (measured by the canary; unmeasured = preserves nothing). */
  fidelity?: FidelityProfile & { description: string };
  primaryReachable: boolean;
  /**
   * With the primary down: the drWatch snapshot the plan read (src/kafka/positions.ts). `takenAt` is the last
   * complete snapshot; `ageMs` how old it was when planned; a group re-reads at least what it processed since.
   */
  snapshot?: {
    takenAt: number | null;
    ageMs: number | null;
    oldestPosition: number | null;
    positions: number;
    groupsOnlyInSnapshots: number;
  };
  /**
   * EventBridge pairs: records the replicator could not write and set aside in the pair's dead-letter topic on the
   * secondary when planned. They are not in their topics on the secondary, so no group will read them there.
   */
  deadLetter?: { topic: string; records: number };
  totals: {
    groups: number;
    partitions: number;
    duplicateBound: number;
    untranslated: number;
    liveGroups: number;
    sources: Partial<Record<OffsetSource, number>>;
  };
  groups: GroupTarget[];
  /**
   * A plan too large for one payload (src/plan/store.ts): every group is in the store on the secondary,
   * and `groups` as the activity returns it is the first page only; the workflow reads the other pages
   * (workflows/plan-pages.ts) before it seals or shows the plan.
   */
  stored?: StoredPlanRef;
}

export type FailoverMode = 'switchover' | 'outage' | 'no-drain';

/** What approving a plan authorises beyond the offsets; covered by its planId. */
export interface PlanAuthority {
  pair: string;
  cname: { domain: string; from: string; to: string };
  /** What the input asked for (true, false, "auto") and what the run will do. */
  drain: boolean | 'auto';
  mode: FailoverMode;
  marginMs: number;
  /** Epoch ms, or null when none was given. */
  operatorTimestamp: number | null;
}

/** A plan as approved and applied: planId covers `authorises` and every target offset. */
export interface SealedPlan extends FailoverPlan {
  /** The plan activity's own id over margin and offsets (kept for the record); planId is the seal. */
  offsetsId: string;
  authorises: PlanAuthority;
}

/** The `plan` query's answer and what `kdr plan` prints: the sealed plan, the CNAME change, and why it was re-asked. */
/** `identityWarning`: the pair uses declared identity (anyone who can signal approves); not sealed by the planId. */
export type ShownPlan = SealedPlan & {
  cname: CnameChangePlan;
  comparedTo?: string;
  worse?: string[];
  identityWarning?: string;
  /** The pair's autoFailover policy in one line (src/config/auto-failover.ts); absent in plans shown before it. */
  autoFailover?: string;
};

export interface CnameChangePlan {
  domain: string;
  from: string;
  to: string;
}

/** What a reset did to one group: [topic, partition, before (-1 = none), after]. */
export interface GroupReset {
  group: string;
  changes: [string, number, number, number][];
}
