// Tests run against the real local stack. `npm test` starts it first; a test file run on its own
// (`npx tsx --test test/x/y.test.ts`) starts it here when it is not up yet.
import { isUp, up } from '../stack';

let ready: Promise<void> | undefined;

/** The fast tier (npm run test:unit, KDR_TEST_TIER=unit) needs only the Temporal dev server. */
export function stackNeeded(): string[] | undefined {
  return process.env.KDR_TEST_TIER === 'unit' ? ['temporal'] : undefined;
}

export function ensureStack(): Promise<void> {
  ready ??= (async () => {
    if (!(await isUp(stackNeeded()))) await up(() => undefined, stackNeeded());
  })();
  return ready;
}

/** A name no other test (or earlier run) uses: topics, groups, connectors, workflow ids, task queues. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
