// A worker that dies (SIGKILL, OOM, a lost node) takes its running activities with it, and the server notices
// only when the activity's heartbeat timeout passes, or else at its start-to-close timeout: minutes of a
// failover spent waiting for nothing. So every activity that has a heartbeat timeout heartbeats on its own while
// it runs, repeating the details it last reported (or those of the attempt before), so a crashed attempt is
// retried within the heartbeat timeout and the retry still resumes from the recorded progress.
import { Context } from '@temporalio/activity';

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
  } finally {
    clearInterval(timer);
    (ctx as { heartbeat: (d?: unknown) => void }).heartbeat = send;
  }
}
