// Every activity of kafka-dr, built from injected dependencies (defaultDeps reads the worker's environment).
// Workflows import only the type: `import type { KdrActivities } from '../activities'`.
import { admissionActivities } from './admission';
import { approvalActivities } from './approvals';
import { autoProbeActivities } from './auto-probes';
import { autoFailoverActivities } from './auto-failover';
import { clusterActivities } from './clusters';
import { defaultDeps, type ActivityDeps } from './deps';
import { dnsActivities } from './dns';
import { evacuationActivities } from './evacuate';
import { failbackActivities } from './failback';
import { failoverActivities } from './failover';
import { classified } from './failures';
import { pairActivities } from './pairs';
import { parityActivities } from './parity';
import { replicationActivities } from './replication';
import { runEventActivities, withTickMetrics } from './run-events';
import { switchoverActivities } from './switchover';
import { verifyActivities } from './verify';
import { watchActivities } from './watch';

export function createActivities(deps: ActivityDeps = defaultDeps()) {
  return classified({
    ...pairActivities(deps),
    ...clusterActivities(deps),
    ...replicationActivities(deps),
    ...verifyActivities(deps),
    ...dnsActivities(deps),
    ...failoverActivities(deps),
    ...switchoverActivities(deps),
    ...admissionActivities(deps),
    ...approvalActivities(),
    ...withTickMetrics(watchActivities(deps)),
    ...failbackActivities(deps),
    ...parityActivities(deps),
    ...runEventActivities(deps),
    ...evacuationActivities(deps),
    ...autoProbeActivities(deps),
    ...autoFailoverActivities(deps),
  });
}

export type KdrActivities = ReturnType<typeof createActivities>;
export { defaultDeps, type ActivityDeps } from './deps';
