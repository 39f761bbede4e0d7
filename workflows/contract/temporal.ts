// Where runs are started and polled: the task queue the worker, kdr and the Temporal UI agree on, and where a
// Temporal dev server answers when nothing else is configured. The local stack (stack/) only moves ports around them.

/** Task queue of the kafka-dr worker: the worker polls it, kdr and the Temporal UI start runs on it. */
export const TASK_QUEUE = 'kafka-dr';

/** Temporal's own defaults, used when no TEMPORAL_* variable or profile says otherwise. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

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
