// drFailover's words: a plan's one-line summary and what the operator does after the switch.
import type { PairConfig } from '../../src/config';
import type { SealedPlan } from '../../src/plan/model';
import { CLIENT_DOC, clientRestartGuidance } from '../../src/clients/guidance';

export function summaryOf(p: SealedPlan): string {
  const t = p.totals;
  const sources = Object.entries(t.sources)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return (
    `${t.groups} groups, ${t.partitions} partitions (${sources || 'none'}), duplicates <= ${t.duplicateBound}, ` +
    `${t.untranslated} untranslated, ${t.liveGroups} group(s) with live members`
  );
}

export function nextSteps(pair: PairConfig, domain: string, switchover: boolean): string[] {
  return [
    switchover
      ? `Consumers of pair ${pair.name} start from the final plan; producers already write to the secondary through ${domain}.`
      : `Restart producers and consumers of pair ${pair.name} that did not follow ${domain} on their own (see ${CLIENT_DOC}).`,
    `Clients must bootstrap from ${domain} (not from a broker address) to follow the switch.`,
    ...clientRestartGuidance(!switchover),
    'Consumers using assign() must be restarted: they commit without a group generation and overwrite the reset offsets.',
    'Consumers resume from the planned offsets and may re-read up to the stated duplicate bound: idempotent processing absorbs them.',
  ];
}
