// What the worker, `kdr`, the Temporal UI and any other client agree on: the task queue, the workflow ids of a
// pair's runs, and where a Temporal dev server answers when nothing else is configured. The product reads these;
// the local stack (stack/, stack/local-stack.ts) only moves ports around them.
export { drillWorkflowId } from './config/drill-input';
export { failbackWorkflowId, switchBackWorkflowId } from './config/failback-input';
export { watchWorkflowId } from './config/watch-input';

/** Task queue of the kafka-dr worker: the worker polls it, kdr and the Temporal UI start runs on it. */
export const TASK_QUEUE = 'kafka-dr';

/** Temporal's own defaults, used when no TEMPORAL_* variable or profile says otherwise. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

/** One run of each kind per pair at a time: the id says which pair and which runbook. */
export const setupWorkflowId = (pair: string): string => `dr-setup-${pair}`;
export const failoverWorkflowId = (pair: string): string => `dr-failover-${pair}`;
export const verifyWorkflowId = (pair: string): string => `dr-verify-${pair}`;

/** Whether `address` is a Temporal on this machine (a dev server): hints and UI links differ from production. */
export function isLoopbackTemporal(address: string): boolean {
  const host = address
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/** The Web UI of a dev server on this machine: `temporal server start-dev` serves it on the gRPC port + 1000. */
export function devServerUiUrl(address: string): string | undefined {
  const port = Number(/:(\d+)$/.exec(address)?.[1]);
  if (!isLoopbackTemporal(address) || !Number.isInteger(port)) return undefined;
  return `http://127.0.0.1:${port + 1000}`;
}
