// The automatic failover's probes as workflows call them: the watch (each check) and drFailover (each interval of
// the veto window). A probe that fails, times out or whose remote worker is absent reads "unknown", never "down":
// only a probe that reached the network and found no primary may count towards a failover.
import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { AutoFailoverConfig, PairConfig } from '../src/config';
import type { AutoProbe } from '../src/config/auto-failover';
import type { ProbeReading } from '../src/auto-failover/decide';
import type { KdrActivities } from '../activities';
import { describeFailure } from './runner';

type Probes = Pick<KdrActivities, 'probePrimary' | 'probeCloud'>;

/** The probe's own deadline (a few seconds) and a margin: one attempt, the next check is the retry. */
const PROBE_TIMEOUT_MS = 20_000;

const local = proxyActivities<Probes>({ startToCloseTimeout: PROBE_TIMEOUT_MS, retry: { maximumAttempts: 1 } });

function unknown(probe: AutoProbe, at: number, err: unknown): ProbeReading {
  // A cancelled watch or run ends; it does not read as a probe that could not tell.
  if (isCancellation(err)) throw err;
  return { probe, verdict: 'unknown', at, error: describeFailure(err).slice(0, 300) };
}

/** The remote probe worker's queue: no worker polling it within about one interval = unknown. */
function remoteProbe(taskQueue: string, intervalMs: number): Probes['probePrimary'] {
  return proxyActivities<Probes>({
    taskQueue,
    scheduleToStartTimeout: Math.max(5_000, intervalMs),
    startToCloseTimeout: PROBE_TIMEOUT_MS,
    retry: { maximumAttempts: 1 },
  }).probePrimary;
}

/**
 * Every enabled probe but the worker's Kafka probe (the watch reads that from its own check): cloud and remote,
 * side by side. `kafka: true` adds the worker's Kafka probe (drFailover's veto window has no watch check).
 */
export async function probeReadings(
  pair: PairConfig,
  policy: AutoFailoverConfig,
  o: { kafka: boolean; now: () => number },
): Promise<ProbeReading[]> {
  const calls: Promise<ProbeReading>[] = [];
  if (o.kafka) calls.push(local.probePrimary(pair).then(clip, (err) => unknown('kafka', o.now(), err)));
  if (policy.probes.cloud) calls.push(local.probeCloud(pair).then(clip, (err) => unknown('cloud', o.now(), err)));
  const remote = policy.probes.remote;
  if (remote)
    calls.push(
      remoteProbe(remote.taskQueue, pair.watch.interval)(pair, { via: 'remote' }).then(
        (r) => clip({ ...r, probe: 'remote' }),
        (err) => unknown('remote', o.now(), err),
      ),
    );
  return Promise.all(calls);
}

/** Readings go into the watch's state and drFailover's audit: errors are clipped to what their schema holds. */
function clip(r: ProbeReading): ProbeReading {
  const { error, ...rest } = r;
  return error ? { ...rest, error: error.slice(0, 300) } : rest;
}
