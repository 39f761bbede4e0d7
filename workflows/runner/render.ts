// The status as Markdown for the Temporal UI ("User Metadata" / current details). Compact: it is rebuilt on
// every change and read by people, so long texts are cut.
import { mdCell } from '../markdown';
import type { RunStatus, StepRecord } from './types';

const ICON: Record<StepRecord['state'], string> = {
  pending: '·', running: '▶', succeeded: '✔', blocked: '⛔', skipped: '↷', aborted: '✖',
};

export function renderStatus(status: RunStatus, planMarkdown?: string): string {
  const lines: string[] = [];
  // Pair names are validated (lowercase letters, digits, "-"): safe inside a code span.
  const pair = status.pair ? ` · pair \`${status.pair.replace(/[^a-z0-9-]/g, '')}\`` : '';
  lines.push(`### ${status.runbook}${pair} · phase **${status.phase}**`);
  if (status.waitingFor) lines.push('', `**Waiting for:** ${mdCell(status.waitingFor, 300)}`);
  const blocked = status.steps.find((s) => s.state === 'blocked');
  if (blocked) {
    lines.push('', `Send signal \`resolve\` with \`{"action": "retry" | ${blocked.skippable ? '"skip" | ' : ''}"abort", "by": "<your name>", "note": "..."}\``);
  }
  if (status.approval) {
    lines.push('', status.approval.identity === 'signed'
      ? `This pair accepts **signed** approvals only: \`kdr approve ${(status.pair ?? '<pair>').replace(/[^a-z0-9<>-]/g, '')} --by <you> --key <your private key> --plan-id ${status.approval.planId}\`` +
        ' (an approve signal sent from this UI is refused and audited). Reject with signal `reject` `{"by": "<your name>", "reason": "..."}`'
      : `Send signal \`approve\` with \`{"by": "<your name>", "planId": "${status.approval.planId}"}\` or \`reject\` with \`{"by": "<your name>", "reason": "..."}\``);
  }
  lines.push('', '| | Step | State | Runs | Started | Took | Summary / last error |', '|---|---|---|---|---|---|---|');
  status.steps.forEach((s) => {
    const note = s.state === 'blocked' || (s.lastError && s.state !== 'succeeded') ? `**${cell(s.lastError ?? '')}**` : cell(s.summary ?? '');
    lines.push(`| ${ICON[s.state]} | ${cell(s.title)}${s.skippable ? ' *(skippable)*' : ''} | ${s.state} | ${s.attempts || ''} | ` +
      `${s.startedAt ? clock(s.startedAt) : ''} | ${s.durationMs !== undefined ? took(s.durationMs) : ''} | ${note} |`);
  });
  if (planMarkdown) lines.push('', planMarkdown);
  const recent = status.audit.slice(-5);
  if (recent.length) {
    lines.push('', `**Decisions** (${status.audit.length}${status.audit.length > recent.length ? ', last 5' : ''})`);
    for (const a of recent) {
      lines.push(`- ${clock(a.at)} ${cell(a.by, 64)}: ${cell(a.action, 40)}${a.step ? ` on ${cell(a.step, 64)}` : ''} ${a.accepted ? '✔' : `refused — ${cell(a.reason ?? '')}`}` +
        `${a.note ? ` (“${cell(a.note)}”)` : ''}`);
    }
  }
  return lines.join('\n');
}

function cell(text: string, max = 160): string {
  return mdCell(text, max);
}

function clock(iso: string): string {
  return iso.slice(11, 19);
}

function took(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.round(ms / 60_000)}m`;
}
