// `kdr pairs`: what a pair's running watch does with its automatic failover policy now (paused, its decision, the
// failover it started), bounded: a watch with no worker must not hang the listing.
import type { Client } from '@temporalio/client';
import type { WatchStatus } from '../../workflows/watch-view';
import { findPairRun } from './temporal';

const WATCH_QUERY_MS = 3_000;

/** What the pair's running watch does with the policy now: paused, its decision, the failover it started. */
export async function autoSeen(client: Client, pair: string): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const running = await findPairRun({ client }, 'watch', pair, { running: true });
    if (!running) return '; no drWatch runs: nothing fails over by itself';
    const status = await Promise.race([
      client.workflow.getHandle(running.description.workflowId).query<WatchStatus>('watch'),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), WATCH_QUERY_MS);
      }),
    ]);
    const paused = status?.autoControl?.paused ?? status?.auto?.paused;
    if (paused) return `; PAUSED by ${paused.by} (kdr auto resume ${pair})`;
    const a = status?.auto;
    if (!a) return '; the watch has not decided yet';
    return `; watch: ${a.decision}${a.started ? `, ${a.started.workflowId} ${a.started.outcome}` : ''}`;
  } catch {
    return '';
  } finally {
    if (timer) clearTimeout(timer);
  }
}
