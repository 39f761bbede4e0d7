// drSetup "preflight": both clusters answer, ApsaraMQ instances exist and run in different regions, the
// replicated topics exist on the primary and (created when missing) on the secondary with the same partition
// counts, and the consumer groups exist on the secondary where ApsaraMQ needs them declared.
import type { Admin } from 'kafkajs';
import type { ClusterConfig, PairConfig } from '../src/config';
import { isInternalTopic, selectNames } from '../src/config';
import { CloudApiError, describeRefusedNames, namesApsaraMqRefuses, type KafkaInstance } from '../src/cloud';
import {
  describeCluster,
  ensureTopicsLike,
  topicPartitionCounts,
  TopicMissingError,
  type ClusterDescription,
} from '../src/kafka/admin';
import { replicationFactorOf, type ActivityDeps } from './deps';
import { permanent } from './failures';
import { replicatedTopics, withBoth } from './sessions';

export interface SideCheck {
  reachable: boolean;
  brokers?: number;
  clusterId?: string;
  error?: string;
  instance?: { id: string; region: string; running: boolean; status: string; name?: string };
}

export interface ClusterChecks {
  primary: SideCheck;
  secondary: SideCheck;
}

export interface SecondaryPrepared {
  topics: string[];
  createdTopics: string[];
  createdGroups: string[];
  partitions: number;
  /** The consumer groups a failover would move today, as the primary knows them (absent in runs before it was read). */
  groups?: GroupsSeen;
}

export interface GroupsSeen {
  selected: number;
  /** The first few selected names, sorted. */
  sample: string[];
  /** ApsaraMQ primary, groups given as a list: the names its instance does not declare (clients cannot use them). */
  undeclared: string[];
}

/** ServiceStatus 5 = running (the older field; ViewInstanceStatusCode 2 = running in the newer one). */
function instanceRunning(i: KafkaInstance): { running: boolean; status: string } {
  const view = (i as { ViewInstanceStatusCode?: number }).ViewInstanceStatusCode;
  if (view !== undefined) return { running: view === 2, status: `ViewInstanceStatusCode ${view}` };
  const service = (i as { ServiceStatus?: number }).ServiceStatus;
  return { running: service === 5, status: `ServiceStatus ${service}` };
}

/** The pair's groups among those the primary lists (kafka-dr's own excluded), sorted. */
function selectedGroups(pair: PairConfig, known: string[]): string[] {
  return selectNames(
    pair.groups,
    known.filter((g) => !g.startsWith('kdr-')),
  ).sort();
}

/** CreateConsumerGroup calls in flight while declaring a pair's groups on the secondary instance. */
const DECLARE_IN_FLIGHT = 8;
/** Up to this many listed groups are asked for by name (GetConsumerList ConsumerId) instead of listing the instance. */
const NAMED_LOOKUPS = 20;

export function clusterActivities(deps: ActivityDeps) {
  async function side(cluster: ClusterConfig, label: string): Promise<SideCheck> {
    const d: ClusterDescription = await describeCluster(deps.kafka(cluster, `check-${label}`), 8000);
    const check: SideCheck = {
      reachable: d.reachable,
      brokers: d.brokers?.length,
      clusterId: d.clusterId,
      error: d.error,
    };
    if (cluster.provider === 'apsaramq') {
      const instance = await deps.cloud().alikafka(cluster.region).getInstance(cluster.instanceId);
      if (!instance) {
        throw permanent(
          'InstanceNotFound',
          `${label}: ApsaraMQ instance ${cluster.instanceId} does not exist in ${cluster.region} ` +
            '(GetInstanceList): check instanceId and region in the pair config',
        );
      }
      check.instance = {
        id: instance.InstanceId,
        region: instance.RegionId,
        name: instance.Name,
        ...instanceRunning(instance),
      };
    }
    return check;
  }

  return {
    /** Reachability of both sides (never throws for an unreachable cluster: the caller decides). */
    async checkClusters(pair: PairConfig): Promise<ClusterChecks> {
      const [primary, secondary] = await Promise.all([
        side(pair.primary, 'primary'),
        side(pair.secondary, 'secondary'),
      ]);
      return { primary, secondary };
    },

    /**
     * Creates what the secondary needs before replication starts. Idempotent: a second call creates nothing.
     * The canary topic is created on the primary too when missing (it belongs to kafka-dr, not to applications).
     */
    async prepareSecondary(pair: PairConfig): Promise<SecondaryPrepared> {
      return withBoth(deps, pair, 'prepare', async ({ primary, secondary }) => {
        const canary = pair.replication.canaryTopic;
        if (!(await topicPartitionCounts(primary, [canary])).has(canary)) {
          await createTopic(pair.primary, primary.admin, canary, 3, 'kafka-dr canary topic');
        }
        const topics = await replicatedTopics(primary, pair);
        if (topics.every((t) => t === canary)) {
          // Only kafka-dr's own canary would be replicated: reporting the pair "protected" would be false.
          const seen = (await primary.admin.listTopics()).filter((t) => !isInternalTopic(t) && t !== canary).sort();
          const selection = Array.isArray(pair.replication.topics)
            ? `list ${JSON.stringify(pair.replication.topics)}`
            : `pattern "${pair.replication.topics.pattern}"`;
          throw permanent(
            'NoApplicationTopics',
            `replication.topics (${selection}) selects no application topic on the primary of pair ${pair.name}: ` +
              'create the topics, or change replication.topics in the pairs file, then retry this step. ' +
              `Topics there: ${seen.slice(0, 20).join(', ') || 'none'}${seen.length > 20 ? `, … (${seen.length})` : ''}`,
          );
        }
        // Listed once: what preflight reports and what the secondary instance must declare come from the same list.
        const known = await knownGroupsOfPrimary(pair, primary.admin);
        const groups = groupsSeen(pair, known);
        const onPrimary = await topicPartitionCounts(primary, topics);
        const missing = topics.filter((t) => !onPrimary.has(t));
        if (missing.length)
          throw new TopicMissingError(missing, `primary (pair ${pair.name}: fix replication.topics or create them)`);
        if (pair.secondary.provider === 'apsaramq') {
          // Checked before anything is created there: a name the instance refuses would fail half-way through.
          const refused = namesApsaraMqRefuses(topics, groupsToDeclare(pair, known));
          if (refused.length > 0) {
            throw permanent(
              'NamesNotAllowedOnSecondary',
              `the ApsaraMQ secondary instance ${pair.secondary.instanceId} of pair ${pair.name} cannot hold ` +
                `${refused.length} selected name(s) (topics and groups: letters, digits, _ - ., 3-64 characters): ${describeRefusedNames(refused)}. ` +
                'Nothing was created on the secondary. Fix: rename them on the primary (their applications must follow), or leave them out of ' +
                'replication.topics / groups in the pairs file, then retry this step.',
            );
          }
        }
        const createdTopics: string[] = [];
        if (pair.secondary.provider === 'apsaramq') {
          // ApsaraMQ topics are created through the API (remark, storage type), not with the Kafka protocol.
          const onSecondary = await topicPartitionCounts(secondary, topics);
          for (const t of topics.filter((x) => !onSecondary.has(x))) {
            await createTopic(
              pair.secondary,
              secondary.admin,
              t,
              onPrimary.get(t) as number,
              `kafka-dr replica of ${t}`,
            );
            createdTopics.push(t);
          }
        }
        const ensured = await ensureTopicsLike(primary, secondary, topics, {
          replicationFactor: replicationFactorOf(deps.env),
        });
        createdTopics.push(...ensured.created);
        const createdGroups = await ensureSecondaryGroups(pair, known);
        return {
          topics,
          createdTopics,
          createdGroups,
          partitions: [...onPrimary.values()].reduce((a, b) => a + b, 0),
          groups,
        };
      });
    },
  };

  async function createTopic(
    cluster: ClusterConfig,
    admin: import('kafkajs').Admin,
    topic: string,
    partitions: number,
    remark: string,
  ): Promise<void> {
    if (cluster.provider === 'apsaramq') {
      const alikafka = deps.cloud().alikafka(cluster.region);
      const existing = await alikafka.listTopics({ instanceId: cluster.instanceId, topic });
      if (!existing.some((t) => t.Topic === topic)) {
        await alikafka.createTopic({
          instanceId: cluster.instanceId,
          topic,
          remark: remark.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64),
          partitionNum: partitions,
        });
      }
      return;
    }
    await admin
      .createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] })
      .catch((e: Error) => {
        if (!/already exists/i.test(e.message)) throw e;
      });
  }

  /** A configured list is declared as given (its consumers may not have started yet); a pattern over the known groups. */
  function groupsToDeclare(pair: PairConfig, known: string[]): string[] {
    return Array.isArray(pair.groups) ? [...pair.groups] : selectedGroups(pair, known);
  }

  /** ApsaraMQ needs consumer groups declared (CreateConsumerGroup) before clients may use them. */
  async function ensureSecondaryGroups(pair: PairConfig, known: string[]): Promise<string[]> {
    if (pair.secondary.provider !== 'apsaramq') return [];
    const wanted = groupsToDeclare(pair, known);
    const alikafka = deps.cloud().alikafka(pair.secondary.region);
    const existing = new Set(
      (await declaredByName(pair.secondary.region, pair.secondary.instanceId, wanted)) ??
        (await alikafka.listConsumerGroups({ instanceId: pair.secondary.instanceId })).map((g) => g.ConsumerId),
    );
    const created: string[] = [];
    const missing = wanted.filter((g) => !existing.has(g));
    const instanceId = pair.secondary.instanceId;
    // A few calls in flight: an estate of thousands of groups declared one call at a time took minutes (the
    // client asks again on throttling, and a retried activity skips the groups declared already).
    let failure: unknown;
    const next = () => (failure === undefined ? missing.shift() : undefined);
    await Promise.all(
      Array.from({ length: Math.min(DECLARE_IN_FLIGHT, missing.length) }, async () => {
        for (let group = next(); group !== undefined; group = next()) {
          try {
            await alikafka.createConsumerGroup({ instanceId, consumerId: group, remark: 'kafka-dr' });
            created.push(group);
          } catch (err) {
            // Declared by someone else since the list was read (another run, an operator): the group is there, as wanted.
            if (!(err instanceof CloudApiError && err.code === 'BIZ_SUBSCRIPTION_EXISTED')) failure ??= err;
          }
        }
      }),
    );
    if (failure !== undefined) throw failure;
    return created.sort();
  }

  /**
   * Which of a few named groups the instance declares, each asked for by name; undefined for more names. An instance
   * may hold thousands of groups, listed in pages, and a listing that pages while groups come and go can miss some.
   */
  async function declaredByName(region: string, instanceId: string, names: string[]): Promise<string[] | undefined> {
    if (names.length > NAMED_LOOKUPS) return undefined;
    const alikafka = deps.cloud().alikafka(region);
    const found = await Promise.all(
      names.map(async (g) =>
        (await alikafka.listConsumerGroups({ instanceId, consumerId: g })).some((x) => x.ConsumerId === g) ? g : null,
      ),
    );
    return found.filter((g): g is string => g !== null);
  }

  /** Every group the primary lists: an ApsaraMQ instance's declared groups, or the groups a Kafka cluster has. */
  async function knownGroupsOfPrimary(pair: PairConfig, primary: Admin): Promise<string[]> {
    if (pair.primary.provider === 'apsaramq') {
      // None found by name: the whole list, which the refusal shows (what is declared there).
      const named = Array.isArray(pair.groups)
        ? await declaredByName(pair.primary.region, pair.primary.instanceId, pair.groups)
        : undefined;
      if (named?.length) return named;
      return (
        await deps.cloud().alikafka(pair.primary.region).listConsumerGroups({ instanceId: pair.primary.instanceId })
      ).map((g) => g.ConsumerId);
    }
    return (await primary.listGroups()).groups.map((g) => g.groupId);
  }

  /**
   * What the pair's group selection finds on the primary. Consumers that have not started yet are normal at
   * setup, so an empty selection is reported, not refused; but on ApsaraMQ, where a group must be declared
   * before any client can use it, a list of which no name is declared is a mistake in the pairs file.
   */
  function groupsSeen(pair: PairConfig, known: string[]): GroupsSeen {
    const selected = selectedGroups(pair, known);
    const declared = new Set(known);
    const undeclared =
      pair.primary.provider === 'apsaramq' && Array.isArray(pair.groups)
        ? pair.groups.filter((g) => !declared.has(g))
        : [];
    if (undeclared.length > 0 && Array.isArray(pair.groups) && undeclared.length === pair.groups.length) {
      const seen = known.filter((g) => !g.startsWith('kdr-')).sort();
      throw permanent(
        'NoConsumerGroups',
        `groups ${JSON.stringify(pair.groups)} of pair ${pair.name}: none is declared on the primary instance ` +
          `${pair.primary.instanceId}, so no consumer can be using them: fix groups in the pairs file, or declare them on the instance ` +
          `(console, or CreateConsumerGroup), then retry this step. Declared there: ${seen.slice(0, 20).join(', ') || 'none'}` +
          `${seen.length > 20 ? `, … (${seen.length})` : ''}`,
      );
    }
    return { selected: selected.length, sample: selected.slice(0, 5), undeclared };
  }
}
