// One drWatch check (the watchTick activity) against the real local clusters: a pair whose topic pattern no longer
// selects any application topic is reported degraded, with the pattern named — a watch must not call an
// unprotected pair healthy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, defaultDeps } from '../../../activities';
import type { WatchTick } from '../../../activities/watch';
import { PairConfigSchema } from '../../../src/config';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { kafkaPair, testEnv, uniqueName } from '../../../stack/harness/kdr';

describe('watchTick', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const name = uniqueName('wt');
  before(async () => {
    kafka = await openBoth();
    for (const s of [kafka.primary, kafka.secondary]) await createTopic(s, `${name}-canary`, 1);
  });
  after(async () => {
    for (const s of [kafka.primary, kafka.secondary]) await deleteTopics(s, [`${name}-canary`]).catch(() => undefined);
    await kafka.close();
  });

  test('a topic pattern that selects no application topic is degraded, naming the pattern', async () => {
    const base = kafkaPair(name, [`${name}-orders`]);
    const pair = PairConfigSchema.parse({
      ...base,
      replication: { ...base.replication, topics: { pattern: `${name}-gone-.*` } },
    });
    const acts = createActivities(defaultDeps(testEnv()));
    const tick: WatchTick = await new MockActivityEnvironment().run(acts.watchTick, pair, { canary: false });
    assert.notEqual(tick.health, 'healthy');
    assert.ok(
      tick.reasons.some((r) => r.includes(`pattern "${name}-gone-.*"`) && r.includes('nothing is protected')),
      tick.reasons.join(' | '),
    );
  });
});
