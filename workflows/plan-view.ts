// The failover plan as operators see it: what query `plan` returns, the Markdown in the run's details, and the
// CSV that `kafka-consumer-groups.sh --reset-offsets --from-file` reads. Pure: workflow, CLI and tests share it.
import type { OffsetSource } from '../src/kafka/plan';
import type { FidelityProfile } from '../src/kafka/fidelity';
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
  snapshot?: { takenAt: number | null; ageMs: number | null; oldestPosition: number | null; positions: number; groupsOnlyInSnapshots: number };
  totals: {
    groups: number; partitions: number; duplicateBound: number; untranslated: number; liveGroups: number;
    sources: Partial<Record<OffsetSource, number>>;
  };
  groups: GroupTarget[];
  /** Set by the workflow (plan-seal.ts): what approving this planId authorises beyond the offsets. */
  authorises?: {
    drain: boolean | 'auto'; mode: string; operatorTimestamp: number | null;
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

export function planMarkdown(plan: FailoverPlan, cname: CnameChangePlan): string {
  const t = plan.totals;
  const sources = Object.entries(t.sources).map(([s, n]) => `${s} ${n}`).join(', ') || 'none';
  const lines = [
    `**Plan \`${plan.planId}\`** — approve with signal \`approve\` \`{"by": "<you>", "planId": "${plan.planId}"}\``,
    '',
    `- CNAME \`${cname.domain}\`: \`${cname.from}\` → \`${cname.to}\``,
    ...(plan.authorises ? [
      `- mode **${plan.authorises.mode}** (drain ${JSON.stringify(plan.authorises.drain)}); operator timestamp: ` +
        `${plan.authorises.operatorTimestamp === null ? 'none' : new Date(plan.authorises.operatorTimestamp).toISOString()}`,
    ] : []),
    `- ${t.groups} groups, ${t.partitions} partitions; sources: ${sources}`,
    ...(plan.fidelity ? [`- replication fidelity relied on: ${mdCell(plan.fidelity.description, 300)}`] : []),
    ...(plan.snapshot ? [snapshotLine(plan.snapshot)] : []),
    `- expected duplicates ≤ ${t.duplicateBound} records (margin ${plan.marginMs} ms ≥ replication latency ${plan.latencyMs} ms)`,
    `- untranslated partitions (placed at earliest): ${t.untranslated}`,
    `- groups with live members on the secondary: ${t.liveGroups}${t.liveGroups ? ' ⚠ stop them before the reset step' : ''}`,
    '',
    '| group | partitions | duplicates ≤ | untranslated | live members |',
    '|---|---|---|---|---|',
    ...plan.groups.slice(0, MAX_GROUP_ROWS).map((g) =>
      `| ${mdCell(g.group, 120)} | ${g.offsets.length} | ${g.duplicateBound} | ${g.untranslated.length} | ${g.liveMembers}${g.liveMembers ? ' ⚠' : ''} |`),
  ];
  if (plan.groups.length > MAX_GROUP_ROWS) lines.push(`| … ${plan.groups.length - MAX_GROUP_ROWS} more (query \`plan\`) | | | | |`);
  return lines.join('\n');
}

function snapshotLine(s: NonNullable<FailoverPlan['snapshot']>): string {
  if (s.takenAt === null) return '- drWatch snapshot: **none found** on the secondary (is `kdr watch` running for this pair?)';
  const age = s.ageMs === null ? '' : `, ${Math.round(s.ageMs / 1000)} s old when planned`;
  return `- drWatch snapshot of ${new Date(s.takenAt).toISOString()}${age}: ${s.positions} position(s) used` +
    (s.groupsOnlyInSnapshots ? `; ${s.groupsOnlyInSnapshots} group(s) known only from snapshots` : '');
}

/**
 * The plan in the format of `kafka-consumer-groups.sh --reset-offsets --from-file`: `topic,partition,offset`
 * lines for one group, or `group,topic,partition,offset` for all groups (the tool then takes --all-groups).
 */
export function planCsv(plan: Pick<FailoverPlan, 'groups'>, group?: string): string {
  if (group !== undefined) {
    const g = plan.groups.find((x) => x.group === group);
    if (!g) throw new Error(`group ${group} is not in the plan`);
    return g.offsets.map(([topic, partition, offset]) => `${topic},${partition},${offset}`).join('\n') + '\n';
  }
  return plan.groups.flatMap((g) => g.offsets.map(([topic, partition, offset]) => `${g.group},${topic},${partition},${offset}`)).join('\n') + '\n';
}

/** Why `final` needs a new approval: a group whose bound grew, or that has more untranslated partitions. */
export function comparePlans(approved: FailoverPlan, final: FailoverPlan): string[] {
  const before = new Map(approved.groups.map((g) => [g.group, g]));
  const worse: string[] = [];
  for (const g of final.groups) {
    const a = before.get(g.group);
    if (!a) { worse.push(`${g.group} was not in the approved plan`); continue; }
    if (g.duplicateBound > a.duplicateBound) worse.push(`${g.group} duplicate bound ${a.duplicateBound} -> ${g.duplicateBound}`);
    if (g.untranslated.length > a.untranslated.length) worse.push(`${g.group} untranslated partitions ${a.untranslated.length} -> ${g.untranslated.length}`);
  }
  // A replicator measured to preserve less than when the plan was approved: the approver relied on the old profile.
  if (approved.fidelity && final.fidelity) {
    const lost = FIDELITY_PROPERTIES.filter((k) => approved.fidelity![k] && !final.fidelity![k]);
    if (lost.length) worse.push(`replication fidelity no longer shows ${lost.join(', ')} (now: ${final.fidelity.description})`);
  }
  return worse;
}

const FIDELITY_PROPERTIES = ['measured', 'partitionPreserved', 'orderPreserved', 'timestampPreserved', 'keyValueIdentical', 'headersPreserved'] as const;
