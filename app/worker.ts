// The kafka-dr worker: runs every runbook of workflows/ (setup, watch, failover, failback, drill, verify and
// evacuation) and the activities that touch Kafka and the cloud (activities/) on task queue `kafka-dr`. Connection settings come from the standard TEMPORAL_* variables,
// defaulting to the local stack's dev server.
import {
  NativeConnection,
  Worker,
  WorkerOptions,
  bundleWorkflowCode,
  WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, defaultDeps } from '../activities';
import { dataConverter } from '../src/data-converter';
import { DEFAULT_NAMESPACE, devServerUiUrl, isLoopbackTemporal, TASK_QUEUE } from '../workflows/contract';
import { startMetricsFromEnv } from './metrics-server';
import { temporalTarget } from './temporal-connection';

export const workflowsPath = require.resolve('../workflows');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling takes seconds; do it once per process (the tests start several workers). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string, meta?: unknown) {
    console.warn(message, meta ?? '');
  },
  error(message: string, meta?: unknown) {
    console.error(message, meta ?? '');
  },
};

export interface KdrWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** Activities built from the worker's environment by default; tests pass their own factory's result. */
  activities?: WorkerOptions['activities'];
  identity?: string;
  /** The bundle of workflows/ made elsewhere (the tests share one per run); bundled here when absent. */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

export async function createWorker(options: KdrWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowBundle: options.workflowBundle ?? (await workflowBundle()),
    activities: options.activities ?? createActivities(),
    dataConverter,
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

/**
 * The worker as production runs it: everything from its environment (TEMPORAL_* for the connection, the pairs
 * file, the cloud AccessKey). `npm run dev` runs it through stack/dev-worker.ts with the local stack's environment.
 */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const target = temporalTarget(env);
  // Before the connection: the Temporal runtime's metrics exporter is fixed when the runtime starts.
  const metrics = await startMetricsFromEnv(env);
  if (metrics) console.log(`Prometheus metrics: ${metrics.url}`);
  const connection = await NativeConnection.connect(target.connectionOptions).catch((err: Error) => {
    const hint = isLoopbackTemporal(target.address)
      ? 'start it (npm run stack:up) or set TEMPORAL_ADDRESS'
      : 'check TEMPORAL_ADDRESS and its TLS / API key settings';
    throw Object.assign(
      new Error(`Temporal is unreachable at ${target.address}: ${err.message.split('\n')[0]}. Fix: ${hint}`),
      { name: 'TemporalUnreachable' },
    );
  });
  try {
    const worker = await createWorker({
      connection,
      namespace: target.namespace,
      activities: createActivities(defaultDeps(env)),
    });
    console.log(
      `kafka-dr worker polling task queue "${TASK_QUEUE}" on ${target.address} (namespace ${target.namespace})`,
    );
    const ui = env.KDR_TEMPORAL_UI_URL ?? devServerUiUrl(target.address);
    if (ui) console.log(`Temporal UI: ${ui.replace(/\/+$/, '')}/namespaces/${target.namespace}/workflows`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch((err: Error) => {
    // A known cause is one line that says what to fix; anything else keeps its stack.
    console.error(err.name === 'TemporalUnreachable' ? err.message : err);
    process.exit(1);
  });
}
