// What a Connect connector's status means for a pair, and the end-offset comparison MirrorMaker 2's lag is read from.
import { matchTopics, partitionOffsets, tpKey, type AdminSession } from '../kafka/admin';
import { type PartitionLag, type ReplicationLag, type ReplicationStatus, type ReplicationTask } from './types';
import { compilePattern } from '../config/safe-pattern';
import { excerpt } from '../security/redact';

export interface ConnectStatus {
  name: string;
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

/** A task's trace as stored in a step's error: the root cause's line only, redacted and capped (src/security/redact.ts). */
function firstLine(trace: string | undefined): string | undefined {
  if (!trace) return undefined;
  const lines = trace
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // The root cause ("Caused by: ...") says more than the wrapper on the first line.
  const caused = lines.filter((l) => l.startsWith('Caused by:')).pop();
  return excerpt(caused ?? lines[0] ?? '', [], 300);
}

/** Maps one connector's Connect status to the provider's state vocabulary. */
export function mapConnectorState(
  name: string,
  s: ConnectStatus | undefined,
  requireTasks: boolean,
): ReplicationStatus {
  if (!s) return { id: name, state: 'absent' };
  const tasks: ReplicationTask[] = s.tasks.map((t) => ({
    id: `${name}/${t.id}`,
    state: t.state,
    ...(t.trace ? { cause: firstLine(t.trace) } : {}),
  }));
  const base = { id: name, tasks };
  if (s.connector.state === 'FAILED')
    return { ...base, state: 'failed', cause: `${name}: ${firstLine(s.connector.trace) ?? 'failed'}` };
  const failedTask = s.tasks.find((t) => t.state === 'FAILED');
  if (failedTask)
    return {
      ...base,
      state: 'failed',
      cause: `${name} task ${failedTask.id}: ${firstLine(failedTask.trace) ?? 'failed'}`,
    };
  if (s.connector.state === 'PAUSED' || s.connector.state === 'STOPPED') return { ...base, state: 'paused' };
  if (s.connector.state === 'UNASSIGNED' || s.connector.state === 'RESTARTING')
    return { ...base, state: 'starting', cause: `${name} is ${s.connector.state}` };
  const notRunning = s.tasks.find((t) => t.state !== 'RUNNING');
  if (notRunning) {
    if (notRunning.state === 'PAUSED') return { ...base, state: 'paused' };
    return { ...base, state: 'starting', cause: `${name} task ${notRunning.id} is ${notRunning.state}` };
  }
  if (requireTasks && s.tasks.length === 0) {
    return {
      ...base,
      state: 'starting',
      cause: `${name} has no task yet (no topic matched on the primary, or topics not refreshed yet)`,
    };
  }
  return { ...base, state: 'running' };
}

export const RANK: Record<ReplicationStatus['state'], number> = {
  failed: 5,
  absent: 4,
  starting: 3,
  paused: 2,
  ready: 1,
  running: 0,
};

/** Compares per-partition end offsets of the replicated topics (see ReplicationLag for the assumption). */
export async function compareEndOffsets(
  primary: AdminSession,
  secondary: AdminSession,
  topics: string[] | { pattern: string },
  tolerance = 0,
): Promise<ReplicationLag> {
  const names = Array.isArray(topics) ? topics : await matchTopics(primary, compilePattern(topics.pattern));
  const p = await partitionOffsets(primary, names);
  const s = new Map((await partitionOffsets(secondary, names)).map((x) => [tpKey(x.topic, x.partition), x.end]));
  const partitions: PartitionLag[] = p.map((x) => {
    const secondaryEnd = s.get(tpKey(x.topic, x.partition)) ?? 0;
    return {
      topic: x.topic,
      partition: x.partition,
      primaryEnd: x.end,
      secondaryEnd,
      lag: Math.max(0, x.end - secondaryEnd),
    };
  });
  const totalLag = partitions.reduce((n, x) => n + x.lag, 0);
  return { caughtUp: totalLag <= tolerance, totalLag, partitions };
}
