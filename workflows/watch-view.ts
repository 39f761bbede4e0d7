// What drWatch shows: query `watch`, and the Markdown of the run's current details in the Temporal UI. Pure.
import type { HealthValue, WatchState } from '../src/config';
import type { WatchTick } from '../activities/watch';
import { mdCell } from '../src/security/markdown';

export interface WatchStatus extends WatchState {
  pair: string;
  intervalMs: number;
  /** The last measurement, as the activity returned it. */
  last?: WatchTick;
  stopped?: { by: string; reason?: string; at: number };
  /** The last stop refused (a signed pair: unsigned or badly signed while the domain still points at the primary). */
  stopRefused?: { by: string; reason: string; at: number };
  /** Search attributes the server lacks (the health is then in the details only). */
  unregistered?: string[];
  /** kdr auto pause|resume: the pause in force and every pause or resume, accepted or refused (shown at once). */
  autoControl?: Pick<NonNullable<WatchState['auto']>, 'paused' | 'audit'>;
}

const ICON: Record<HealthValue, string> = { unknown: '·', healthy: '✔', degraded: '⚠', broken: '✖' };

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function ago(from: number, now: number): string {
  const s = Math.max(0, Math.round((now - from) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

export function watchMarkdown(s: WatchStatus, now: number): string {
  // Pair names are validated (lowercase letters, digits, "-"): safe inside a code span.
  const pair = s.pair.replace(/[^a-z0-9-]/g, '');
  const lines = [
    `### drWatch · pair \`${pair}\` · ${ICON[s.health]} **${s.health}** since ${clock(s.since)} UTC (${ago(s.since, now)})`,
    '',
    `**Why:** ${mdCell(s.why, 600)}`,
  ];
  for (const name of s.unregistered ?? []) {
    lines.push(
      '',
      `⚠ The Temporal server has no search attribute \`${name.replace(/[^A-Za-z]/g, '')}\`: the health is shown here only. ` +
        `Register it (\`temporal operator search-attribute create --name ${name.replace(/[^A-Za-z]/g, '')} --type Keyword\`) and restart the watch.`,
    );
  }
  const t = s.last;
  if (t) {
    const snap =
      t.snapshot === undefined
        ? 'not taken (primary down: the stored positions are kept)'
        : 'error' in t.snapshot
          ? `**failed**: ${mdCell(t.snapshot.error, 200)}`
          : `${t.snapshot.groups} groups, ${t.snapshot.positions} positions (${t.snapshot.matched} exact), ${t.snapshot.written} written, ` +
            `${t.snapshot.elapsedMs} ms, at ${clock(t.snapshot.takenAt)}`;
    lines.push(
      '',
      '| | last check ' + clock(t.at) + ` (${t.elapsedMs} ms) |`,
      '|---|---|',
      `| primary | ${t.primaryReachable ? 'answers' : '**does not answer**'} |`,
      `| replication | ${mdCell(t.connector.state + (t.connector.cause ? `: ${t.connector.cause}` : ''), 200)} |`,
      `| lag | ${t.lag ? `${t.lag.total} records${t.lag.worst ? ` (worst ${mdCell(t.lag.worst, 100)})` : ''}` : 'not measured'} |`,
      `| RPO estimate | ${t.rpoMs === null ? 'not measured' : `${t.rpoMs} ms`} |`,
      `| newest replicated record | ${t.newestReplicatedAt === null ? 'none' : `${clock(t.newestReplicatedAt)} UTC`} |`,
      `| canary | ${t.canary ? `${t.canary.received}/${t.canary.produced}, max ${t.canary.latencyMaxMs ?? '-'} ms` : s.lastCanaryAt ? `last at ${clock(s.lastCanaryAt)} UTC` : 'not run yet'} |`,
      `| position snapshot | ${snap} |`,
      `| exact translation | ${t.exact ? 'allowed (fidelity profile keeps records identical)' : 'not allowed: times only'} |`,
    );
  }
  if (s.transitions.length) {
    lines.push('', '**Health changes**');
    for (const x of s.transitions.slice(-5)) lines.push(`- ${clock(x.at)} ${x.from} → ${x.to}: ${mdCell(x.why, 200)}`);
  }
  lines.push(...autoLines(s, pair));
  if (s.stopRefused && !s.stopped) {
    lines.push(
      '',
      `**Stop refused** (${mdCell(s.stopRefused.by, 64)} at ${clock(s.stopRefused.at)}): ${mdCell(s.stopRefused.reason, 300)}`,
    );
  }
  lines.push(
    '',
    s.stopped
      ? `Stopped by ${mdCell(s.stopped.by, 64)} at ${clock(s.stopped.at)}${s.stopped.reason ? ` (“${mdCell(s.stopped.reason, 200)}”)` : ''}.`
      : `Every ${Math.round(s.intervalMs / 1000)} s; run ${s.runs}, ${s.ticks} checks since ${clock(s.startedAt)}. ` +
          `Stop: signal \`stopWatch\` \`{"by": "<your name>"}\`, or \`kdr watch ${pair} --stop\`.`,
  );
  return lines.join('\n');
}

/** The automatic failover (pairs with autoFailover enabled): the decision, the probes, the failover it started, pauses. */
function autoLines(s: WatchStatus, pair: string): string[] {
  const a = s.auto;
  const control = s.autoControl ?? a;
  if (!a && !control?.paused && !control?.audit?.length) return [];
  const lines = ['', '**Automatic failover**'];
  if (a) {
    lines.push(`- decision: **${a.decision}**: ${mdCell(a.why, 600)}`);
    if (a.readings?.length)
      lines.push(
        `- probes: ${a.readings.map((r) => `${r.probe} ${r.verdict}${r.error ? ` (${mdCell(r.error, 80)})` : ''}`).join(', ')}`,
      );
    if (a.started)
      lines.push(
        `- failover \`${mdCell(a.started.workflowId, 120)}\` ${a.started.outcome} at ${clock(a.started.at)} UTC`,
      );
  }
  if (control?.paused)
    lines.push(
      `- ⏸ **paused** by ${mdCell(control.paused.by, 64)} at ${clock(control.paused.at)} UTC` +
        `${control.paused.reason ? ` (“${mdCell(control.paused.reason, 200)}”)` : ''}: resume with \`kdr auto resume ${pair}\``,
    );
  for (const e of (control?.audit ?? []).slice(-3))
    lines.push(
      `- ${clock(e.at)} ${e.action} by ${mdCell(e.by, 64)}: ${e.accepted ? 'accepted' : `refused (${mdCell(e.reason ?? '', 200)})`}`,
    );
  return lines;
}
