// The remote probe worker: a Temporal worker on a task queue of its own that runs ONE activity, probePrimary, from
// another network location (another zone, region or provider) than the kafka-dr worker. drWatch asks it, through
// autoFailover.probes.remote.taskQueue, whether the primary answers from there; a primary that answers one vantage
// point and not the other is a network partition, not an outage (docs/operator-guide.md §8). It runs no workflow
// and reaches only the pairs of its own pairs file (KDR_PAIRS_FILE), with their secrets from its own environment.
import { NativeConnection, Worker } from '@temporalio/worker';
import { autoProbeActivities } from '../activities/auto-probes';
import { defaultDeps } from '../activities/deps';
import { classified } from '../activities/failures';
import { loadPairsFile, pairsFilePath } from '../src/config/file';
import { dataConverter } from '../src/data-converter';
import { DEFAULT_NAMESPACE, isLoopbackTemporal, TASK_QUEUE } from '../workflows/contract';
import { startMetricsFromEnv } from './metrics-server';
import { temporalTarget } from './temporal-connection';

export class ProbeWorkerConfigError extends Error {
  override name = 'ProbeWorkerConfigError';
}

/** The one activity a probe worker registers. */
export function probeActivities(env: NodeJS.ProcessEnv) {
  const { probePrimary } = classified(autoProbeActivities(defaultDeps(env)));
  return { probePrimary };
}

/**
 * Checks before polling: a task queue that is not the kafka-dr worker's (a worker that polls it without the other
 * activities would fail them), and a pairs file that reads. Returns the pairs that name this queue.
 */
export function checkProbeWorker(taskQueue: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (!taskQueue)
    throw new ProbeWorkerConfigError(
      "the probe worker needs its task queue: --task-queue <name>, the pairs file's autoFailover.probes.remote.taskQueue",
    );
  if (taskQueue === TASK_QUEUE || taskQueue === env.KDR_TASK_QUEUE)
    throw new ProbeWorkerConfigError(
      `task queue "${taskQueue}" is the kafka-dr worker's: give the probe worker its own ` +
        '(the pairs file\'s autoFailover.probes.remote.taskQueue, e.g. "kdr-probe-b")',
    );
  const { pairs } = loadPairsFile(pairsFilePath(env));
  return [...pairs.values()].filter((p) => p.autoFailover.probes.remote?.taskQueue === taskQueue).map((p) => p.name);
}

export async function createProbeWorker(options: {
  connection: NativeConnection;
  taskQueue: string;
  env: NodeJS.ProcessEnv;
  namespace?: string;
  identity?: string;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
    taskQueue: options.taskQueue,
    activities: probeActivities(options.env),
    dataConverter,
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

/** `npm run probe-worker -- --task-queue <q>` / `kdr probe-worker --task-queue <q>`: runs until stopped. */
export async function runProbeWorker(
  taskQueue: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
): Promise<void> {
  const pairs = checkProbeWorker(taskQueue, env);
  const queue = taskQueue as string;
  const target = temporalTarget(env);
  const metrics = await startMetricsFromEnv(env);
  if (metrics) log(`Prometheus metrics: ${metrics.url}`);
  const connection = await NativeConnection.connect(target.connectionOptions).catch((err: Error) => {
    const hint = isLoopbackTemporal(target.address) ? 'set TEMPORAL_ADDRESS' : 'check TEMPORAL_ADDRESS and its TLS';
    throw new ProbeWorkerConfigError(
      `Temporal is unreachable at ${target.address}: ${err.message.split('\n')[0]}. Fix: ${hint}`,
    );
  });
  try {
    const worker = await createProbeWorker({ connection, taskQueue: queue, env, namespace: target.namespace });
    log(
      `kafka-dr probe worker polling task queue "${queue}" on ${target.address} (namespace ${target.namespace}); ` +
        (pairs.length
          ? `pairs probing from here: ${pairs.join(', ')}`
          : 'no pair of the pairs file names this queue in autoFailover.probes.remote.taskQueue yet'),
    );
    await worker.run();
  } finally {
    await connection.close();
    await metrics?.close();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.findIndex((a) => a === '--task-queue' || a.startsWith('--task-queue='));
  const queue = at < 0 ? undefined : args[at].includes('=') ? args[at].split('=')[1] : args[at + 1];
  runProbeWorker(queue).catch((err: Error) => {
    console.error(err.name === 'ProbeWorkerConfigError' || err.name === 'PairsFileError' ? err.message : err);
    process.exit(1);
  });
}
