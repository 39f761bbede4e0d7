// Which pairs an evacuation moves, and why it refuses to start: pure judgement over the pairs file's facts, so the
// refusals (empty selection, unknown region or zone, a pair in two sets, a pair already failed over or busy) are
// decided before anything changes and tested without a cluster.
import type { EvacuationSet } from '../config/evacuation';
import type { PairBlocker, PairFacts } from './types';

export type Selected = { ok: true; pairs: PairFacts[] } | { ok: false; problems: string[] };

export function describeSet(s: EvacuationSet): string {
  if (s.region !== undefined) return `region ${s.region}`;
  if (s.zone !== undefined) return `zone ${s.zone}`;
  if (s.label !== undefined) return `label ${s.label}`;
  return `pairs ${(s.pairs ?? []).join(', ')}`;
}

export function describeSelection(sets: EvacuationSet[]): string {
  return sets.map(describeSet).join(' + ');
}

function members(s: EvacuationSet, all: PairFacts[]): PairFacts[] {
  if (s.region !== undefined) return all.filter((p) => p.region === s.region);
  if (s.zone !== undefined) return all.filter((p) => p.zone === s.zone || p.zoneId === s.zone);
  if (s.label !== undefined) return all.filter((p) => p.labels.includes(s.label!));
  return all.filter((p) => s.pairs!.includes(p.name));
}

/** The pairs the sets select, in run order (tier, then name), or every problem, each naming the pairs. */
export function selectPairs(sets: EvacuationSet[], all: PairFacts[]): Selected {
  const problems: string[] = [];
  const known = (values: (string | undefined)[]) =>
    [...new Set(values.filter((v): v is string => v !== undefined))].sort();
  const bySet = new Map<string, string>();
  const chosen: PairFacts[] = [];
  for (const s of sets) {
    const found = members(s, all);
    if (s.region !== undefined && !known(all.map((p) => p.region)).includes(s.region)) {
      problems.push(
        `unknown region ${s.region}: no pair's primary is there (known regions: ${known(all.map((p) => p.region)).join(', ') || 'none'})`,
      );
      continue;
    }
    if (s.zone !== undefined && found.length === 0) {
      problems.push(
        `unknown zone ${s.zone}: no pair's primary is there (known zones: ${known(all.map((p) => p.zone)).join(', ') || 'none'}; ` +
          'set "zone" on a pair\'s primary in the pairs file, ApsaraMQ instances are asked)',
      );
      continue;
    }
    if (s.pairs) {
      const missing = s.pairs.filter((n) => !all.some((p) => p.name === n));
      if (missing.length)
        problems.push(
          `pair(s) ${missing.join(', ')} not in the pairs file (known: ${all.map((p) => p.name).join(', ') || 'none'})`,
        );
    }
    if (found.length === 0 && !s.pairs) problems.push(`${describeSet(s)} selects no pair`);
    for (const p of found) {
      const earlier = bySet.get(p.name);
      if (earlier !== undefined) {
        problems.push(`pair ${p.name} is selected twice (${earlier} and ${describeSet(s)}): select it once`);
        continue;
      }
      bySet.set(p.name, describeSet(s));
      chosen.push(p);
    }
  }
  if (problems.length === 0 && chosen.length === 0)
    problems.push(`the selection ${describeSelection(sets)} is empty: nothing to evacuate`);
  if (problems.length) return { ok: false, problems };
  return { ok: true, pairs: chosen.sort((a, b) => a.tier - b.tier || a.name.localeCompare(b.name)) };
}

/** Pairs that cannot be evacuated now: already on the secondary, or with a failover or failback running. */
export function blockerProblems(blockers: PairBlocker[]): string[] {
  const out: string[] = [];
  const failedOver = blockers.filter((b) => b.failedOver);
  if (failedOver.length) {
    out.push(
      `already failed over (the CNAME points at the secondary): ${failedOver.map((b) => `${b.pair} (${b.failedOver})`).join(', ')}; ` +
        'leave them out of the selection',
    );
  }
  const busy = blockers.filter((b) => b.running.length);
  if (busy.length) {
    out.push(
      `a failover or failback is running: ${busy.map((b) => `${b.pair} (${b.running.join(', ')})`).join(', ')}; ` +
        'finish or cancel it, or leave the pair out',
    );
  }
  return out;
}
