// The kafka-dr worker: runs drSetup / drFailover (workflows/) and the activities that touch Kafka and the cloud
// (activities/) on task queue `kafka-dr`. Connection settings come from the standard TEMPORAL_* variables,
// defaulting to the local stack's dev server.
import { NativeConnection, Worker, WorkerOptions, bundleWorkflowCode, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, defaultDeps } from '../activities';
import { dataConverter } from './data-converter';
import { isLocalTemporal, local, localStackEnv, TASK_QUEUE } from './local-stack';
import { startMetricsFromEnv } from './metrics/server';
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
}

export async function createWorker(options: KdrWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? local.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: options.activities ?? createActivities(),
    dataConverter,
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

/**
 * `--local` (npm run dev, the demo) points the activities at the local stack: the Alibaba Cloud emulator, the
 * example pairs file. Without it the worker takes everything from its environment, as in production.
 */
async function main(argv: string[]): Promise<void> {
  const target = temporalTarget();
  // The local UI's address lets notifications link to the run (production sets KDR_TEMPORAL_UI_URL itself).
  const env = argv.includes('--local') ? { KDR_TEMPORAL_UI_URL: local.temporalUiUrl, ...localStackEnv() } : process.env;
  // Before the connection: the Temporal runtime's metrics exporter is fixed when the runtime starts.
  const metrics = await startMetricsFromEnv(env);
  if (metrics) console.log(`Prometheus metrics: ${metrics.url}`);
  const connection = await NativeConnection.connect(target.connectionOptions);
  try {
    const worker = await createWorker({ connection, namespace: target.namespace, activities: createActivities(defaultDeps(env)) });
    console.log(`kafka-dr worker polling task queue "${TASK_QUEUE}" on ${target.address} (namespace ${target.namespace})`);
    if (isLocalTemporal(target.address)) console.log(`Temporal UI: ${local.temporalUiUrl}/namespaces/${target.namespace}/workflows`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
