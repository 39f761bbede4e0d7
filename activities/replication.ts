// The replication ("sink connector" of the runbook) of a pair, whichever provider implements it.
import type { PairConfig } from '../src/config';
import { ANY_ACCOUNT, deadLetterTopic, EventBridgeProvider } from '../src/connectors/eventbridge';
import { KafkaConnectProvider } from '../src/connectors/kafka-connect';
import type {
  EnsureResult,
  ReplicationLag,
  ReplicationPairSpec,
  ReplicationProvider,
  ReplicationStatus,
} from '../src/connectors/types';
import type { ActivityDeps } from './deps';
import { clusterSecurity, replicationFactorOf } from './deps';
import { withBoth } from './sessions';
import { ReplicationSpecError } from '../src/connectors/types';

export function replicationSpec(
  pair: PairConfig,
  topics: string[],
  env: NodeJS.ProcessEnv = process.env,
): ReplicationPairSpec {
  const side = (c: PairConfig['primary']) => ({
    bootstrapServers: c.bootstrapServers,
    security: clusterSecurity(c),
    region: c.region,
    instanceId: c.instanceId,
  });
  return {
    pair: pair.name,
    primary: side(pair.primary),
    secondary: side(pair.secondary),
    topics,
    groups: pair.groups,
    replicationFactor: replicationFactorOf(env),
  };
}

export function providerFor(deps: ActivityDeps, pair: PairConfig): ReplicationProvider {
  // The pair schema requires connectUrl for kafka-connect and a region on apsaramq sides; checked again here
  // because a config that bypassed it (a hand-built input) must fail naming the field, not call a URL "undefined".
  if (pair.replication.provider === 'kafka-connect') {
    if (!pair.replication.connectUrl)
      throw new ReplicationSpecError(
        `pair ${pair.name}: replication.connectUrl is required for provider "kafka-connect"`,
      );
    return new KafkaConnectProvider({ url: pair.replication.connectUrl });
  }
  // The event stream lives in the secondary's region (EventBridge streams are created in the target's region).
  if (!pair.secondary.region)
    throw new ReplicationSpecError(`pair ${pair.name}: secondary.region is required for replication "eventbridge"`);
  return new EventBridgeProvider(
    deps.cloud().eventbridge(pair.secondary.region),
    deps.env[ACCOUNT_ID_ENV] || ANY_ACCOUNT,
  );
}

/** Worker variable: the Alibaba Cloud account id (UID) that goes into the dead-letter queue's ARN. */
export const ACCOUNT_ID_ENV = 'KDR_ALIBABA_CLOUD_ACCOUNT_ID';

/**
 * The pair's dead-letter topic on the secondary instance, created through the API when missing (idempotent):
 * the streams name it as their dead-letter queue, so it must exist before they push to it.
 */
async function ensureDeadLetterTopic(deps: ActivityDeps, pair: PairConfig): Promise<void> {
  const c = pair.secondary;
  if (pair.replication.provider !== 'eventbridge' || c.provider !== 'apsaramq') return;
  const topic = deadLetterTopic(pair.name);
  const alikafka = deps.cloud().alikafka(c.region);
  const existing = await alikafka.listTopics({ instanceId: c.instanceId, topic });
  if (existing.some((t) => t.Topic === topic)) return;
  await alikafka.createTopic({
    instanceId: c.instanceId,
    topic,
    remark: 'kafka-dr_dead-letter_queue',
    partitionNum: 3,
  });
}

export function replicationActivities(deps: ActivityDeps) {
  const spec = (pair: PairConfig, topics: string[]) => replicationSpec(pair, topics, deps.env);
  return {
    async ensureReplication(pair: PairConfig, topics: string[]): Promise<EnsureResult> {
      await ensureDeadLetterTopic(deps, pair);
      return providerFor(deps, pair).ensure(spec(pair, topics));
    },
    async replicationState(pair: PairConfig, topics: string[]): Promise<ReplicationStatus> {
      return providerFor(deps, pair).state(spec(pair, topics));
    },
    /** Pauses and waits (briefly) until the provider reports it: Connect applies a pause asynchronously. */
    async pauseReplication(pair: PairConfig, topics: string[]): Promise<ReplicationStatus> {
      const provider = providerFor(deps, pair);
      await provider.pause(spec(pair, topics));
      let state = await provider.state(spec(pair, topics));
      for (let i = 0; i < 40 && state.state !== 'paused' && state.state !== 'absent'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        state = await provider.state(spec(pair, topics));
      }
      return state;
    },
    async resumeReplication(pair: PairConfig, topics: string[]): Promise<ReplicationStatus> {
      const provider = providerFor(deps, pair);
      await provider.resume(spec(pair, topics));
      return provider.state(spec(pair, topics));
    },
    /** Per-partition end offsets primary vs secondary; `caughtUp` within the pair's lag threshold. */
    async replicationLag(
      pair: PairConfig,
      topics: string[],
    ): Promise<Omit<ReplicationLag, 'partitions'> & { worst: ReplicationLag['partitions'] }> {
      const lag = await withBoth(deps, pair, 'lag', (clusters) =>
        providerFor(deps, pair).lag(spec(pair, topics), clusters, pair.replication.thresholds.maxLagRecords),
      );
      // Only the worst partitions go back into history: a 1,000-partition table would bloat it for nothing.
      const worst = [...lag.partitions]
        .sort((a, b) => b.lag - a.lag)
        .slice(0, 5)
        .filter((p) => p.lag > 0);
      return { caughtUp: lag.caughtUp, totalLag: lag.totalLag, worst };
    },
  };
}
