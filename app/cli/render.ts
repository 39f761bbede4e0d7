// Human output of `kdr`: the step table as a terminal table, the plan per group and partition, the pairs list.
// Plain text with aligned columns; no colours (logs and CI keep it readable). Every text in a run's status came
// from someone else (names in signals, the workflow id, cluster errors): control characters are shown escaped,
// never sent to the terminal (an ANSI sequence could recolour, rewrite or hide lines of the table).
import { terminalText } from '../../src/security/escape';
import type { GroupTarget, ShownPlan } from '../../src/plan/model';
import { failbackText, isFailbackPlan } from '../../workflows/failback-plan';
import type { RunStatus, StepRecord } from '../../workflows/runner/types';
import type { RunView } from './temporal';

const ICON: Record<StepRecord['state'], string> = {
  pending: '·',
  running: '▶',
  succeeded: '✔',
  blocked: '⛔',
  skipped: '↷',
  aborted: '✖',
};

/** Aligned columns; the last column is cut to the terminal width. */
export function table(header: string[], rows: string[][], width = terminalWidth()): string {
  const all = [header, ...rows].map((r) => r.map((c) => terminalText(c ?? '', false)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) => {
      const line = r
        .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i])))
        .join('  ')
        .trimEnd();
      return line.length > width ? `${line.slice(0, width - 1)}…` : line;
    })
    .join('\n');
}

function terminalWidth(): number {
  return process.stdout.isTTY ? Math.max(60, process.stdout.columns ?? 120) : 200;
}

export function duration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)}s`;
  if (ms < 7_200_000) return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

function clock(iso?: string): string {
  return iso ? iso.slice(11, 19) : '';
}

export function stepRows(steps: StepRecord[], now = Date.now()): string[][] {
  return steps.map((s) => {
    // A running step shows how long it has been going: the progress of a long step at a glance.
    const took =
      s.durationMs !== undefined
        ? duration(s.durationMs)
        : s.state === 'running' && s.startedAt
          ? `${duration(Math.max(0, now - Date.parse(s.startedAt)))}…`
          : '';
    const note =
      s.state === 'blocked' || s.state === 'aborted'
        ? (s.lastError ?? s.summary ?? '')
        : (s.summary ?? s.lastError ?? '');
    return [
      ICON[s.state],
      s.name,
      s.state,
      s.attempts ? String(s.attempts) : '',
      clock(s.startedAt),
      took,
      note.replace(/\s+/g, ' '),
    ];
  });
}

/** The next command an operator runs, when the run waits for one. */
export function nextCommands(status: RunStatus, workflowId: string): string[] {
  if (status.phase === 'awaiting-approval' && status.approval) {
    const key = status.approval.identity === 'signed' ? ' --key <your private key>' : '';
    return [
      `kdr approve ${workflowId} --by <your name> --plan-id ${status.approval.planId}${key}   # after kdr plan ${workflowId}`,
      `kdr reject ${workflowId} --by <your name> --reason "..."`,
    ];
  }
  const blocked = status.steps.find((s) => s.state === 'blocked');
  if (status.phase === 'blocked' && blocked) {
    const actions = blocked.skippable ? 'retry|skip|abort' : 'retry|abort';
    return [`kdr resolve ${workflowId} ${actions} --by <your name> --note "..."     # step ${blocked.name}`];
  }
  return [];
}

export function renderRun(view: RunView, now = Date.now()): string {
  const s = view.status;
  const out: string[] = [];
  const pair = s?.pair ? ` · pair ${s.pair}` : '';
  out.push(
    `${view.type}${pair} · ${view.workflowId} (run ${view.runId}) · ${view.executionStatus}${s ? ` · phase ${s.phase}` : ''}`,
  );
  if (view.source && view.executionStatus !== 'RUNNING') out.push(`From ${view.source}`);
  if (s?.waitingFor) out.push(`Waiting for: ${s.waitingFor}`);
  if (view.failure)
    out.push(`Failure: ${view.failure.type ? `${view.failure.type}: ` : ''}${view.failure.message.split('\n')[0]}`);
  if (s) {
    for (const c of nextCommands(s, view.workflowId)) out.push(`  → ${c}`);
    out.push(
      '',
      table(['', 'STEP', 'STATE', 'RUNS', 'STARTED', 'TOOK', 'SUMMARY / LAST ERROR'], stepRows(s.steps, now)),
    );
  }
  for (const a of view.activities) {
    const beat = a.heartbeat !== undefined ? `, progress ${progressOf(a.heartbeat)}` : '';
    const deadline = a.deadline && a.attempt > 1 ? `, step blocks ${until(a.deadline, now)}` : '';
    out.push(
      `  activity ${a.type}: ${a.state}, attempt ${a.attempt}${beat}${a.lastFailure ? `, last failure: ${a.lastFailure.split('\n')[0]}` : ''}${deadline}`,
    );
  }
  if (s?.audit.length) {
    const recent = s.audit.slice(-5);
    out.push('', `Decisions (${s.audit.length}${s.audit.length > recent.length ? ', last 5' : ''}):`);
    for (const a of recent) {
      out.push(
        `  ${clock(a.at)} ${a.by}: ${a.action}${a.step ? ` on ${a.step}` : ''} ${a.accepted ? '✔' : `refused — ${a.reason ?? ''}`}` +
          `${a.note ? ` ("${a.note}")` : ''}`,
      );
    }
  }
  if (view.uiUrl) out.push('', `Temporal UI: ${view.uiUrl}`);
  return terminalText(out.join('\n'));
}

/** What `kdr status --watch` writes before each refresh on a terminal: the one escape sequence kdr sends itself. */
export const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/** Everything kdr prints: control characters escaped, except a leading CLEAR_SCREEN of its own. */
export function terminalOutput(text: string): string {
  return text.startsWith(CLEAR_SCREEN)
    ? CLEAR_SCREEN + terminalText(text.slice(CLEAR_SCREEN.length))
    : terminalText(text);
}

/** An activity's heartbeat in one line: its own `progress` text when it gives one (planOffsets's carries its whole result too). */
function progressOf(heartbeat: unknown): string {
  if (typeof heartbeat === 'string') return heartbeat;
  const text = (heartbeat as { progress?: unknown } | null)?.progress;
  if (typeof text === 'string') return text;
  const json = JSON.stringify(heartbeat) ?? '';
  return json.length > 300 ? `${json.slice(0, 300)}…` : json;
}

/** The per-group and per-partition plan as tables, with the CNAME change and the totals above. */
export function renderPlan(workflowId: string, planId: string, plan: ShownPlan): string {
  // A declared pair: said first, before anyone reads the offsets and approves.
  const warning = plan.identityWarning ? [`WARNING ${plan.identityWarning}`] : [];
  if (isFailbackPlan(plan)) return [...warning, failbackText(workflowId, plan)].join('\n');
  const out = [...warning, `Plan ${planId} of ${workflowId}`];
  const t = plan.totals;
  if (plan.cname) out.push(`  CNAME ${plan.cname.domain}: ${plan.cname.from} -> ${plan.cname.to}`);
  const a = plan.authorises;
  if (a)
    out.push(
      `  mode ${a.mode} (drain ${JSON.stringify(a.drain)}); operator timestamp ${a.operatorTimestamp === null ? 'none' : new Date(a.operatorTimestamp).toISOString()}`,
    );
  if (t) {
    const sources =
      Object.entries(t.sources ?? {})
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || 'none';
    out.push(
      `  ${t.groups} groups, ${t.partitions} partitions; sources: ${sources}`,
      `  expected duplicates <= ${t.duplicateBound} records (margin ${plan.marginMs} ms, replication latency ${plan.latencyMs} ms)`,
      `  untranslated partitions (placed at earliest): ${t.untranslated}; groups with live members on the secondary: ${t.liveGroups}`,
      `  primary ${plan.primaryReachable ? 'answers (planned failover / drill)' : 'does NOT answer (outage)'}`,
    );
    if (plan.fidelity) out.push(`  replication fidelity relied on: ${plan.fidelity.description}`);
  }
  if (plan.autoFailover) out.push(`  automatic failover: ${plan.autoFailover}`);
  const groups = plan.groups ?? [];
  out.push(
    '',
    table(
      ['GROUP', 'PARTITIONS', 'DUPLICATES <=', 'SOURCES', 'UNTRANSLATED', 'LIVE MEMBERS'],
      groups.map((g) => [
        g.group,
        String(g.offsets.length),
        String(g.duplicateBound),
        sources(g),
        String(g.untranslated.length),
        `${g.liveMembers}${g.liveMembers ? ' (stop them before the reset)' : ''}`,
      ]),
    ),
  );
  const rows = groups.flatMap((g) =>
    g.offsets.map(([topic, partition, offset, source]) => {
      const why = g.untranslated.find((u) => u.topic === topic && u.partition === partition)?.reason ?? '';
      return [g.group, topic, String(partition), String(offset), source, why];
    }),
  );
  out.push('', table(['GROUP', 'TOPIC', 'PARTITION', 'OFFSET', 'SOURCE', 'NOTE'], rows));
  return terminalText(out.join('\n'));
}

function sources(g: GroupTarget): string {
  const counts = new Map<string, number>();
  for (const [, , , source] of g.offsets) counts.set(source, (counts.get(source) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${s}x${n}`).join(' ');
}

/** "in 4 min" / "in 20 s" / "now": how long until the deadline (a retrying step blocks then). */
function until(deadline: string, now: number): string {
  const s = Math.round((Date.parse(deadline) - now) / 1000);
  if (s <= 0) return 'now';
  return s < 120 ? `in ${s} s` : `in ${Math.round(s / 60)} min`;
}
