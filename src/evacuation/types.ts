// What an evacuation knows and shows: the pairs it selected, each pair's row in the table, its plan. Plain data:
// activity results, the `evacuation` query's answer, what `kdr evacuate --status` prints.
import type { PairApproval } from '../config';

/** One pair of the pairs file as an evacuation selects it: where its primary lives, its tier, its policy. */
export interface PairFacts {
  name: string;
  tier: number;
  labels: string[];
  region?: string;
  zone?: string;
  /** Where the zone came from: the pairs file, or the ApsaraMQ instance (GetInstanceList ZoneId). */
  zoneFrom?: 'pairs file' | 'GetInstanceList';
  /** The instance's own ZoneId when it differs from its standard zone id (e.g. "zonek" for cn-hangzhou-k): both select it. */
  zoneId?: string;
  replication: string;
  approval: PairApproval;
  /** The pair's parity.failover: "approve" asks one approval more when its parity has gaps, in an evacuation too. */
  parityFailover?: 'warn' | 'approve';
}

/** Why a selected pair cannot be evacuated now (read at start, before anything changes). */
export interface PairBlocker {
  pair: string;
  /** The custom domain already points at the secondary. */
  failedOver?: string;
  /** Running drFailover / drFailback runs of the pair. */
  running: string[];
}

/** A pair's state in the evacuation, as the table shows it. */
export interface PairRow {
  pair: string;
  tier: number;
  workflowId: string;
  /** The child's phase (a step name while it runs), or ended states: completed, failed, not-started. */
  phase: string;
  step?: string;
  waitingFor?: string;
  blocked?: { step: string; error: string };
  planId?: string;
  plan?: PairPlanBrief;
  /** The CNAME points at the secondary (the child's switch-cname step succeeded). */
  switched: boolean;
  /** Released by the evacuation's approval (its first plan approved). */
  released: boolean;
  /**
   * An approval the member asks on its own run (its final plan is worse than the one the evacuation approved: step
   * reapproval), under the evacuation's approvers; the evacuation pages its targets with it.
   */
  asks?: {
    step: string;
    planId: string;
    required: number;
    approvedBy: string[];
    allowList?: string[];
    requestedBy?: string;
    deadline: string;
  };
  /** How the child ended (completed, failed, ...), with a one-line reason. */
  ended?: { outcome: string; note: string; at: string };
}

/** What the evacuation plan shows of one pair's first plan (the child's plan query). */
export interface PairPlanBrief {
  mode: string;
  groups: number;
  partitions: number;
  duplicateBound: number;
  untranslated: number;
  liveGroups: number;
  latencyMs: number;
  cname: { domain: string; from: string; to: string };
  warnings: string[];
  /** The member's parity of the secondary, as its plan showed it (absent when the member did not check). */
  parity?: { checked: boolean; total: number; summary: string };
}

/** The evacuation's plan: one planId over every member's planId (and the order they run in). */
export interface EvacuationPlan {
  pair: string;
  evacuation: true;
  planId: string;
  select: string;
  parallel: number;
  pairs: { pair: string; tier: number; planId: string; plan: PairPlanBrief }[];
  /**
   * Pairs whose parity.failover "approve" asks one approval more (their parity has gaps): the evacuation's approval
   * then asks one more too, so a pair released by an evacuation is never approved more loosely than alone.
   */
  parityApprovals?: { pair: string; why: string }[];
  /** Pairs with no plan when the evacuation was planned (blocked or ended before): not covered by this approval. */
  unplanned: { pair: string; why: string }[];
  totals: {
    pairs: number;
    groups: number;
    partitions: number;
    duplicateBound: number;
    untranslated: number;
    liveGroups: number;
  };
  warnings: string[];
  /** Plans are arrays of groups elsewhere: the plan query pages them; an evacuation has none. */
  groups: never[];
}

/** The `evacuation` query's answer: the table, the RTO so far, and what the approval released. */
export interface EvacuationView {
  workflowId: string;
  phase: string;
  dryRun: boolean;
  select: string;
  parallel: number;
  requestedBy: string;
  startedAt: string;
  approvedAt?: string;
  approvedBy: string[];
  /** The approved evacuation plan and, per pair, the exact child planId it released. */
  planId?: string;
  released: Record<string, string>;
  rows: PairRow[];
  /** From the start to the last CNAME switched (or to now, while some are not). */
  rto: { sinceMs: number; allSwitched: boolean; switched: number; of: number };
}
