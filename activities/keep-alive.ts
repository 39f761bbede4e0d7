// A worker that dies (SIGKILL, OOM, a lost node) takes its running activities with it, and the server notices
// only when the activity's heartbeat timeout passes, or else at its start-to-close timeout: minutes of a
// failover spent waiting for nothing. So every activity that has a heartbeat timeout heartbeats on its own while
// it runs, repeating the details it last reported (or those of the attempt before), so a crashed attempt is
// retried within the heartbeat timeout and the retry still resumes from the recorded progress.
import { Context } from '@temporalio/activity';

/** The last reported details with the attempt's error added (an object keeps its fields: resume points survive). */
function withLastError(details: unknown, err: unknown): unknown {
  const e = err as { type?: string; name?: string; message?: string };
  const lastError = `${e.type ?? e.name ?? 'Error'}: ${String(e.message ?? err)
    .split('\n')[0]
    .slice(0, 300)}`;
  return details !== null && typeof details === 'object' && !Array.isArray(details)
    ? { ...details, lastError }
    : { lastError };
}

export async function keptAlive<T>(fn: () => Promise<T>): Promise<T> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return fn(); // called outside an activity (a test calling the function directly)
  }
  const timeout = ctx.info.heartbeatTimeoutMs;
  if (!timeout || ctx.info.isLocal) return fn();
  const send = ctx.heartbeat;
  let details: unknown = ctx.info.heartbeatDetails;
  let sentAt = 0;
  // The activity's own heartbeats (progress, resume points) go through and become what is repeated.
  (ctx as { heartbeat: (d?: unknown) => void }).heartbeat = (d?: unknown) => {
    details = d;
    sentAt = Date.now();
    send(d);
  };
  const every = Math.max(1_000, Math.floor(timeout / 3));
  const timer = setInterval(() => {
    if (Date.now() - sentAt < every) return;
    sentAt = Date.now();
    send(details);
  }, every);
  try {
    return await fn();
  } catch (err) {
    // Recorded with the progress: when the step's deadline passes between two attempts, the server's timeout
    // failure carries only the last heartbeat, and the operator must still see what kept failing.
    if (!ctx.cancellationSignal.aborted) send(withLastError(details, err));
    throw err;
  } finally {
    clearInterval(timer);
    (ctx as { heartbeat: (d?: unknown) => void }).heartbeat = send;
  }
}
