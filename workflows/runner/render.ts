// The status as Markdown for the Temporal UI ("User Metadata" / current details). Compact: it is rebuilt on
// every change and read by people, so long texts are cut.
import type { RunStatus, StepRecord } from './types';

const ICON: Record<StepRecord['state'], string> = {
  pending: '·', running: '▶', succeeded: '✔', blocked: '⛔', skipped: '↷', aborted: '✖',
};

export function renderStatus(status: RunStatus, planMarkdown?: string): string {
  const lines: string[] = [];
  const pair = status.pair ? ` · pair \`${status.pair}\`` : '';
  lines.push(`### ${status.runbook}${pair} · phase **${status.phase}**`);
  if (status.waitingFor) lines.push('', `**Waiting for:** ${status.waitingFor}`);
  const blocked = status.steps.find((s) => s.state === 'blocked');
  if (blocked) {
    lines.push('', `Send signal \`resolve\` with \`{"action": "retry" | ${blocked.skippable ? '"skip" | ' : ''}"abort", "by": "<your name>", "note": "..."}\``);
  }
  if (status.approval) {
    lines.push('', `Send signal \`approve\` with \`{"by": "<your name>", "planId": "${status.approval.planId}"}\` or \`reject\` with \`{"by": "<your name>", "reason": "..."}\``);
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
      lines.push(`- ${clock(a.at)} ${a.by}: ${a.action}${a.step ? ` on ${a.step}` : ''} ${a.accepted ? '✔' : `refused — ${cell(a.reason ?? '')}`}` +
        `${a.note ? ` (“${cell(a.note)}”)` : ''}`);
    }
  }
  return lines.join('\n');
}

function cell(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function clock(iso: string): string {
  return iso.slice(11, 19);
}

function took(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.round(ms / 60_000)}m`;
}
