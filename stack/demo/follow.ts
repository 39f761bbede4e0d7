// Progress of a run as lines on the terminal: each step as it starts and ends, with its summary.
import type { WorkflowHandle } from '@temporalio/client';
import { statusQuery } from '../../workflows/definitions';
import type { RunStatus, StepRecord } from '../../workflows/runner/types';
import { duration } from '../../app/cli/render';

const MARK: Record<string, string> = { succeeded: '✔', skipped: '↷', blocked: '⛔', aborted: '✖', running: '▶' };

/**
 * Polls query `status` and prints what changed, until `until(status)` holds or the run closes. Returns the last
 * status seen (undefined when the run closed before answering).
 */
export interface FollowOptions {
  /** Stop following when this holds. */
  until?: (s: RunStatus) => boolean;
  /** Called once per blocked step and attempt (e.g. to print the resolve command, or to retry). */
  onBlocked?: (step: StepRecord) => Promise<void>;
  /** Steps already printed: pass the same map to continue a follow without repeating lines. */
  printed?: Map<string, string>;
}

export async function follow(
  handle: WorkflowHandle,
  log: (line: string) => void,
  options: FollowOptions = {},
): Promise<RunStatus | undefined> {
  const { until = () => false, onBlocked, printed = new Map<string, string>() } = options;
  const handled = new Set<string>();
  let waiting: string | undefined;
  let last: RunStatus | undefined;
  for (;;) {
    let s: RunStatus;
    try {
      s = await handle.query(statusQuery);
    } catch (err) {
      const d = await handle.describe().catch(() => undefined);
      if (d && d.status.name !== 'RUNNING') return last;
      throw err;
    }
    last = s;
    for (const step of s.steps) {
      const key = `${step.state}:${step.attempts}:${step.state === 'running' ? '' : (step.summary ?? step.lastError ?? '')}`;
      if (step.state === 'pending' || printed.get(step.name) === key) continue;
      printed.set(step.name, key);
      const took = step.durationMs !== undefined ? ` (${duration(step.durationMs)})` : '';
      const text =
        step.state === 'blocked' || step.state === 'aborted'
          ? step.lastError
          : step.state === 'running'
            ? ''
            : step.summary;
      log(`  ${MARK[step.state] ?? '·'} ${step.title}${took}${text ? `: ${text}` : ''}`);
    }
    if (s.waitingFor && s.waitingFor !== waiting) log(`  … waiting for ${s.waitingFor}`);
    for (const step of s.steps.filter((x) => x.state === 'blocked')) {
      const key = `${step.name}:${step.attempts}`;
      if (handled.has(key)) continue;
      handled.add(key);
      await onBlocked?.(step);
    }
    waiting = s.waitingFor;
    if (until(s) || ['completed', 'aborted', 'rejected', 'invalid-input'].includes(s.phase)) return s;
    await new Promise((r) => setTimeout(r, 700));
  }
}
