// What a run is, for the Temporal UI's run list and run page (the workflow's static summary and details): the
// pair, who asked, the mode, and what the run will change. The same words for `kdr` and the demo; a run started
// from the UI's own form can carry them too (docs/operator-guide.md lists the fields).
import { escapeMarkdown } from '../../src/security/markdown';
import type { EvacuationSet } from '../../src/config/evacuation';
import { describeSelection } from '../../src/evacuation/select';

export interface RunCard {
  /** One line (the run list's Summary column). */
  summary: string;
  /** Markdown (the run page's Details). */
  details: string;
}

interface CardInput {
  pair?: string;
  config?: { name?: string };
  requestedBy?: string;
  dryRun?: boolean;
  drain?: boolean | 'auto';
  reverse?: boolean;
  stages?: readonly string[];
  watch?: boolean;
  /** drEvacuate, drEvaluateEvacuation: the selection instead of a pair. */
  select?: EvacuationSet[];
  parallel?: number;
}

const CHANGES: Record<string, (i: CardInput) => string[]> = {
  drSetup: (i) => [
    "creates the secondary's topics and consumer groups where missing",
    'creates and starts replication primary → secondary, then proves it with a canary record',
    'points the custom domain (CNAME) at the primary',
    ...(i.watch === false ? [] : ['starts drWatch for the pair']),
  ],
  drFailover: (i) =>
    i.dryRun
      ? ["nothing: plans every group's offsets on the secondary and shows the plan"]
      : [
          i.drain === false
            ? 'outage mode: freezes replication, then plans on the frozen secondary'
            : i.drain === true
              ? 'planned switchover: waits for the primary to go quiet, then pauses replication'
              : 'planned switchover if the primary answers, outage mode if it does not',
          "after approval: resets every selected group's offsets on the secondary",
          `then moves the CNAME to the ${i.reverse ? 'primary (switch back)' : 'secondary'}`,
        ],
  drFailback: (i) => [
    `stages: ${(i.stages?.length ? i.stages : ['reprotect', 'switch-back']).join(', ')}`,
    'reverse replication secondary → primary, then an approved switch back (its own drFailover)',
  ],
  drWatch: () => [
    "nothing in the clusters' data or DNS: health checks, canary records and position snapshots kept on the secondary",
  ],
  drVerify: () => ['nothing: canary, lag and fidelity profile of the replication'],
  drDrill: () => ['a failover dry run of the pair on a schedule: nothing in the clusters or DNS'],
  drEvacuate: (i) =>
    i.dryRun
      ? ['nothing: every selected pair plans in its own drFailover (dr-failover-<pair>); the evacuation plan is shown']
      : [
          "every selected pair's drFailover (dr-failover-<pair>) plans, then ONE approval of the evacuation plan releases them",
          `tier by tier, ${i.parallel ?? 'the default number of'} pair(s) at once: offsets reset on each secondary, then its CNAME moved`,
        ],
  drEvaluateEvacuation: () => [
    'nothing: one drill per selected pair (canary, lag, dry-run plan); one notification if the evacuation would not succeed',
  ],
};

/** The card for a run of `type` with `input` (already validated by the caller's flags). */
export function runCard(type: string, input: CardInput, summary: string): RunCard {
  const pair = input.pair ?? input.config?.name ?? '(inline config)';
  const mode =
    type === 'drFailover' || type === 'drEvacuate'
      ? input.dryRun
        ? 'dry run'
        : input.reverse
          ? 'switch back'
          : input.drain === false
            ? 'outage'
            : input.drain === true
              ? 'planned switchover'
              : 'auto (planned if the primary answers)'
      : undefined;
  const lines = [
    input.select
      ? `**${escapeMarkdown(type)}** of ${escapeMarkdown(describeSelection(input.select).slice(0, 200))}`
      : `**${escapeMarkdown(type)}** of pair \`${pair.replace(/[^a-z0-9-]/g, '')}\``,
    '',
    `- requested by: ${input.requestedBy ? escapeMarkdown(input.requestedBy.slice(0, 80)) : '(not given)'}`,
    ...(mode ? [`- mode: ${mode}`] : []),
    `- changes: ${(CHANGES[type]?.(input) ?? ['see the runbook']).join('; ')}`,
  ];
  return { summary: summary.slice(0, 200), details: lines.join('\n') };
}
