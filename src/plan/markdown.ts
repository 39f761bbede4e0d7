// The plan as the run's Markdown details (Temporal UI): what an approver reads before approving. Text from the
// clusters (group names, the fidelity description) is escaped (src/security/markdown.ts).
import { mdCell } from '../security/markdown';
import type { CnameChangePlan, FailoverPlan, SealedPlan } from './model';

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
