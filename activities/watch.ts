// drWatch's one activity per interval: how healthy replication is, and a snapshot of every group's position on
// the primary, stored on the secondary. It returns a small summary only: positions go to Kafka, not to history.
// A primary that does not answer is a finding (health broken), not an error; the stored positions stay as they
// were, which is exactly what a failover needs then.
import { Context } from '@temporalio/activity';
import { selects, type PairConfig } from '../src/config';
import { describeCluster, isInternalGroup, newestRecordTimestamp, openAdmin } from '../src/kafka/admin';
import { lastCanaryProfile, runCanary } from '../src/kafka/canary';
import { supportsExactMatch } from '../src/kafka/fidelity';
import { newSnapshotCache, takeSnapshot, type SnapshotCache, type SnapshotSummary } from '../src/kafka/snapshot';
import { replicationFactorOf, type ActivityDeps } from './deps';
import { deadLetterRecords, type DeadLetterCount } from './dead-letter';
import { checkPairParity } from './parity';
import type { ParityReport } from '../src/parity/report';
import { providerFor, replicationSpec } from './replication';
import { replicatedTopics, withAdmin } from './sessions';

export type Health = 'healthy' | 'degraded' | 'broken';

export interface WatchTickOptions {
  /** Run a canary round trip this time (the workflow decides when one is due). */
  canary: boolean;
}

export interface WatchTick {
  at: number;
  health: Health;
  /** Why it is not healthy (at most 5 lines); empty when healthy. */
  reasons: string[];
  primaryReachable: boolean;
  connector: { state: string; cause?: string };
  lag: { total: number; caughtUp: boolean; worst?: string } | null;
  /** Newest record on the secondary's copies of the application topics (epoch ms). */
  newestReplicatedAt: number | null;
  /** RPO estimate: how much newer the primary's newest record is than the secondary's (0 when nothing lags). */
  rpoMs: number | null;
  canary?: { produced: number; received: number; latencyMaxMs: number | null };
  snapshot?: SnapshotSummary | { error: string };
  /** EventBridge pairs: records in the pair's dead-letter topic on the secondary (records the streams could not write). */
  deadLetter?: DeadLetterCount;
  /** Parity drift (activities/parity.ts): what the secondary lacks for the primary's clients; absent while the primary is down. */
  parity?: { checked: boolean; total: number; summary: string };
  /** The replicator allows exact translation (src/kafka/fidelity.ts). */
  exact: boolean;
  elapsedMs: number;
}

const DECLARED_GROUPS_EVERY_MS = 60_000;

export function watchActivities(deps: ActivityDeps) {
  // Per pair, in this worker's memory: what was already written and matched (src/kafka/snapshot.ts).
  const caches = new Map<string, SnapshotCache>();
  const declared = new Map<string, { at: number; groups: string[] }>();
  const parities = new Map<string, { at: number; report: ParityReport }>();

  /** The last comparison while younger than `watch.parityEvery`; one that could not be read is asked again next check. */
  async function parityOf(pair: PairConfig): Promise<ParityReport> {
    const known = parities.get(pair.name);
    // A pair resolved before the field existed (a recorded history) carries none: every check, as then.
    const every = pair.watch.parityEvery ?? 0;
    if (known && Date.now() - known.at < every) return known.report;
    const report = await checkPairParity(deps, pair, 'forward');
    if (report.checked) parities.set(pair.name, { at: Date.now(), report });
    else parities.delete(pair.name);
    return report;
  }

  /** ApsaraMQ keeps a list of the instance's consumer groups: groups there are snapshotted even before they commit here. */
  async function declaredGroups(pair: PairConfig): Promise<string[]> {
    const c = pair.primary;
    if (c.provider !== 'apsaramq') return [];
    const known = declared.get(pair.name);
    if (known && Date.now() - known.at < DECLARED_GROUPS_EVERY_MS) return known.groups;
    const groups = (await deps.cloud().alikafka(c.region).listConsumerGroups({ instanceId: c.instanceId })).map(
      (g) => g.ConsumerId,
    );
    declared.set(pair.name, { at: Date.now(), groups });
    return groups;
  }

  return {
    /**
     * Custom search attributes (of `names`) the Temporal server does not know: upserting one would fail every
     * workflow task of the watch. Empty when the server cannot be asked (no operator access): assumed registered.
     */
    async searchAttributesMissing(names: string[]): Promise<string[]> {
      const ctx = Context.current();
      type Operator = {
        listSearchAttributes(req: {
          namespace: string;
        }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
      };
      const operator = (ctx.client.connection as unknown as { operatorService?: Operator }).operatorService;
      if (!operator) return [];
      try {
        const known = await operator.listSearchAttributes({ namespace: ctx.info.namespace });
        return names.filter((n) => !(n in (known.customAttributes ?? {})));
      } catch {
        return [];
      }
    },

    async watchTick(pair: PairConfig, options: WatchTickOptions): Promise<WatchTick> {
      const started = Date.now();
      const t = pair.replication.thresholds;
      const broken: string[] = [];
      const degraded: string[] = [];
      const check = await describeCluster(deps.kafka(pair.primary, 'watch-primary'), 5_000);
      return withAdmin(deps, pair.secondary, 'watch-secondary', async (secondary) => {
        const primary = check.reachable
          ? await openAdmin(deps.kafka(pair.primary, 'watch-primary')).catch(() => null)
          : null;
        try {
          if (!primary)
            broken.push(
              `primary ${pair.primary.bootstrapServers.join(',')} does not answer: ${check.error ?? 'no connection'}`,
            );
          const topics = await replicatedTopics(primary ?? secondary, pair);
          const appTopics = topics.filter((x) => x !== pair.replication.canaryTopic);
          // A pattern that stopped matching (topics deleted or renamed) protects nothing any more.
          if (appTopics.length === 0) {
            degraded.push(
              `replication.topics (${Array.isArray(pair.replication.topics) ? pair.replication.topics.join(', ') : `pattern "${pair.replication.topics.pattern}"`}) ` +
                `selects no application topic on the ${primary ? 'primary' : 'secondary'}: nothing is protected`,
            );
          }

          let connector: WatchTick['connector'];
          try {
            const s = await providerFor(deps, pair).state(replicationSpec(pair, topics, deps.env));
            connector = { state: s.state, ...(s.cause ? { cause: s.cause } : {}) };
          } catch (err) {
            connector = { state: 'unknown', cause: (err as Error).message };
          }
          if (connector.state === 'failed' || connector.state === 'absent')
            broken.push(`replication ${connector.state}${connector.cause ? `: ${connector.cause}` : ''}`);
          else if (connector.state !== 'running')
            degraded.push(`replication ${connector.state}${connector.cause ? `: ${connector.cause}` : ''}`);

          // Each record there is one the secondary does not have: never healthy while any is left.
          const deadLetter = await deadLetterRecords(pair, secondary).catch(() => undefined);
          if (deadLetter && deadLetter.records > 0) {
            degraded.push(
              `${deadLetter.records} record(s) in the dead-letter topic ${deadLetter.topic} on the secondary: the replicator could not write them to their topics`,
            );
          }

          // A user, ACL or topic config added on the primary and not on the secondary: its clients refused after a failover.
          const parity = primary ? await parityOf(pair) : undefined;
          if (parity?.checked && parity.total > 0) degraded.push(`parity: ${parity.summary}`);

          let lag: WatchTick['lag'] = null;
          let rpoMs: number | null = null;
          const newestReplicatedAt = await newestRecordTimestamp(secondary, appTopics).catch(() => null);
          if (primary) {
            try {
              const l = await providerFor(deps, pair).lag(
                replicationSpec(pair, appTopics, deps.env),
                { primary, secondary },
                t.maxLagRecords,
              );
              const worst = [...l.partitions].sort((a, b) => b.lag - a.lag)[0];
              lag = {
                total: l.totalLag,
                caughtUp: l.caughtUp,
                ...(worst && worst.lag > 0 ? { worst: `${worst.topic}[${worst.partition}] ${worst.lag}` } : {}),
              };
              if (!l.caughtUp)
                degraded.push(`secondary behind by ${l.totalLag} records (maxLagRecords ${t.maxLagRecords})`);
              const newestPrimary = await newestRecordTimestamp(primary, appTopics);
              rpoMs =
                l.totalLag === 0 || newestPrimary === null ? 0 : Math.max(0, newestPrimary - (newestReplicatedAt ?? 0));
              if (rpoMs > t.maxLatencyMs)
                degraded.push(`RPO estimate ${rpoMs} ms above maxLatencyMs ${t.maxLatencyMs}`);
            } catch (err) {
              degraded.push(`lag not measured: ${(err as Error).message}`);
            }
          }

          let canary: WatchTick['canary'];
          if (primary && options.canary) {
            const runId = `watch-${pair.name}-${Context.current().info.workflowExecution?.runId ?? 'run'}-${started}`;
            const c = await runCanary(primary.kafka, secondary, {
              runId,
              topic: pair.replication.canaryTopic,
              count: t.canaryRecords,
              timeoutMs: Math.min(t.canaryTimeoutMs, 20_000),
            }).catch((err: Error) => {
              degraded.push(`canary failed: ${err.message}`);
              return undefined;
            });
            if (c) {
              canary = { produced: c.produced, received: c.received, latencyMaxMs: c.latencyMs?.max ?? null };
              if (c.received === 0)
                broken.push(
                  `no canary record of ${c.produced} reached the secondary within ${Math.min(t.canaryTimeoutMs, 20_000)} ms`,
                );
              else if (c.received < c.produced)
                degraded.push(`${c.produced - c.received}/${c.produced} canary records missing`);
              else if (c.latencyMs && c.latencyMs.max > t.maxLatencyMs)
                degraded.push(`canary latency ${c.latencyMs.max} ms above maxLatencyMs ${t.maxLatencyMs}`);
            }
          }

          const profile = await lastCanaryProfile(secondary, pair.replication.canaryTopic).catch(() => undefined);
          const exact = profile !== undefined && supportsExactMatch(profile);
          let snapshot: WatchTick['snapshot'];
          if (primary) {
            let cache = caches.get(pair.name);
            if (!cache) {
              cache = newSnapshotCache();
              caches.set(pair.name, cache);
            }
            try {
              const extraGroups = await declaredGroups(pair).catch(() => []);
              snapshot = await takeSnapshot({
                pair: pair.name,
                primary,
                secondary,
                topics: appTopics,
                extraGroups,
                exact,
                cache,
                accept: (g) => !isInternalGroup(g) && selects(pair.groups, g),
                replicationFactor: replicationFactorOf(deps.env),
              });
            } catch (err) {
              snapshot = { error: (err as Error).message };
              degraded.push(`position snapshot failed: ${(err as Error).message}`);
            }
          }
          const reasons = [...broken, ...degraded]
            .slice(0, 5)
            .map((r) => (r.length > 300 ? `${r.slice(0, 297)}...` : r));
          return {
            at: started,
            health: broken.length ? 'broken' : degraded.length ? 'degraded' : 'healthy',
            reasons,
            primaryReachable: primary !== null,
            connector,
            lag,
            newestReplicatedAt,
            rpoMs,
            ...(canary ? { canary } : {}),
            ...(snapshot ? { snapshot } : {}),
            ...(deadLetter ? { deadLetter } : {}),
            ...(parity ? { parity: { checked: parity.checked, total: parity.total, summary: parity.summary } } : {}),
            exact,
            elapsedMs: Date.now() - started,
          };
        } finally {
          await primary?.close();
        }
      });
    },
  };
}
