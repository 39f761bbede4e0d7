// The status as Markdown for the Temporal UI ("User Metadata" / current details), read by a person at 3 a.m.:
// first what the run waits for and what to do now, then one line per step that has something to say, then a
// compact step table that fits a 1280 px window, and the long texts (plan, decisions) last. The UI's Markdown
// frame resets every cell's padding to 0, so the step column is a code span: its padding keeps the columns
// apart (test/stack/ui measures it). Rebuilt on every change; long texts are cut.
import { mdCell } from '../../src/security/markdown';
import type { RunStatus, StepRecord } from './types';

const ICON: Record<StepRecord['state'], string> = {
  pending: '·',
  running: '▶',
  succeeded: '✔',
  blocked: '⚠',
  skipped: '↷',
  aborted: '✖',
};

/** Step names are code identifiers (lowercase, digits, "-"): safe inside a code span, and what resolve names. */
const stepName = (s: StepRecord) => `\`${s.name.replace(/[^a-z0-9-]/g, '')}\``;

export function renderStatus(status: RunStatus, planMarkdown?: string): string {
  const lines: string[] = [];
  // Pair names are validated (lowercase letters, digits, "-"): safe inside a code span.
  const pair = status.pair ? ` · pair \`${status.pair.replace(/[^a-z0-9-]/g, '')}\`` : '';
  lines.push(`### ${status.runbook}${pair} · phase **${status.phase}**`);
  if (status.waitingFor) lines.push('', `**Waiting for:** ${mdCell(status.waitingFor, 300)}`);
  const todo = doNow(status);
  if (todo.length) lines.push('', '**Do now**', '', ...todo.map((t) => `- ${t}`));

  const said = status.steps.filter((s) => s.summary || (s.lastError && s.state !== 'succeeded'));
  if (said.length) {
    lines.push('', '**Steps so far**', '');
    for (const s of said) {
      const text =
        s.state === 'blocked' || (s.lastError && s.state !== 'succeeded')
          ? `**${cell(s.lastError ?? '')}**`
          : cell(s.summary ?? '');
      lines.push(`- ${ICON[s.state]} ${stepName(s)} ${cell(s.title, 80)}: ${text}`);
    }
  }

  // Three columns (state icon, step, took): the step's code span sits between the other two, so its padding
  // separates every pair of neighbouring cells.
  lines.push('', '| | Step | Took |', '|---|---|---|');
  for (const s of status.steps) {
    const runs = s.attempts > 1 ? `, ${s.attempts} runs` : '';
    lines.push(
      `| ${ICON[s.state]} | ${stepName(s)} | ` +
        `${s.durationMs !== undefined ? took(s.durationMs) : s.startedAt ? `since ${clock(s.startedAt)}` : ''}${runs}${s.skippable ? ' *(skippable)*' : ''} |`,
    );
  }
  const used = new Set(status.steps.map((s) => s.state));
  lines.push(
    '',
    `*${(Object.keys(ICON) as StepRecord['state'][])
      .filter((k) => used.has(k))
      .map((k) => `${ICON[k]} ${k}`)
      .join(' · ')}*`,
  );
  const ahead = status.steps.filter((s) => s.state === 'pending');
  if (ahead.length) lines.push('', `*Next:* ${ahead.map((s) => `${stepName(s)} ${cell(s.title, 80)}`).join(' · ')}`);

  if (planMarkdown) lines.push('', planMarkdown);
  const recent = status.audit.slice(-5);
  if (recent.length) {
    lines.push('', `**Decisions** (${status.audit.length}${status.audit.length > recent.length ? ', last 5' : ''})`);
    for (const a of recent) {
      lines.push(
        `- ${clock(a.at)} ${cell(a.by, 64)}: ${cell(a.action, 40)}${a.step ? ` on ${cell(a.step, 64)}` : ''} ${a.accepted ? '✔' : `refused — ${cell(a.reason ?? '')}`}` +
          `${a.note ? ` (“${cell(a.note)}”)` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

/** The operator's next actions: resolve a blocked step, approve the plan, and the runbook's own "NOW:" instructions. */
function doNow(status: RunStatus): string[] {
  const todo: string[] = [];
  const blocked = status.steps.find((s) => s.state === 'blocked');
  if (blocked) {
    todo.push(
      `Step ${stepName(blocked)} is blocked: fix the cause, then send signal \`resolve\` with ` +
        `\`{"action": "retry" | ${blocked.skippable ? '"skip" | ' : ''}"abort", "by": "<your name>", "note": "..."}\``,
    );
  }
  if (status.approval) {
    todo.push(
      status.approval.identity === 'signed'
        ? `This pair accepts **signed** approvals only: \`kdr approve ${(status.pair ?? '<pair>').replace(/[^a-z0-9<>-]/g, '')} --by <you> --key <your private key> --plan-id ${status.approval.planId}\`` +
            ' (an approve signal sent from this UI is refused and audited). Reject with signal `reject` `{"by": "<your name>", "reason": "..."}`'
        : `Send signal \`approve\` with \`{"by": "<your name>", "planId": "${status.approval.planId}"}\` or \`reject\` with \`{"by": "<your name>", "reason": "..."}\``,
    );
  }
  // The latest "NOW:" instruction stays on top: the applications act on it, not on the step table.
  const now = [...status.steps].reverse().find((s) => s.state !== 'pending' && /^NOW:|\. NOW: /.test(s.summary ?? ''));
  if (now) todo.push(`**${cell((now.summary ?? '').replace(/^.*?(?=NOW:)/, ''), 300)}**`);
  return todo;
}

function cell(text: string, max = 160): string {
  return mdCell(text, max);
}

function clock(iso: string): string {
  return iso.slice(11, 19);
}

function took(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
