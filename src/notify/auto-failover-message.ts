// The automatic failover's messages: the veto window opening (with the commands to stop it or go now), its end, and
// the watch's alerts that need a person (held above maxAtRisk, a partition, a secondary that cannot take over).
import type { AutoFailoverEvent } from '../auto-failover/events';
import type { Line, Message } from './messages';

function line(parts: TemplateStringsArray, ...values: (string | number)[]): Line {
  return { parts: [...parts], values };
}

const TITLE: Record<AutoFailoverEvent['event'], string> = {
  started: 'automatic failover starting',
  vetoed: 'automatic failover vetoed',
  approved_early: 'automatic failover approved early',
  aborted: 'automatic failover aborted',
  held: 'primary down, automatic failover HELD for a person',
  partition: 'partition seen, no automatic failover',
  unsafe: 'primary down, secondary cannot take over',
  'clock-started': 'primary down: clock started',
  'clock-stopped': 'primary answers again',
};

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}

/** `link` is the run's line(s) composed by messages.ts; `pair` is the pair's name as safe for a command. */
export function autoFailoverMessage(e: AutoFailoverEvent, link: Line[], pair: string): Message {
  const lines: Line[] = [line`Pair **${e.pair}**: ${e.why}`];
  if (e.event === 'started' && e.proceedsAt !== undefined)
    lines.push(
      line`Automatic failover of **${e.pair}** in ${seconds(e.proceedsAt - e.at)} (at ${new Date(e.proceedsAt).toISOString()}) unless a listed approver rejects it or the primary answers again.`,
    );
  if (e.downSince !== undefined) lines.push(line`Primary down since ${new Date(e.downSince).toISOString()}`);
  if (e.atRisk)
    lines.push(
      line`At risk: ${e.atRisk.records ?? 'unknown'} record(s), ${e.atRisk.seconds ?? 'unknown'} s (${e.atRisk.basis})`,
    );
  for (const r of (e.evidence ?? []).slice(0, 4))
    lines.push(
      line`Probe ${r.probe} at ${new Date(r.at).toISOString()}: ${r.verdict}${r.error ? ` (${r.error})` : ''}`,
    );
  if (e.by) lines.push(line`By: ${e.by}`);
  const commands =
    e.event === 'started'
      ? [
          `kdr reject ${pair} --by <you> --reason "<why>"   # stop it: nothing is changed`,
          `kdr approve ${pair} --by <you>   # go now, without waiting out the window`,
          `kdr status ${pair}`,
        ]
      : e.event === 'held'
        ? [`kdr plan ${pair}`, `kdr failover ${pair} --requested-by <you>   # after reading the estimate`]
        : [`kdr watch ${pair}`, `kdr status ${pair}`];
  return { title: line`[kafka-dr] ${e.pair}: ${TITLE[e.event]}`, lines: [...lines, ...link], commands };
}
