// drFailover's reset of one batch, resumable and honest: groups an earlier attempt finished are not reset again,
// a broker away makes the attempt fail (so the activity retries the rest), answers about a group are the result.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ResetCancelled, resetBatch, type ResetPorts } from '../../../src/failover/reset';
import { GroupHasLiveMembersError, OffsetReadBackError } from '../../../src/kafka/admin';
import type { GroupReset, GroupTarget } from '../../../src/plan/model';

const target = (group: string, offset: number): GroupTarget => ({
  group,
  duplicateBound: 0,
  liveMembers: 0,
  offsets: [['orders', 0, offset, 'checkpoint']],
  untranslated: [],
});
const BATCH = [target('g1', 10), target('g2', 20), target('g3', 30)];

function ports(
  outcome: (group: string) => 'done' | Error,
  over: Partial<ResetPorts> = {},
): { ports: ResetPorts; asked: string[][]; beats: GroupReset[][] } {
  const asked: string[][] = [];
  const beats: GroupReset[][] = [];
  let clock = 0;
  return {
    asked,
    beats,
    ports: {
      previous: [],
      reset: async (plans, o) => {
        asked.push(plans.map((p) => p.group));
        const live: GroupHasLiveMembersError[] = [];
        const failed: { group: string; error: Error }[] = [];
        for (const p of plans) {
          const r = outcome(p.group);
          if (r === 'done') o.onReset({ group: p.group, changes: [['orders', 0, -1, p.offsets[0].offset]] });
          else if (r instanceof GroupHasLiveMembersError) live.push(r);
          else failed.push({ group: p.group, error: r });
        }
        return { live, failed };
      },
      stopped: () => false,
      heartbeat: (done) => beats.push([...done]),
      now: () => (clock += 100),
      ...over,
    },
  };
}

describe('resetBatch', () => {
  test('every group reset is reported with its old and new offsets, and heartbeated', async () => {
    const { ports: p, beats } = ports(() => 'done');
    const r = await resetBatch(BATCH, p);
    assert.deepEqual(
      r.done.map((d) => [d.group, d.changes]),
      [
        ['g1', [['orders', 0, -1, 10]]],
        ['g2', [['orders', 0, -1, 20]]],
        ['g3', [['orders', 0, -1, 30]]],
      ],
    );
    assert.deepEqual(r.live, []);
    assert.deepEqual(r.failed, []);
    assert.equal(beats.at(-1)?.length, 3, 'the last heartbeat holds every group done');
  });

  test('a retried attempt resets only the groups the earlier one had not reported', async () => {
    const previous: GroupReset[] = [
      { group: 'g2', changes: [['orders', 0, 5, 20]] },
      { group: 'other', changes: [] },
    ];
    const { ports: p, asked } = ports(() => 'done', { previous });
    const r = await resetBatch(BATCH, p);
    assert.deepEqual(asked, [['g1', 'g3']]);
    assert.deepEqual(r.done.map((d) => d.group).sort(), ['g1', 'g2', 'g3'], 'a group of another batch is not reported');
  });

  test('live groups and read-backs that differ are the result, for the operator', async () => {
    const { ports: p } = ports((g) =>
      g === 'g1'
        ? new GroupHasLiveMembersError('g1', 'Stable', 2)
        : g === 'g2'
          ? new OffsetReadBackError('group g2: read back differs')
          : 'done',
    );
    const r = await resetBatch(BATCH, p);
    assert.deepEqual(r.live, [{ group: 'g1', members: 2, state: 'Stable' }]);
    assert.deepEqual(r.failed, [{ group: 'g2', error: 'group g2: read back differs' }]);
    assert.deepEqual(
      r.done.map((d) => d.group),
      ['g3'],
    );
  });

  test('a broker away under the reset fails the attempt, so the retry resets the rest', async () => {
    const lost = Object.assign(new Error('Connection error: read ECONNRESET'), { name: 'KafkaJSConnectionError' });
    const { ports: p, beats } = ports((g) => (g === 'g3' ? lost : 'done'));
    await assert.rejects(resetBatch(BATCH, p), /1 group\(s\) hit a transient broker error \(g3: .*2\/3 groups done/);
    assert.equal(beats.at(-1)?.length, 2, 'what was done is heartbeated before the attempt fails');
  });

  test('a cancelled attempt is not a result', async () => {
    const { ports: p } = ports(() => 'done', { stopped: () => true });
    await assert.rejects(resetBatch(BATCH, p), (e: unknown) => e instanceof ResetCancelled);
  });
});
