// Shared helpers for tests against the real Temporal dev server of the local stack: one client per process,
// one workflow bundle per workflows file, a worker on its own task queue per test.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { dataConverter } from '../../src/data-converter';
import { local } from '../local-stack';
import { ensureStack, uniqueName } from './stack';

export { uniqueName };

let connections: Promise<{ client: Client; connection: Connection; native: NativeConnection }> | undefined;
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** The client and worker connections to the local dev server (started with the stack when it is not up). */
export function temporal(): Promise<{ client: Client; native: NativeConnection }> {
  connections ??= (async () => {
    await ensureStack();
    try {
      // Keep test output readable: the tests provoke activity and workflow failures on purpose.
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // already installed by another helper in this process
    }
    const connection = await Connection.connect({ address: local.temporalAddress });
    const native = await NativeConnection.connect({ address: local.temporalAddress });
    return { client: new Client({ connection, namespace: local.namespace, dataConverter }), connection, native };
  })();
  return connections;
}

/** Where `npm test` leaves the bundles it made before the test files start (KDR_TEST_BUNDLE_DIR). */
function prebuiltBundleFile(dir: string, workflowsPath: string): string {
  return path.join(dir, `${createHash('sha256').update(workflowsPath).digest('hex').slice(0, 16)}.js`);
}

/**
 * Bundles a workflows file once per process (webpack takes seconds of CPU), reused by every worker. Under
 * `npm test` the runner bundled the usual files once for the whole run; each test process reads that copy.
 */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    const dir = process.env.KDR_TEST_BUNDLE_DIR;
    const prebuilt = dir ? prebuiltBundleFile(dir, workflowsPath) : undefined;
    bundle =
      prebuilt && fs.existsSync(prebuilt)
        ? fs.promises.readFile(prebuilt, 'utf8').then((code) => ({ code, sourceMap: '' }))
        : bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

/** Bundles each workflows file into `dir` for the test processes of one run (see workflowBundle). */
export async function prebuildBundles(dir: string, workflowsPaths: string[]): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const workflowsPath of workflowsPaths) {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    fs.writeFileSync(prebuiltBundleFile(dir, workflowsPath), code);
  }
}

export interface WorkerRun {
  client: Client;
  taskQueue: string;
}

/** Runs `fn` while a worker polls a fresh task queue with the given workflows and activities. */
export async function withWorker<T>(
  options: { workflowsPath: string; activities: object; taskQueue?: string },
  fn: (run: WorkerRun) => Promise<T>,
): Promise<T> {
  const { client, native } = await temporal();
  const taskQueue = options.taskQueue ?? uniqueName('test-tq');
  const worker = await Worker.create({
    connection: native,
    namespace: local.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(options.workflowsPath),
    activities: options.activities,
    dataConverter,
  });
  return worker.runUntil(fn({ client, taskQueue }));
}

/**
 * Polls `read` until `done` holds: runs are asynchronous, so tests wait for the state they assert on.
 * The bound only keeps a broken run from hanging the suite; no assertion depends on how long it took.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  boundMs = 30_000,
): Promise<T> {
  const until = Date.now() + boundMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the Temporal UI shows on the "User Metadata" tab: the workflow's current details (Markdown). */
export async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

/** Closes the connections so node's test runner can exit. */
export async function closeTemporal(): Promise<void> {
  if (!connections) return;
  const { connection, native } = await connections;
  connections = undefined;
  await connection.close();
  await native.close();
}
