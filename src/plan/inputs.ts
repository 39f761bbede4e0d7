// The planner refuses evidence and options it cannot reason about rather than plan from them.
import { KdrError } from '../errors';
import { SOURCE_ORDER, type PartitionEvidence, type PlanOptions } from './types';

export class PlanInputError extends KdrError {
  override name = 'PlanInputError';
  readonly retryable = false;
}

export class EvidenceIncompleteError extends KdrError {
  override name = 'EvidenceIncompleteError';
  readonly retryable = true;
}

/** The margin actually used: never below the measured replication latency. */
export function effectiveMarginMs(options: PlanOptions): number {
  validateOptions(options);
  return Math.max(options.marginMs, Math.ceil(options.replicationLatencyMs));
}

function validateOptions(options: PlanOptions): void {
  if (!Number.isFinite(options.marginMs) || options.marginMs < 0) {
    throw new PlanInputError(`plan option marginMs=${options.marginMs} is invalid: give a number of milliseconds >= 0`);
  }
  if (!Number.isFinite(options.replicationLatencyMs) || options.replicationLatencyMs < 0) {
    throw new PlanInputError(
      `plan option replicationLatencyMs=${options.replicationLatencyMs} is invalid: give the measured latency in ms (>= 0)`,
    );
  }
  if (options.operatorTimestamp !== undefined && !Number.isFinite(options.operatorTimestamp)) {
    throw new PlanInputError(
      `plan option operatorTimestamp=${options.operatorTimestamp} is invalid: give epoch milliseconds`,
    );
  }
  for (const s of options.sources ?? []) {
    if (!SOURCE_ORDER.includes(s)) {
      throw new PlanInputError(`plan option sources contains "${s}": allowed are ${SOURCE_ORDER.join(', ')}`);
    }
  }
}

export function validatePartition(group: string, p: PartitionEvidence): void {
  const where = `group ${group} ${p.topic}[${p.partition}]`;
  const { earliest, end } = p.secondary;
  if (!Number.isInteger(earliest) || !Number.isInteger(end) || earliest < 0 || end < earliest) {
    throw new PlanInputError(
      `${where}: secondary offsets earliest=${earliest} end=${end} are invalid (need 0 <= earliest <= end)`,
    );
  }
  const { firstNew } = p.secondary;
  if (firstNew !== undefined && (!Number.isInteger(firstNew) || firstNew < 0 || firstNew > end)) {
    throw new PlanInputError(`${where}: secondary firstNew=${firstNew} is invalid (need 0 <= firstNew <= end ${end})`);
  }
}
