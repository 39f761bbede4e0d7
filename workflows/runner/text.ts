// Small text and time helpers shared by the runner's modules (workflow code: time is workflow time).
import { escapeControls } from '../../src/security/escape';

export const MAX_SUMMARY = 200;

/** Workflow time, ISO-8601. */
export function now(): string {
  return new Date(Date.now()).toISOString();
}

/** One line, at most `max` characters, control characters escaped: summaries and errors stay readable and bounded. */
export function clip(text: string, max = MAX_SUMMARY): string {
  const flat = escapeControls(text.replace(/\s+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Best-effort fields of an invalid payload, for the audit entry that records its refusal. */
export function loose(raw: unknown): {
  by?: string;
  action?: string;
  step?: string;
  note?: string;
  planId?: string;
  comment?: string;
  reason?: string;
} {
  if (!raw || typeof raw !== 'object') return {};
  const out: Record<string, string> = {};
  for (const key of ['by', 'action', 'step', 'note', 'planId', 'comment', 'reason']) {
    const v = (raw as Record<string, unknown>)[key];
    if (typeof v === 'string') out[key] = clip(v, 128);
  }
  return out;
}
