// What runs and watches report about themselves: metrics for this worker's /metrics, and notifications to the
// pair's targets. Targets come from the worker's own pairs file by pair name, never from the workflow: an inline
// config could otherwise make the worker post its events (or read its variables) wherever the starter likes.
import { Context } from '@temporalio/activity';
import { targetLabel, wantsEvent, type NotifyTarget } from '../src/config/notify';
import { observeNotification, observeRunEnd, observeTick } from '../src/metrics/kdr';
import type { EventOrigin, HealthChange, KdrEvent, NotifyOutcome, RunEvent } from '../src/notify/events';
import { renderEvent } from '../src/notify/messages';
import { deliver } from '../src/notify/send';
import type { ActivityDeps } from './deps';
import type { WatchTick, WatchTickOptions } from './watch';
import type { PairConfig } from '../src/config';

export const UI_URL_ENV = 'KDR_TEMPORAL_UI_URL';

/** Sends one event to the pair's targets in the worker's own pairs file; never throws for a failed delivery. */
export function notifier(deps: ActivityDeps): (event: KdrEvent) => Promise<NotifyOutcome> {
  function targetsOf(pair: string): { targets: NotifyTarget[]; note?: string } {
    try {
      const config = deps.pairs().get(pair);
      if (!config)
        return {
          targets: [],
          note: `pair ${pair} is not in the worker's pairs file: notifications go only to targets configured there`,
        };
      return { targets: config.notify };
    } catch (err) {
      return { targets: [], note: `no pairs file to read targets from (${(err as Error).message})` };
    }
  }

  async function notify(event: KdrEvent): Promise<NotifyOutcome> {
    if ('inline' in event && event.inline)
      return { sent: [], failed: [], note: "inline config: only pairs of the worker's pairs file notify" };
    const { targets, note } = targetsOf(event.pair);
    const chosen = targets.filter((t) => wantsEvent(t, event.kind));
    if (chosen.length === 0) return { sent: [], failed: [], ...(note ? { note } : {}) };
    const info = Context.current().info;
    const origin: EventOrigin = {
      workflowId: info.workflowExecution?.workflowId ?? '?',
      runId: info.workflowExecution?.runId ?? '?',
      namespace: info.workflowNamespace ?? 'default',
    };
    const ui = deps.env[UI_URL_ENV];
    if (ui)
      origin.uiUrl = `${ui.replace(/\/$/, '')}/namespaces/${encodeURIComponent(origin.namespace)}/workflows/${encodeURIComponent(origin.workflowId)}/${origin.runId}/history`;
    const message = renderEvent(event, origin);
    const errors = await Promise.all(
      chosen.map(async (target) => {
        const error = await deliver(target, message, event, origin, {
          env: deps.env,
          attempts: Number(deps.env.KDR_NOTIFY_ATTEMPTS) || 3,
          backoffMs: Number(deps.env.KDR_NOTIFY_BACKOFF_MS) || 500,
        });
        observeNotification(target.type, error ? 'failed' : 'sent');
        return error;
      }),
    );
    // In the pairs file's order, whichever answered first: the audit line reads the same every time.
    const outcome: NotifyOutcome = { sent: [], failed: [] };
    chosen.forEach((target, i) => {
      const error = errors[i];
      if (error) outcome.failed.push({ target: targetLabel(target), error });
      else outcome.sent.push(targetLabel(target));
    });
    return outcome;
  }
  return notify;
}

export function runEventActivities(deps: ActivityDeps) {
  const notify = notifier(deps);
  return {
    /** Never throws for a failed delivery: the runbook records the outcome and goes on. */
    async reportRunEvent(event: RunEvent): Promise<NotifyOutcome> {
      if (event.kind === 'run-completed' || event.kind === 'run-aborted' || event.kind === 'run-rejected')
        observeRunEnd(event);
      return notify(event);
    },
    async reportHealthChange(change: HealthChange): Promise<NotifyOutcome> {
      return notify(change);
    },
  };
}

/** Every drWatch tick also feeds the metrics (the tick already measured lag, newest record and snapshot). */
export function withTickMetrics<A extends { watchTick(pair: PairConfig, o: WatchTickOptions): Promise<WatchTick> }>(
  acts: A,
): A {
  return {
    ...acts,
    async watchTick(pair: PairConfig, o: WatchTickOptions): Promise<WatchTick> {
      const tick = await acts.watchTick(pair, o);
      observeTick(pair.name, tick);
      return tick;
    },
  };
}
