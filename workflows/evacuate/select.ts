// drEvacuate's select step: the pairs to move and the evacuation's base approval policy, or a refusal before
// anything is started.
import { tightestOf, looserThan, type EvacuateInput } from '../../src/config/evacuation';
import type { PairApproval } from '../../src/config';
import type { KdrActivities } from '../../activities';
import { blockerProblems, selectPairs } from '../../src/evacuation/select';
import { refused, type StepContext } from '../runner';

export async function selectMembers(step: StepContext, input: EvacuateInput, select: string) {
  const a = step.activities<KdrActivities>();
  const inventory = await a.evacuationInventory();
  const selected = selectPairs(input.select, inventory.pairs);
  if (!selected.ok) throw refused(`${selected.problems.join('; ')}. Nothing was started`);
  const pairs = selected.pairs;
  // The pairs file's evacuation policy, never looser than a member's own; without one, the tightest of theirs.
  const base: PairApproval = inventory.policy ?? tightestOf(pairs.map((p) => p.approval));
  const looser = pairs.flatMap((p) => looserThan(base, p.name, p.approval));
  if (looser.length)
    throw refused(
      `the pairs file's evacuation.approval is looser than member pairs' own policies: ${looser.join('; ')}. Nothing was started`,
    );
  const { blockers, evacuations } = await a.evacuationBlockers(pairs.map((p) => p.name));
  const problems = [
    ...(evacuations.length
      ? [`another evacuation is running (${evacuations.join(', ')}): one at a time; finish or cancel it`]
      : []),
    ...blockerProblems(blockers),
  ];
  if (problems.length) throw refused(`${problems.join('; ')}. Nothing was started`);
  step.summary(
    `${select}: ${pairs.length} pair(s) in ${new Set(pairs.map((p) => p.tier)).size} tier(s): ` +
      pairs
        .map(
          (p) =>
            `${p.name} (tier ${p.tier}${p.zone ? `, zone ${p.zone}${p.zoneFrom === 'GetInstanceList' ? ' from GetInstanceList' : ''}` : ''})`,
        )
        .join(', '),
  );
  return { pairs, base };
}
