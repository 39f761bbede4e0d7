// The automatic failover's probes of the primary (docs/operator-guide.md §8): the worker's own Kafka probe, the same
// probe from a remote probe worker on its own task queue (app/probe-worker.ts), and the cloud API's instance status.
// Each answers a reading, never an error, for a primary that does not answer: only bad config throws. A probe that
// cannot tell says "unknown", which never counts as "down".
import { randomUUID } from 'node:crypto';
import type { ProbeReading } from '../src/auto-failover/decide';
import type { ClusterConfig, PairConfig } from '../src/config';
import { instanceService } from '../src/cloud/instance-status';
import { createKafka } from '../src/kafka/clients';
import { PROBE_DEADLINE_MS, probeCluster } from '../src/kafka/probe';
import { observeProbe } from '../src/metrics/auto-probes';
import { clusterSecurity, type ActivityDeps } from './deps';
import { permanent } from './failures';

export interface ProbeOptions {
  /** 'worker' (default): this worker's vantage point, reading `kafka`; 'remote': a probe worker's, reading `remote`. */
  via?: 'worker' | 'remote';
}

/** Per connection and per request: the probe answers within PROBE_DEADLINE_MS whatever the network does. */
const CONNECT_MS = 3_000;
const REQUEST_MS = 4_000;

/** Start-to-close timeout a caller gives these activities: the probe's own deadline and a margin. */
export const PROBE_ACTIVITY_TIMEOUT_MS = PROBE_DEADLINE_MS + 7_000;

/**
 * Where the remote vantage point reaches the primary: `probes.remote.bootstrapServers` (with its security, else the
 * primary's) when given, else the primary's own servers.
 */
export function remoteTarget(pair: PairConfig): Pick<ClusterConfig, 'bootstrapServers' | 'security'> {
  const remote = pair.autoFailover?.probes.remote;
  if (!remote?.bootstrapServers) return pair.primary;
  return { bootstrapServers: remote.bootstrapServers, security: remote.security ?? pair.primary.security };
}

export function autoProbeActivities(deps: ActivityDeps) {
  /**
   * A probe worker reaches the primary only as its own pairs file says: the pair in the input names which one, so a
   * workflow cannot point this worker's credentials at a host of its choosing.
   */
  function ownPair(name: string): PairConfig {
    let pairs: Map<string, PairConfig>;
    try {
      pairs = deps.pairs();
    } catch (err) {
      throw permanent(
        'PairsFile',
        `the probe worker has no readable pairs file (${(err as Error).message.split('\n')[0]}): ` +
          'give it the same pairs file as the kafka-dr worker (KDR_PAIRS_FILE)',
      );
    }
    const own = pairs.get(name);
    if (!own)
      throw permanent(
        'UnknownPair',
        `pair ${name} is not in the probe worker's pairs file: give it the same pairs file as the kafka-dr worker`,
      );
    return own;
  }

  return {
    /**
     * Metadata, then one record produced to the pair's canary topic and fetched back, through the primary's
     * endpoints: `up` when all of it answered, `down` with the error when the primary did not, `unknown` when it
     * answered but the probe could not finish (the canary topic missing).
     */
    async probePrimary(pair: PairConfig, opts: ProbeOptions = {}): Promise<ProbeReading> {
      const via = opts.via ?? 'worker';
      const config = via === 'remote' ? ownPair(pair.name) : pair;
      const target = via === 'remote' ? remoteTarget(config) : config.primary;
      // Bad config (a missing SASL variable, an unreadable CA file) throws here: only a person can fix it.
      const kafka = createKafka(
        { bootstrapServers: target.bootstrapServers, security: clusterSecurity(target as ClusterConfig) },
        {
          clientId: `kafka-dr-probe-${via}`,
          connectionTimeoutMs: CONNECT_MS,
          requestTimeoutMs: REQUEST_MS,
          retries: 0,
        },
      );
      const probe = via === 'remote' ? ('remote' as const) : ('kafka' as const);
      const result = await probeCluster(kafka, {
        topic: config.replication.canaryTopic,
        vantage: `${probe}:${deps.env.HOSTNAME ?? 'worker'}`,
        nonce: randomUUID(),
      });
      const reading: ProbeReading =
        result.answered === true
          ? { probe, verdict: 'up', at: Date.now() }
          : { probe, verdict: result.answered === false ? 'down' : 'unknown', at: Date.now(), error: result.error };
      observeProbe(pair.name, reading);
      return reading;
    },

    /**
     * The primary instance's status as the ApsaraMQ API reports it (GetInstanceList): in service = `up`, any other
     * status or an instance no longer listed = `down`, no answer or an error = `unknown` (the API's region may be
     * down with the instance, or the API alone may be).
     */
    async probeCloud(pair: PairConfig): Promise<ProbeReading> {
      const primary = pair.primary;
      if (primary.provider !== 'apsaramq')
        throw permanent(
          'InvalidInput',
          `pair ${pair.name}: autoFailover.probes.cloud is only for an ApsaraMQ primary (its provider is ` +
            `${primary.provider}): set it false in the pairs file`,
        );
      // Missing credentials throw here (CloudConfig): only a person can fix it.
      const client = deps.cloud().alikafka(primary.region);
      let timer: NodeJS.Timeout | undefined;
      const reading = await Promise.race([
        client.getInstance(primary.instanceId).then(
          (instance): ProbeReading => {
            if (!instance)
              return {
                probe: 'cloud',
                verdict: 'down',
                at: Date.now(),
                error: `GetInstanceList no longer lists ${primary.instanceId} in ${primary.region} (released?)`,
              };
            const { serving, status } = instanceService(instance);
            return serving
              ? { probe: 'cloud', verdict: 'up', at: Date.now() }
              : { probe: 'cloud', verdict: 'down', at: Date.now(), error: `instance not in service: ${status}` };
          },
          (err: Error): ProbeReading => ({
            probe: 'cloud',
            verdict: 'unknown',
            at: Date.now(),
            error: `GetInstanceList: ${err.message.split('\n')[0]}`.slice(0, 300),
          }),
        ),
        new Promise<ProbeReading>((resolve) => {
          timer = setTimeout(
            () =>
              resolve({
                probe: 'cloud',
                verdict: 'unknown',
                at: Date.now(),
                error: `GetInstanceList: no answer within ${PROBE_DEADLINE_MS} ms`,
              }),
            PROBE_DEADLINE_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      observeProbe(pair.name, reading);
      return reading;
    },
  };
}
