// Each side of a pair read and changed through its own provider: the Kafka Admin API for self-managed Kafka
// (src/parity/kafka.ts), the ApsaraMQ API for an instance (src/parity/alikafka.ts).
import type { ClusterConfig } from '../src/config';
import type { AdminSession } from '../src/kafka/admin';
import type { ParityGap, ParitySnapshot } from '../src/parity/model';
import type { ParityApplyResult } from '../src/parity/apply';
import * as alikafka from '../src/parity/alikafka';
import * as kafka from '../src/parity/kafka';
import type { ActivityDeps } from './deps';

export interface ParityProvider {
  read(topics: string[]): Promise<ParitySnapshot>;
  /** Applies each gap's change (users first), reporting each by item; never throws for one item. */
  apply(gaps: ParityGap[], secret: (varName: string) => string | undefined): Promise<ParityApplyResult>;
}

export function parityProvider(deps: ActivityDeps, cluster: ClusterConfig, session: AdminSession): ParityProvider {
  if (cluster.provider === 'apsaramq') {
    // ApsaraMQ manages users, ACLs and topics through its API, not the Kafka protocol (the session is not used).
    const side = { client: deps.cloud().alikafka(cluster.region), instanceId: cluster.instanceId };
    return {
      read: (topics) => alikafka.readParity(side, topics),
      apply: (gaps, secret) => alikafka.applyParity(side, gaps, secret),
    };
  }
  return {
    read: (topics) => kafka.readParity(session, topics),
    apply: (gaps, secret) => kafka.applyParity(session, gaps, secret),
  };
}
