// What a run is, for the Temporal UI's run list and run page (the workflow's static summary and details): the
// pair, who asked, the mode, and what the run will change. The same words for `kdr` and the demo; a run started
// from the UI's own form can carry them too (docs/operator-guide.md lists the fields).
import { escapeMarkdown } from '../../src/security/markdown';

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
};

/** The card for a run of `type` with `input` (already validated by the caller's flags). */
export function runCard(type: string, input: CardInput, summary: string): RunCard {
  const pair = input.pair ?? input.config?.name ?? '(inline config)';
  const mode =
    type === 'drFailover'
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
    `**${escapeMarkdown(type)}** of pair \`${pair.replace(/[^a-z0-9-]/g, '')}\``,
    '',
    `- requested by: ${input.requestedBy ? escapeMarkdown(input.requestedBy.slice(0, 80)) : '(not given)'}`,
    ...(mode ? [`- mode: ${mode}`] : []),
    `- changes: ${(CHANGES[type]?.(input) ?? ['see the runbook']).join('; ')}`,
  ];
  return { summary: summary.slice(0, 200), details: lines.join('\n') };
}
