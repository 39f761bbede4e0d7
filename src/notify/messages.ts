// One event in words an on-call SRE can act on at 3 a.m.: what happened, and the exact command to run next.
// Most of what an event says was chosen by someone else: the requester's and approvers' names, the workflow id
// (the starter picks it), error texts from the clusters. A message is therefore kept as trusted markup with the
// untrusted values beside it, and each sink escapes the values its own way (src/security/escape.ts); commands
// to copy are built from safe identifiers only, anything else becomes a placeholder and the message says why.
import { escapeControls, isSafeIdentifier, markdownText, slackText } from '../security/escape';
import type { EventOrigin, KdrEvent } from './events';
import { autoFailoverMessage } from './auto-failover-message';

/** A value shown as code (`plan-id`): only a safe identifier is shown, anything else as a placeholder. */
interface Code {
  code: string;
  placeholder: string;
}
/** A link the worker built itself (the Temporal UI page): trusted, encoded. */
interface Link {
  href: string;
  label: string;
}
type Value = string | number | Code | Link;

/** One line: trusted markup (`**bold**` only) between untrusted values. */
export interface Line {
  parts: readonly string[];
  values: readonly Value[];
}

export interface Message {
  title: Line;
  lines: Line[];
  /** Commands to copy, one per line: fixed words, placeholders like <you>, and safe identifiers only. */
  commands: string[];
}

/** Tagged template: `line\`**${pair}** waits\`` keeps `pair` apart from the markup around it. */
function line(parts: TemplateStringsArray, ...values: Value[]): Line {
  return { parts: [...parts], values };
}

function code(value: string | undefined, placeholder: string): Code {
  return { code: value ?? '', placeholder };
}

/**
 * The names commands are built from, picked as the commands are written: a name that is not a safe identifier
 * becomes a placeholder, and `withheld` says which (the message tells readers to copy it from the Temporal UI).
 */
class CommandNames {
  readonly withheld: string[] = [];
  constructor(
    private readonly event: KdrEvent,
    private readonly origin: EventOrigin,
  ) {}
  private pick(value: string | undefined, placeholder: string, what: string): string {
    if (isSafeIdentifier(value)) return value;
    if (!this.withheld.includes(what)) this.withheld.push(what);
    return placeholder;
  }
  get pair(): string {
    return this.pick(this.event.pair, '<pair>', 'pair name');
  }
  /** Another name the event carries (an evaluation's failing pairs). */
  safe(value: string, placeholder: string, what: string): string {
    return this.pick(value, placeholder, what);
  }
  get workflow(): string {
    return this.pick(this.origin.workflowId, '<workflow id>', 'workflow id');
  }
  get step(): string {
    return this.pick('step' in this.event ? this.event.step : undefined, '<step>', 'step name');
  }
  get planId(): string {
    return this.pick('planId' in this.event ? this.event.planId : undefined, '<plan id>', 'plan id');
  }

  /** Said in the message when a placeholder stands in a command. */
  note(): Line[] {
    if (!this.withheld.length) return [];
    return [
      line`The ${this.withheld.join(', ')} in the commands below is a placeholder: the real one contains characters a shell or chat would interpret; copy it from the Temporal UI.`,
    ];
  }
}

export function renderEvent(event: KdrEvent, origin: EventOrigin): Message {
  const names = new CommandNames(event, origin);
  const m = compose(event, origin, names);
  // The commands were written while composing: the note names every placeholder they used.
  return { ...m, lines: [...m.lines, ...names.note()] };
}

function compose(event: KdrEvent, origin: EventOrigin, ids: CommandNames): Message {
  const link = origin.uiUrl
    ? [line`Run: ${{ href: origin.uiUrl, label: 'Temporal UI' }} (${origin.workflowId})`]
    : [line`Run: ${origin.workflowId} (namespace ${origin.namespace})`];
  switch (event.kind) {
    case 'approval-needed': {
      const p = event.plan;
      const who = [
        event.allowList ? `one of ${event.allowList.join(', ')}` : 'anyone',
        event.forbidSelfApproval !== false && event.requestedBy ? `except the requester ${event.requestedBy}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      const key = event.identity === 'signed' ? ' --key <your private key>' : '';
      return {
        title: line`[kafka-dr] ${event.pair}: ${event.runbook} needs approval`,
        lines: [
          event.requestedBy
            ? line`**${event.runbook}** of pair **${event.pair}** waits for ${event.required - event.approvedBy.length} more approval(s) of plan ${code(event.planId, '<plan id>')} (requested by ${event.requestedBy})`
            : line`**${event.runbook}** of pair **${event.pair}** waits for ${event.required - event.approvedBy.length} more approval(s) of plan ${code(event.planId, '<plan id>')}`,
          p
            ? line`Plan: ${p.groups} group(s), ${p.partitions} partition(s); at most ${p.duplicateBound} record(s) re-read in all (duplicate bound); ${p.untranslated} untranslated; ${p.liveGroups} group(s) with live members`
            : line`Plan: see the run`,
          event.approvedBy.length
            ? line`May approve: ${who}; approved so far: ${event.approvedBy.join(', ')}`
            : line`May approve: ${who}`,
          line`Deadline: ${event.deadline} (the run aborts, nothing changed)`,
          ...link,
        ],
        commands: [
          `kdr plan ${ids.pair}`,
          `kdr approve ${ids.pair} --by <you> --plan-id ${ids.planId}${key}`,
          `kdr reject ${ids.pair} --by <you> --reason "<why>"`,
        ],
      };
    }
    case 'step-blocked':
      return {
        title: line`[kafka-dr] ${event.pair}: ${event.runbook} blocked at ${event.step}`,
        lines: [
          line`**${event.runbook}** of pair **${event.pair}** is blocked at step **${event.step}** (${event.title}) and waits for a decision.`,
          line`Error: ${event.error}`,
          ...link,
        ],
        commands: [
          `kdr resolve ${ids.workflow} retry --by <you> --step ${ids.step}   # after fixing the cause`,
          ...(event.skippable ? [`kdr resolve ${ids.workflow} skip --by <you> --step ${ids.step}`] : []),
          `kdr resolve ${ids.workflow} abort --by <you> --step ${ids.step} --note "<why>"`,
        ],
      };
    case 'run-completed':
    case 'run-aborted':
    case 'run-rejected': {
      const outcome = event.kind.slice(4);
      const took = Math.round((Date.parse(event.endedAt) - Date.parse(event.startedAt)) / 1000);
      return {
        title: line`[kafka-dr] ${event.pair}: ${event.runbook} ${outcome}`,
        lines: [
          event.reason
            ? line`**${event.runbook}** of pair **${event.pair}** ${outcome} after ${took} s: ${event.reason}`
            : line`**${event.runbook}** of pair **${event.pair}** ${outcome} after ${took} s.`,
          line`Steps: ${event.steps.map((s) => `${s.name} ${s.state}`).join(', ')}`,
          ...link,
        ],
        commands: [`kdr status ${ids.workflow}`],
      };
    }
    case 'drill-failed':
      if (event.runbook === 'drEvaluateEvacuation')
        return {
          title: line`[kafka-dr] evacuation of ${event.pair} would not succeed`,
          lines: [
            line`The scheduled evaluation of the evacuation of **${event.pair}** found what would stop it now:`,
            ...event.findings.map((f) => line`- ${f}`),
            ...link,
          ],
          commands: (event.failing ?? []).slice(0, 5).map((p) => `kdr drills ${ids.safe(p, '<pair>', 'pair name')}`),
        };
      return {
        title: line`[kafka-dr] ${event.pair}: DR drill failed`,
        lines: [
          line`The scheduled drill of pair **${event.pair}** found what would hurt a failover now:`,
          ...event.findings.map((f) => line`- ${f}`),
          ...(event.duplicateBound !== undefined
            ? [line`Plan: at most ${event.duplicateBound} record(s) re-read in all (duplicate bound)`]
            : []),
          ...link,
        ],
        commands: [
          `kdr drills ${ids.pair}`,
          `kdr verify ${ids.pair}`,
          `kdr failover ${ids.pair} --dry-run --requested-by <you>`,
        ],
      };
    case 'evacuation-started':
      return {
        title: line`[kafka-dr] evacuation of ${event.select} started${event.dryRun ? ' (dry run)' : ''}`,
        lines: [
          line`**drEvacuate** (${event.select}) requested by ${event.requestedBy}: ${event.pairs.length} pair(s): ${event.pairs.join(', ')}`,
          line`Every pair plans now; one approval of the evacuation plan releases them all.`,
          ...link,
        ],
        commands: [`kdr evacuate --status`, `kdr plan ${ids.workflow}`],
      };
    case 'health-changed':
      return {
        title: line`[kafka-dr] ${event.pair}: replication ${event.to}`,
        lines: [
          line`Pair **${event.pair}**: drWatch health ${event.from} -> **${event.to}** at ${new Date(event.at).toISOString()}`,
          line`Why: ${event.why}`,
          ...link,
        ],
        commands: [`kdr watch ${ids.pair}`, `kdr verify ${ids.pair}`],
      };
    case 'auto-failover':
      return autoFailoverMessage(event, link, ids.pair);
  }
}

interface Sink {
  text(value: string): string;
  code(value: string): string;
  link(l: Link): string;
  bold: string;
}

const SINKS = {
  markdown: {
    text: markdownText,
    code: (v: string) => `\`${v}\``,
    // The worker built the URL (its own UI address, encoded ids); still, nothing in it may close the link.
    link: (l: Link) => `[${l.label}](${l.href.replace(/[()<>\s\\]/g, encodeURIComponent)})`,
    bold: '**',
  },
  slack: {
    text: slackText,
    code: (v: string) => `\`${v}\``,
    link: (l: Link) => `<${l.href.replace(/[|<>\s]/g, encodeURIComponent)}|${l.label}>`,
    bold: '*',
  },
  plain: {
    text: (v: string) => escapeControls(v.replace(/\s+/g, ' ')),
    code: (v: string) => v,
    link: (l: Link) => escapeControls(l.href),
    bold: '',
  },
} satisfies Record<string, Sink>;

export type SinkName = keyof typeof SINKS;

function renderLine(l: Line, sink: Sink): string {
  let out = '';
  l.parts.forEach((part, i) => {
    out += part.replace(/\*\*/g, sink.bold);
    if (i >= l.values.length) return;
    const v = l.values[i];
    if (typeof v === 'number') out += String(v);
    else if (typeof v === 'string') out += sink.text(v);
    else if ('href' in v) out += sink.link(v);
    else out += isSafeIdentifier(v.code) ? sink.code(v.code) : sink.text(v.placeholder);
  });
  return out;
}

/** The title as plain text (DingTalk's notification preview, a webhook's `title`). */
export function plainTitle(m: Message): string {
  return renderLine(m.title, SINKS.plain);
}

/** The message for one sink: DingTalk Markdown, Slack mrkdwn, or plain text. */
export function renderMessage(m: Message, sink: SinkName): string {
  const s = SINKS[sink];
  const commands = m.commands.map((c) => (sink === 'plain' ? `  ${c}` : s.code(sink === 'slack' ? slackText(c) : c)));
  if (sink === 'plain')
    return [renderLine(m.title, s), ...m.lines.map((l) => renderLine(l, s)), ...commands].join('\n');
  const heading = sink === 'markdown' ? `### ${renderLine(m.title, s)}` : `*${renderLine(m.title, s)}*`;
  return [heading, ...m.lines.map((l) => renderLine(l, s)), ...(commands.length ? ['', ...commands] : [])].join('\n\n');
}

export function asMarkdown(m: Message): string {
  return renderMessage(m, 'markdown');
}

export function asPlainText(m: Message): string {
  return renderMessage(m, 'plain');
}
