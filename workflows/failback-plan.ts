// What a failback approval authorises, and its id: the tail counts per topic and where they were exported, the
// old primary's partitions to be emptied and up to which offset, and the reverse replication to start. The id is
// the plan hash (src/plan/id.ts) of exactly those facts, as a failover plan's seal is, so what an
// approver saw and what re-protect does cannot differ under one id.
import { customDomain, type PairConfig } from '../src/config';
import { planHash } from '../src/plan/id';
import { mdCell } from '../src/security/markdown';

export interface FailbackTopicLine {
  topic: string;
  tailRecords: number;
  partitionsWithTail: number;
  firstAt: number | null;
  lastAt: number | null;
  exportTopic: string;
  /** Read back from the export topic. */
  exported: number;
  writtenOnSecondary: number;
}

export interface FailbackAuthority {
  pair: string;
  topics: FailbackTopicLine[];
  /** [topic, partition, deleteUpTo]: the old primary's records below these offsets are deleted. */
  clear: [string, number, number][];
  reverse: { connector: string; from: string; to: string; topics: string[] };
  /**
   * Only restoring forward replication (a switch-back not approved in this run: the CNAME was already on the
   * primary): the reverse replication to remove and the forward one to restart at exact positions (stopped, its
   * offsets rewritten, resumed). `topics` and `clear` are empty then: nothing is exported or deleted.
   */
  restore?: { reverse: string; reverseState: string; forward: string; forwardState: string };
}

export interface FailbackPlan extends FailbackAuthority {
  planId: string;
  kind: 'failback';
}

export function sealFailback(authority: FailbackAuthority): FailbackPlan {
  return {
    ...authority,
    kind: 'failback',
    planId: planHash({ v: 1, kind: 'failback', ...authority }),
  };
}

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

export function failbackMarkdown(plan: FailbackPlan): string {
  if (plan.restore) {
    return [
      `**Restore-forward plan \`${plan.planId}\`** for pair ${mdCell(plan.pair)}: approving it authorises what follows, nothing else.`,
      '',
      restoreLine(plan.restore, mdCell),
    ].join('\n');
  }
  // A list, not a table: the Temporal UI renders table cells without padding, so the columns run together.
  const rows = plan.topics.map(
    (t) =>
      `- ${mdCell(t.topic)}: unreplicated tail ${t.tailRecords} records in ${t.partitionsWithTail} partitions ` +
      `(first ${iso(t.firstAt)}, last ${iso(t.lastAt)}), exported to ${mdCell(t.exportTopic)}, ${t.exported} read back; ` +
      `${t.writtenOnSecondary} written on the secondary since`,
  );
  const cleared = new Set(plan.clear.map(([t]) => t));
  return [
    `**Failback plan \`${plan.planId}\`** for pair ${mdCell(plan.pair)}: approving it authorises what follows, nothing else.`,
    '',
    '**Per topic**',
    '',
    ...(rows.length ? rows : ['- no unreplicated tail']),
    '',
    `Emptied on the old primary (records deleted up to the assessed ends): ${[...cleared].map(mdCell).join(', ') || 'nothing'} ` +
      `(${plan.clear.length} partitions).`,
    `Then replication in reverse: ${mdCell(plan.reverse.connector)} from ${mdCell(plan.reverse.from)} to ${mdCell(plan.reverse.to)}, ` +
      `${plan.reverse.topics.length} topics; the forward connector stays paused.`,
  ].join('\n');
}

export function isFailbackPlan(plan: unknown): plan is FailbackPlan {
  return typeof plan === 'object' && plan !== null && (plan as { kind?: unknown }).kind === 'failback';
}

/** What `kdr plan` and `kdr approve` show of a failback plan: everything its planId authorises. */
function restoreLine(r: NonNullable<FailbackPlan['restore']>, show: (text: string) => string = (t) => t): string {
  return (
    `The reverse replication ${show(r.reverse)} (${show(r.reverseState)}) removed with its stored positions; the forward replication ` +
    `${show(r.forward)} (${show(r.forwardState)}) stopped, its offsets rewritten to each partition's first record no reverse copy explains, resumed.`
  );
}

export function failbackText(workflowId: string, plan: FailbackPlan): string {
  if (plan.restore)
    return [
      `Restore-forward plan ${plan.planId} of ${workflowId} (pair ${plan.pair})`,
      `  ${restoreLine(plan.restore)}`,
    ].join('\n');
  const topics = plan.topics.map(
    (t) =>
      `  ${t.topic}: tail ${t.tailRecords} record(s) in ${t.partitionsWithTail} partition(s) ` +
      `(${iso(t.firstAt)} .. ${iso(t.lastAt)}), exported to ${t.exportTopic}: ${t.exported} read back; ${t.writtenOnSecondary} written on the secondary since`,
  );
  return [
    `Failback plan ${plan.planId} of ${workflowId} (pair ${plan.pair})`,
    ...topics,
    `  emptied on the old primary: ${plan.clear.length} partition(s) of ${[...new Set(plan.clear.map(([t]) => t))].join(', ') || 'no topic'}, up to the assessed ends`,
    `  then replication in reverse: ${plan.reverse.connector}, ${plan.reverse.from} -> ${plan.reverse.to}, ${plan.reverse.topics.length} topic(s)`,
  ].join('\n');
}

/** What the operator does next, by where the failback left the pair. */
export function nextSteps(pair: PairConfig, stage: 'failed-over' | 're-protected' | 'protected'): string[] {
  const replay =
    'The tail is in the export topics on the active side: replay what your applications need from them (each record carries header kdr-unreplicated-from).';
  if (stage === 'failed-over')
    return [
      `Run the failback again with stage re-protect once the export has been checked: kdr failback ${pair.name} --requested-by <you>`,
    ];
  if (stage === 're-protected') {
    return [
      replay,
      `Pair ${pair.name} is re-protected the other way round. Switch back when ready: kdr failback ${pair.name} --stages switch-back --requested-by <you> ` +
        '(a planned switchover in reverse: approve it, then move the applications at its drain step).',
    ];
  }
  return [
    replay,
    `Pair ${pair.name} is protected again: ${customDomain(pair)} points at the primary and forward replication runs; its watch is back.`,
  ];
}
