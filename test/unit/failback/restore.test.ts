// drFailback's restore-forward over fake clusters: forward replication restarts at each partition's first record
// no reverse copy explains (nothing written since the switch-back is skipped), copies after it are counted, a
// second run changes nothing, and a position that cannot be proven blocks with what to do.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreForward, type RestorePorts } from '../../../src/failback/restore';
import { OperatorActionError } from '../../../src/errors';
import type { PostSwitchRegion } from '../../../src/kafka/post-switch';
import { UNMEASURED_PROFILE } from '../../../src/kafka/fidelity';
import { tpKey } from '../../../src/kafka/protocol';

const REGION: PostSwitchRegion = {
  provable: true,
  complete: true,
  missing: [],
  // orders[0]: the first record no copy explains is 100, the copies end at 104 (4 recopied).
  ends: [['orders', 0, 100, 104]],
  notes: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'],
  scanned: { primary: 10, secondary: 10 },
};

function fakes(over: { reverse?: string; forward?: string; region?: PostSwitchRegion } = {}) {
  const log: string[] = [];
  let regionPre: Map<string, number> | undefined;
  let started: [string, number, number][] | undefined;
  const ports: RestorePorts = {
    canaryTopic: '__canary',
    applicationTopics: async () => ['orders'],
    reverseState: async (topics) => {
      log.push(`reverse-state ${topics.join(',')}`);
      return { id: 'p1-reverse', state: over.reverse ?? 'running' };
    },
    canaryProfile: async () => UNMEASURED_PROFILE,
    removeReverse: async () => void log.push('remove-reverse'),
    forwardState: async () => ({ state: over.forward ?? 'paused' }),
    withSides: (fn) =>
      fn({
        primaryOffsets: async () => [
          { topic: 'orders', partition: 0, earliest: 90, end: 110 },
          { topic: '__canary', partition: 0, earliest: 0, end: 7 },
        ],
        region: async (application, pre) => {
          assert.deepEqual(application, ['orders'], 'the canary is not compared');
          regionPre = pre;
          return over.region ?? REGION;
        },
        startForwardAt: async (topics, starts) => {
          log.push(`start ${topics.join(',')}`);
          started = starts;
        },
      }),
  };
  return { ports, log, pre: () => regionPre, started: () => started };
}

describe('restoreForward', () => {
  test('after a switch-back: the reverse is removed, forward restarts at the first record no copy explains', async () => {
    const f = fakes();
    const r = await restoreForward(f.ports, null);
    assert.deepEqual(f.log, ['reverse-state orders,__canary', 'remove-reverse', 'start orders,__canary']);
    assert.deepEqual(r.reverse, { id: 'p1-reverse', removed: true });
    assert.deepEqual(r.starts, [
      ['orders', 0, 100],
      ['__canary', 0, 7],
    ]);
    assert.deepEqual(f.started(), r.starts);
    assert.equal(r.recopied, 4);
    // 110 - 100 records after the start, 4 of them copies: 6 written by the applications since the switch-back.
    assert.equal(r.written, 6);
    assert.equal(r.notes.length, 5);
    // Without the ends read before the switch-back, the scan starts at the emptied offsets (the log starts).
    assert.equal(f.pre()?.get(tpKey('orders', 0)), 90);
  });

  test("the old primary's ends read before the switch-back narrow the scan", async () => {
    const f = fakes();
    await restoreForward(f.ports, [['orders', 0, 95]]);
    assert.equal(f.pre()?.get(tpKey('orders', 0)), 95);
    assert.equal(f.pre()?.get(tpKey('__canary', 0)), 0);
  });

  test('a second run (reverse gone, forward running) leaves the positions as they are', async () => {
    const f = fakes({ reverse: 'absent', forward: 'running' });
    const r = await restoreForward(f.ports, null);
    assert.deepEqual(f.log, ['reverse-state orders,__canary']);
    assert.deepEqual(r.starts, []);
    assert.deepEqual(r.reverse, { id: 'p1-reverse', removed: false });
    assert.match(r.notes[0], /already runs/);
  });

  test('reverse gone but forward not running yet (an earlier attempt stopped half-way): it is started', async () => {
    const f = fakes({ reverse: 'absent', forward: 'paused' });
    const r = await restoreForward(f.ports, null);
    assert.deepEqual(r.reverse, { id: 'p1-reverse', removed: false });
    assert.equal(f.log.at(-1), 'start orders,__canary');
  });

  test('a position that cannot be proven blocks with what to do, and nothing is started', async () => {
    const f = fakes({ region: { ...REGION, provable: false, reason: 'values changed by the replicator' } });
    await assert.rejects(
      restoreForward(f.ports, null),
      (e: unknown) =>
        e instanceof OperatorActionError &&
        e.type === 'ReplicationUnprovable' &&
        /values changed by the replicator.*Resolve retry/.test(e.message),
    );
    assert.equal(f.started(), undefined);
  });
});
