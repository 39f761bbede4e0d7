// Signal handlers never fail a workflow task. A throw out of a signal handler fails the task; the signal stays
// in the history, so every retry and every replay throws again and the run can no longer be approved, rejected
// or resolved, only terminated (issue 29: a 50,000-deep signal did exactly that). The size guard in validate()
// refuses such payloads before any schema; this wrapper is the backstop for anything else a handler throws: the
// request is refused and audited like an invalid one, and the run goes on.
import { isCancellation } from '@temporalio/workflow';
import { clip, loose } from './text';
import type { AuditEntry } from './types';

export interface RefusalHost {
  remember(entry: Omit<AuditEntry, 'at'>): void;
  publish(): void;
}

/** `handle`, except that a throw (or a rejected promise) becomes an audited refusal of `action`. */
export function refusing<A>(
  action: string,
  host: RefusalHost,
  handle: (payload: A) => void | Promise<void>,
): (payload: A) => void | Promise<void> {
  const refuse = (payload: unknown, err: unknown) => {
    // A cancelled run is ending anyway: its cancellation is not this request's to swallow.
    if (isCancellation(err)) throw err;
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    host.remember({
      by: loose(payload).by ?? 'unknown',
      action,
      accepted: false,
      reason: `refused: the request could not be handled (${clip(why, 200)})`,
    });
    host.publish();
  };
  return (payload: A) => {
    try {
      const result = handle(payload);
      if (result instanceof Promise) return result.catch((err: unknown) => refuse(payload, err));
    } catch (err) {
      refuse(payload, err);
    }
    return undefined;
  };
}
