// A kafka-dr worker in a process of its own, so a test can SIGKILL it: a crash, not a graceful shutdown.
// Usage: node --import tsx test/chaos/worker-process.ts <task queue> <workflow bundle file>; the activities'
// environment comes as JSON in KDR_TEST_WORKER_ENV. Prints "ready" once it polls.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, defaultDeps } from '../../activities';
import { dataConverter } from '../../src/data-converter';
import { local } from '../../stack/local-stack';

async function main(): Promise<void> {
  const [taskQueue, codePath] = process.argv.slice(2);
  const env = JSON.parse(process.env.KDR_TEST_WORKER_ENV ?? '{}') as NodeJS.ProcessEnv;
  // A chaos test with a Temporal server of its own (one it restarts) names it here.
  const address = process.env.KDR_TEST_TEMPORAL_ADDRESS ?? local.temporalAddress;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: local.namespace,
    taskQueue,
    workflowBundle: { codePath },
    activities: createActivities(defaultDeps(env)),
    dataConverter,
  });
  console.log('ready');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
