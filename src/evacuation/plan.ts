// The evacuation's plan: every member's first plan in one view, sealed by ONE planId over every member's planId,
// its tier and the order of the run. Approving it approves exactly those member plans, nothing else: a member
// whose plan changed has another planId and is not released by it.
import { planHash } from '../plan/id';
import { mdCell } from '../security/markdown';
import type { ShownPlan } from '../plan/model';
import type { EvacuationPlan, PairPlanBrief, PairRow } from './types';

/** What the evacuation shows of a member's plan (the rest is on the member's own run: kdr plan dr-failover-<pair>). */
export function briefOf(plan: ShownPlan): PairPlanBrief {
  const t = plan.totals;
  const warnings: string[] = [];
  if (t.untranslated) warnings.push(`${t.untranslated} partition(s) untranslated (at their earliest offset)`);
  if (t.liveGroups)
    warnings.push(`${t.liveGroups} group(s) with live members on the secondary: the reset blocks until they stop`);
  if (plan.deadLetter?.records)
    warnings.push(`${plan.deadLetter.records} record(s) in the dead-letter topic ${plan.deadLetter.topic}`);
  if (plan.snapshot?.ageMs) warnings.push(`positions from a snapshot ${Math.round(plan.snapshot.ageMs / 1000)} s old`);
  if (plan.identityWarning) warnings.push('declared identity');
  const parity = (plan as { parity?: { checked: boolean; total: number; summary: string } }).parity;
  return {
    mode: plan.authorises?.mode ?? (plan.primaryReachable ? 'switchover' : 'outage'),
    groups: t.groups,
    partitions: t.partitions,
    duplicateBound: t.duplicateBound,
    untranslated: t.untranslated,
    liveGroups: t.liveGroups,
    latencyMs: plan.latencyMs,
    cname: plan.cname,
    warnings,
    ...(parity ? { parity: { checked: parity.checked, total: parity.total, summary: parity.summary } } : {}),
  };
}

/** As drFailover's needsParityApproval: "approve" and a parity that has gaps or could not be read. */
function parityApproval(p: { pair: string; plan: PairPlanBrief }, approve: readonly string[]) {
  const r = p.plan.parity;
  if (!r || !approve.includes(p.pair) || (r.checked && r.total === 0)) return undefined;
  return { pair: p.pair, why: r.summary || (r.checked ? `${r.total} parity gap(s)` : 'parity could not be read') };
}

/** Seals the members' plans (rows with a plan) into the evacuation plan. */
export function evacuationPlan(o: {
  select: string;
  parallel: number;
  rows: PairRow[];
  /** Pairs whose parity.failover is "approve". */
  parityApprove?: readonly string[];
}): EvacuationPlan {
  const planned = o.rows.filter((r) => r.planId && r.plan);
  const pairs = planned.map((r) => ({ pair: r.pair, tier: r.tier, planId: r.planId!, plan: r.plan! }));
  const unplanned = o.rows
    .filter((r) => !r.planId || !r.plan)
    .map((r) => ({
      pair: r.pair,
      why: r.blocked
        ? `blocked at ${r.blocked.step}: ${r.blocked.error}`
        : r.ended
          ? `${r.ended.outcome}: ${r.ended.note}`
          : r.phase,
    }));
  const planId = `ev-${planHash({
    select: o.select,
    parallel: o.parallel,
    pairs: pairs.map((p) => [p.pair, p.tier, p.planId]),
  })}`;
  const sum = (f: (p: PairPlanBrief) => number) => pairs.reduce((n, p) => n + f(p.plan), 0);
  const parityApprovals = pairs
    .map((p) => parityApproval(p, o.parityApprove ?? []))
    .filter((x): x is { pair: string; why: string } => x !== undefined);
  const warnings = [
    ...parityApprovals.map(
      (x) =>
        `pair ${x.pair}: parity.failover "approve" (${x.why}): this evacuation needs one approval more than its policy`,
    ),
    ...unplanned.map(
      (u) => `pair ${u.pair} has no plan (${u.why}): not covered by this approval; resolve it on its own run`,
    ),
    ...pairs.flatMap((p) =>
      p.plan.warnings.filter((w) => w !== 'declared identity').map((w) => `pair ${p.pair}: ${w}`),
    ),
  ];
  return {
    pair: 'evacuation',
    evacuation: true,
    planId,
    select: o.select,
    parallel: o.parallel,
    pairs,
    ...(parityApprovals.length ? { parityApprovals } : {}),
    unplanned,
    totals: {
      pairs: pairs.length,
      groups: sum((p) => p.groups),
      partitions: sum((p) => p.partitions),
      duplicateBound: sum((p) => p.duplicateBound),
      untranslated: sum((p) => p.untranslated),
      liveGroups: sum((p) => p.liveGroups),
    },
    warnings,
    groups: [],
  };
}

export function evacuationMarkdown(plan: EvacuationPlan): string {
  const rows = plan.pairs.map(
    (p) =>
      `| ${p.tier} | ${mdCell(p.pair)} | ${p.plan.mode} | ${p.plan.groups} | ${p.plan.duplicateBound} | ` +
      `${p.plan.untranslated} | ${mdCell(p.plan.cname.domain)}: ${mdCell(p.plan.cname.from)} → ${mdCell(p.plan.cname.to)} | ` +
      `${mdCell(p.plan.warnings.join('; ') || '-')} | \`${p.planId}\` |`,
  );
  return [
    `### Evacuation plan \`${plan.planId}\` (${mdCell(plan.select)}, ${plan.pairs.length} pair(s), ${plan.parallel} at once per tier)`,
    '',
    '| tier | pair | mode | groups | duplicates ≤ | untranslated | CNAME | warnings | pair planId |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(plan.warnings.length ? ['', ...plan.warnings.map((w) => `- ⚠️ ${mdCell(w, 300)}`)] : []),
    '',
    ...(plan.parityApprovals?.length
      ? [
          `**One approval more** than the evacuation's policy: parity.failover "approve" on ${plan.parityApprovals
            .map((x) => mdCell(x.pair))
            .join(', ')} (a pair is never approved more loosely in an evacuation than alone).`,
          '',
        ]
      : []),
    `Approving \`${plan.planId}\` approves each pair's plan above, exactly: \`kdr approve dr-evacuate --by <you> --plan-id ${plan.planId}\`.`,
  ].join('\n');
}

/** One line per pair: the table of `kdr evacuate --status` and the run's details. */
export function tableText(rows: PairRow[]): string[] {
  const head = ['tier', 'pair', 'phase', 'step', 'lag ms', 'lost/dup bound', 'CNAME', 'note'];
  const body = rows.map((r) => [
    String(r.tier),
    r.pair,
    r.ended?.outcome ?? r.phase,
    r.blocked?.step ?? r.step ?? '-',
    r.plan ? String(r.plan.latencyMs) : '-',
    r.plan ? `0/${r.plan.duplicateBound}` : '-',
    r.switched ? 'switched' : r.released ? 'pending' : 'primary',
    r.blocked ? `BLOCKED: ${r.blocked.error}` : (r.ended?.note ?? r.waitingFor ?? ''),
  ]);
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...body.map((b) => b[i].length))));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c.slice(0, 160) : c.slice(0, 40).padEnd(widths[i]))).join('  ');
  return [line(head), ...body.map(line)];
}

/** What makes a row worth reporting again: the evacuation wakes only when one changes. */
export function fingerprintOf(r: PairRow): string {
  return [
    r.phase,
    r.step ?? '',
    r.planId ?? '',
    r.switched,
    r.blocked?.step ?? '',
    r.waitingFor ?? '',
    r.ended?.outcome ?? '',
  ].join('|');
}
