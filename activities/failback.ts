// drFailback's activities: assess what the old primary holds that the secondary never received, preserve it on
// the active side, and clear the old primary so reverse replication can make it a clean replica. The tail's
// records never go into history: activities pass [from, to) offset ranges and re-read the records themselves.
import type { PartitionTail } from '../src/kafka/tail';
import type { TopicExport } from '../src/kafka/tail-export';
import type { ForwardRestore } from '../src/failback/restore';
import type { ActivityDeps } from './deps';
import { assessActivities } from './failback/assess';
import { clearActivities } from './failback/clear';
import { restoreActivities } from './failback/restore';
import { reverseActivities } from './failback/reverse';

export type { ForwardRestore, PartitionTail, TopicExport };
export type { FailbackAssessment } from './failback/assess';
export type { ClearResult } from './failback/clear';

export function failbackActivities(deps: ActivityDeps) {
  return {
    ...assessActivities(deps),
    ...restoreActivities(deps),
    ...reverseActivities(deps),
    ...clearActivities(deps),
  };
}
