// What the admin operations refuse with. Each names the fix, and says whether a retry can help.
import { KdrError } from '../../errors';

export class ClusterUnreachableError extends KdrError {
  override name = 'ClusterUnreachableError';
  readonly retryable = true;
}
export class TopicMissingError extends KdrError {
  override name = 'TopicMissingError';
  readonly retryable = false;
  constructor(
    readonly topics: string[],
    where: string,
  ) {
    super(`topic(s) ${topics.join(', ')} do not exist on the ${where}`);
  }
}
export class PartitionCountMismatchError extends KdrError {
  override name = 'PartitionCountMismatchError';
  readonly retryable = false;
  constructor(readonly mismatches: { topic: string; primary: number; secondary: number }[]) {
    super(
      'partition counts differ between primary and secondary: ' +
        mismatches.map((m) => `${m.topic} primary=${m.primary} secondary=${m.secondary}`).join(', ') +
        " (records would land in other partitions; recreate the secondary topic with the primary's count)",
    );
  }
}
export class GroupHasLiveMembersError extends KdrError {
  override name = 'GroupHasLiveMembersError';
  readonly retryable = false;
  constructor(
    readonly group: string,
    readonly state: string,
    readonly members: number,
  ) {
    super(
      `consumer group ${group} has ${members} live member(s) (state ${state}) on this cluster: ` +
        'stop its consumers (and wait for the session timeout) before its offsets can be set',
    );
  }
}
export class OffsetReadBackError extends KdrError {
  override name = 'OffsetReadBackError';
  readonly retryable = false;
}
