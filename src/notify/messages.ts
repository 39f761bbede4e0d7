// One event in words an on-call SRE can act on at 3 a.m.: what happened, and the exact command to run next.
import type { EventOrigin, KdrEvent } from './events';

export interface Message {
  title: string;
  /** Markdown lines (DingTalk and Slack both render the subset used here). */
  lines: string[];
  /** Commands to copy, one per line. */
  commands: string[];
}

export function renderEvent(event: KdrEvent, origin: EventOrigin): Message {
  const link = origin.uiUrl ? [`Run: ${origin.uiUrl}`] : [`Run: ${origin.workflowId} (namespace ${origin.namespace})`];
  switch (event.kind) {
    case 'approval-needed': {
      const p = event.plan;
      const who = [
        event.allowList ? `one of ${event.allowList.join(', ')}` : 'anyone',
        event.forbidSelfApproval !== false && event.requestedBy ? `except the requester ${event.requestedBy}` : '',
      ].filter(Boolean).join(', ');
      const key = event.identity === 'signed' ? ' --key <your private key>' : '';
      return {
        title: `[kafka-dr] ${event.pair}: ${event.runbook} needs approval`,
        lines: [
          `**${event.runbook}** of pair **${event.pair}** waits for ${event.required - event.approvedBy.length} more approval(s) of plan \`${event.planId}\`` +
            (event.requestedBy ? ` (requested by ${event.requestedBy})` : ''),
          p ? `Plan: ${p.groups} group(s), ${p.partitions} partition(s); at most ${p.duplicateBound} record(s) re-read in all (duplicate bound); ` +
            `${p.untranslated} untranslated; ${p.liveGroups} group(s) with live members` : 'Plan: see the run',
          `May approve: ${who}${event.approvedBy.length ? `; approved so far: ${event.approvedBy.join(', ')}` : ''}`,
          `Deadline: ${event.deadline} (the run aborts, nothing changed)`,
          ...link,
        ],
        commands: [`kdr plan ${event.pair}`, `kdr approve ${event.pair} --by <you> --plan-id ${event.planId}${key}`,
          `kdr reject ${event.pair} --by <you> --reason "<why>"`],
      };
    }
    case 'step-blocked':
      return {
        title: `[kafka-dr] ${event.pair}: ${event.runbook} blocked at ${event.step}`,
        lines: [
          `**${event.runbook}** of pair **${event.pair}** is blocked at step **${event.step}** (${event.title}) and waits for a decision.`,
          `Error: ${event.error}`,
          ...link,
        ],
        commands: [
          `kdr resolve ${origin.workflowId} retry --by <you> --step ${event.step}   # after fixing the cause`,
          ...(event.skippable ? [`kdr resolve ${origin.workflowId} skip --by <you> --step ${event.step}`] : []),
          `kdr resolve ${origin.workflowId} abort --by <you> --step ${event.step} --note "<why>"`,
        ],
      };
    case 'run-completed':
    case 'run-aborted':
    case 'run-rejected': {
      const outcome = event.kind.slice(4);
      const took = Date.parse(event.endedAt) - Date.parse(event.startedAt);
      return {
        title: `[kafka-dr] ${event.pair}: ${event.runbook} ${outcome}`,
        lines: [
          `**${event.runbook}** of pair **${event.pair}** ${outcome} after ${Math.round(took / 1000)} s` + (event.reason ? `: ${event.reason}` : '.'),
          `Steps: ${event.steps.map((s) => `${s.name} ${s.state}`).join(', ')}`,
          ...link,
        ],
        commands: [`kdr status ${origin.workflowId}`],
      };
    }
    case 'drill-failed':
      return {
        title: `[kafka-dr] ${event.pair}: DR drill failed`,
        lines: [
          `The scheduled drill of pair **${event.pair}** found what would hurt a failover now:`,
          ...event.findings.map((f) => `- ${f}`),
          ...(event.duplicateBound !== undefined ? [`Plan: at most ${event.duplicateBound} record(s) re-read in all (duplicate bound)`] : []),
          ...link,
        ],
        commands: [`kdr drills ${event.pair}`, `kdr verify ${event.pair}`, `kdr failover ${event.pair} --dry-run --requested-by <you>`],
      };
    case 'health-changed':
      return {
        title: `[kafka-dr] ${event.pair}: replication ${event.to}`,
        lines: [
          `Pair **${event.pair}**: drWatch health ${event.from} -> **${event.to}** at ${new Date(event.at).toISOString()}`,
          `Why: ${event.why}`,
          ...link,
        ],
        commands: [`kdr watch ${event.pair}`, `kdr verify ${event.pair}`],
      };
  }
}

export function asMarkdown(m: Message): string {
  return [`### ${m.title}`, ...m.lines, ...(m.commands.length ? ['', ...m.commands.map((c) => `\`${c}\``)] : [])].join('\n\n');
}

export function asPlainText(m: Message): string {
  return [m.title, ...m.lines, ...m.commands.map((c) => `  ${c}`)].join('\n');
}
