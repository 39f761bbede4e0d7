// THE failover plan: its type (what the plan activity returns, what the `plan` query answers, what `kdr plan`
// prints), its approval id, its Markdown (the run's details) and its CSV (what `kafka-consumer-groups.sh
// --reset-offsets --from-file` reads). Pure (no I/O, no clock, no node:crypto): workflow, activities, CLI and
// tests share this one module. The planner's working value (`OffsetPlan` in src/kafka/plan.ts, with per-partition
// notes) becomes this plan through `compactPlan`.
import type { OffsetPlan, OffsetSource } from '../src/kafka/plan';
import type { FidelityProfile } from '../src/kafka/fidelity';
import type { StoredPlanRef } from '../src/kafka/plan-store';
import { canonicalJson, sha256Hex } from '../src/security/sha256';
import { mdCell } from './markdown';

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
   * A plan too large for one payload (src/kafka/plan-store.ts): every group is in the store on the secondary,
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
};

/** The approval id of `authority` + the offsets of `plan`: SHA-256 over their canonical JSON, 128 bits. */
export function sealedPlanId(plan: Pick<FailoverPlan, 'groups'>, authority: PlanAuthority): string {
  const offsets = plan.groups.map((g) => [
    g.group,
    g.offsets.map(([topic, partition, offset]) => [topic, partition, offset]),
  ]);
  return sha256Hex(canonicalJson({ v: 1, ...authority, offsets })).slice(0, 32);
}

/** The planner's result as the plan the run carries: per group its targets and bound (per-partition notes stay in the activity). */
export function compactPlan(
  plan: OffsetPlan,
  meta: Pick<FailoverPlan, 'pair' | 'latencyMs' | 'primaryReachable'> &
    Partial<Pick<FailoverPlan, 'fidelity' | 'snapshot' | 'deadLetter'>>,
): FailoverPlan {
  const sources: Partial<Record<OffsetSource, number>> = {};
  const groups: GroupTarget[] = plan.groups.map((g) => {
    for (const p of g.partitions) sources[p.source] = (sources[p.source] ?? 0) + 1;
    return {
      group: g.group,
      duplicateBound: g.duplicateBound,
      liveMembers: g.liveMembersOnSecondary,
      offsets: g.partitions.map((p): [string, number, number, OffsetSource] => [
        p.topic,
        p.partition,
        p.offset,
        p.source,
      ]),
      untranslated: g.untranslated,
    };
  });
  return {
    planId: plan.planId,
    pair: meta.pair,
    marginMs: plan.marginMs,
    latencyMs: meta.latencyMs,
    ...(meta.fidelity ? { fidelity: meta.fidelity } : {}),
    primaryReachable: meta.primaryReachable,
    ...(meta.snapshot ? { snapshot: meta.snapshot } : {}),
    ...(meta.deadLetter ? { deadLetter: meta.deadLetter } : {}),
    totals: {
      groups: groups.length,
      partitions: groups.reduce((n, g) => n + g.offsets.length, 0),
      duplicateBound: groups.reduce((n, g) => n + g.duplicateBound, 0),
      untranslated: groups.reduce((n, g) => n + g.untranslated.length, 0),
      liveGroups: groups.filter((g) => g.liveMembers > 0).length,
      sources,
    },
    groups,
  };
}

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

const MAX_GROUP_ROWS = 25;

export function planMarkdown(plan: SealedPlan, cname: CnameChangePlan): string {
  const t = plan.totals;
  const sources =
    Object.entries(t.sources)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ') || 'none';
  const lines = [
    `**Plan \`${plan.planId}\`** — approve with signal \`approve\` \`{"by": "<you>", "planId": "${plan.planId}"}\``,
    '',
    `- CNAME \`${cname.domain}\`: \`${cname.from}\` → \`${cname.to}\``,
    `- mode **${plan.authorises.mode}** (drain ${JSON.stringify(plan.authorises.drain)}); operator timestamp: ` +
      `${plan.authorises.operatorTimestamp === null ? 'none' : new Date(plan.authorises.operatorTimestamp).toISOString()}`,
    `- ${t.groups} groups, ${t.partitions} partitions; sources: ${sources}`,
    ...(plan.fidelity ? [`- replication fidelity relied on: ${mdCell(plan.fidelity.description, 300)}`] : []),
    ...(plan.snapshot ? [snapshotLine(plan.snapshot)] : []),
    ...(plan.deadLetter ? [deadLetterLine(plan.deadLetter)] : []),
    `- expected duplicates ≤ ${t.duplicateBound} records (margin ${plan.marginMs} ms ≥ replication latency ${plan.latencyMs} ms)`,
    `- untranslated partitions (placed at earliest): ${t.untranslated}`,
    `- groups with live members on the secondary: ${t.liveGroups}${t.liveGroups ? ' ⚠ stop them before the reset step' : ''}`,
    '',
    // A list, not a table: the Temporal UI renders table cells without padding, so numeric columns run together.
    '**Per group**',
    '',
    ...plan.groups
      .slice(0, MAX_GROUP_ROWS)
      .map(
        (g) =>
          `- ${mdCell(g.group, 120)}: ${g.offsets.length} partitions, duplicates ≤ ${g.duplicateBound}, ${g.untranslated.length} untranslated, ` +
          `${g.liveMembers} live members${g.liveMembers ? ' ⚠' : ''}`,
      ),
  ];
  if (plan.groups.length > MAX_GROUP_ROWS)
    lines.push(`- … ${plan.groups.length - MAX_GROUP_ROWS} more (query \`plan\`)`);
  return lines.join('\n');
}

/** Records set aside by the replicator: the approver must know they are not where consumers will read. */
export function deadLetterLine(d: NonNullable<FailoverPlan['deadLetter']>): string {
  if (d.records === 0)
    return `- dead-letter topic \`${mdCell(d.topic, 200)}\` on the secondary: empty (every record the replicator read was written)`;
  return (
    `- ⚠ **${d.records} record(s) in the dead-letter topic \`${mdCell(d.topic, 200)}\`** on the secondary: the replicator could not write ` +
    'them to their topics, so no group reads them after the switch; replay them from there (each carries its source topic, partition and offset)'
  );
}

function snapshotLine(s: NonNullable<FailoverPlan['snapshot']>): string {
  if (s.takenAt === null)
    return '- drWatch snapshot: **none found** on the secondary (is `kdr watch` running for this pair?)';
  const age = s.ageMs === null ? '' : `, ${Math.round(s.ageMs / 1000)} s old when planned`;
  return (
    `- drWatch snapshot of ${new Date(s.takenAt).toISOString()}${age}: ${s.positions} position(s) used` +
    (s.groupsOnlyInSnapshots ? `; ${s.groupsOnlyInSnapshots} group(s) known only from snapshots` : '')
  );
}

/** `kdr plan --csv --group g` for a group the plan does not hold (not raised in workflow code). */
export class GroupNotInPlanError extends Error {
  override name = 'GroupNotInPlanError';
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The file `kafka-consumer-groups.sh --reset-offsets --from-file <f> --execute` reads. With `group` (and one
 * `--group` on the command line) it is the single-group form `topic,partition,offset`; without, every group
 * as `group,topic,partition,offset`, applied with one `--group` per planned group (not `--all-groups`: the tool
 * then fails on every other group of the cluster and skips planned groups it does not know yet). Fields are quoted as CSV.
 */
export function planCsv(
  plan: { groups: readonly { group: string; offsets: readonly (readonly [string, number, number, string])[] }[] },
  group?: string,
): string {
  if (group !== undefined) {
    const g = plan.groups.find((x) => x.group === group);
    if (!g)
      throw new GroupNotInPlanError(
        `group ${group} is not in the plan (groups: ${
          plan.groups
            .map((x) => x.group)
            .slice(0, 20)
            .join(', ') || 'none'
        })`,
      );
    return g.offsets.map(([topic, partition, offset]) => `${csvField(topic)},${partition},${offset}\n`).join('');
  }
  return plan.groups
    .flatMap((g) =>
      g.offsets.map(([topic, partition, offset]) => `${csvField(g.group)},${csvField(topic)},${partition},${offset}\n`),
    )
    .join('');
}

/** Why `final` needs a new approval: a group whose bound grew, or that has more untranslated partitions. */
export function comparePlans(approved: FailoverPlan, final: FailoverPlan): string[] {
  const before = new Map(approved.groups.map((g) => [g.group, g]));
  const worse: string[] = [];
  for (const g of final.groups) {
    const a = before.get(g.group);
    if (!a) {
      worse.push(`${g.group} was not in the approved plan`);
      continue;
    }
    if (g.duplicateBound > a.duplicateBound)
      worse.push(`${g.group} duplicate bound ${a.duplicateBound} -> ${g.duplicateBound}`);
    if (g.untranslated.length > a.untranslated.length)
      worse.push(`${g.group} untranslated partitions ${a.untranslated.length} -> ${g.untranslated.length}`);
  }
  // A replicator measured to preserve less than when the plan was approved: the approver relied on the old profile.
  if (approved.fidelity && final.fidelity) {
    const lost = FIDELITY_PROPERTIES.filter((k) => approved.fidelity![k] && !final.fidelity![k]);
    if (lost.length)
      worse.push(`replication fidelity no longer shows ${lost.join(', ')} (now: ${final.fidelity.description})`);
  }
  return worse;
}

const FIDELITY_PROPERTIES = [
  'measured',
  'partitionPreserved',
  'orderPreserved',
  'timestampPreserved',
  'keyValueIdentical',
  'headersPreserved',
] as const;
