// Metrics per evacuation, from a real drEvacuate run (stubbed clusters, real runs on a private dev server) through the
// real activities that feed them (its notifications and its progress reads): pairs selected, switched, done,
// blocked; evacuations started and ended; the RTO so far, growing while a pair is not switched and fixed once all are.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evacuationActivities } from '../../../activities/evacuate';
import type { ActivityDeps } from '../../../activities/deps';
import { registry } from '../../../src/metrics/kdr';
import '../../../src/metrics/evacuation';
import { approveSignal, resolveSignal } from '../../../workflows/definitions';
import { evacuationQuery } from '../../../workflows/evacuate/definitions';
import { failure } from '../runbooks/stubs/activities';
import { awaitingApproval, until } from '../runbooks/stubs/run';
import { estateStubs } from './stubs';
import { child, evacuate, useEvacuationEnv, zoneEstate } from './harness';

useEvacuationEnv();

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics per evacuation', () => {
  test('selected, done, blocked; started and completed; the RTO grows until every pair switched, then stays', async () => {
    const e = zoneEstate();
    const c = e.pairs[2].name;
    const evacuation = `dr-evacuate-${e.pairs[0].name}`;
    const file = path.join(os.tmpdir(), `${evacuation}-${process.pid}-pairs.json`);
    fs.writeFileSync(file, JSON.stringify({ pairs: [] }));
    // The real notification activity (no targets in the file: it only counts), recording for the test as well.
    const real = evacuationActivities({
      env: { KDR_PAIRS_FILE: file },
      pairs: () => new Map(),
    } as unknown as ActivityDeps);
    let broken = true;
    const stubs = estateStubs(e, {
      [c]: {
        async resetGroups(_p, batch) {
          if (broken) throw failure('ResetFailed', 'secondary refuses the offsets (simulated)');
          return { done: batch.map((g) => ({ group: g.group, changes: [] })), live: [], failed: [] };
        },
      },
    });
    stubs.reportEvacuationEvents = async (events) => {
      e.events.push(...events);
      return real.reportEvacuationEvents(events);
    };
    const pairs = (state: string, text: string) =>
      value(text, `kdr_evacuation_pairs{evacuation="${evacuation}",state="${state}"}`);
    const rto = (text: string) => value(text, `kdr_evacuation_rto_seconds{evacuation="${evacuation}"}`);
    const started = () => value(registry.render(), 'kdr_evacuations_total{event="started",dry_run="false"}') ?? 0;
    const startedBefore = started();
    try {
      await evacuate(e, stubs, { select: [{ zone: 'cn-hangzhou-k' }], parallel: 1 }, async (h) => {
        const waiting = await awaitingApproval(h);
        let text = registry.render();
        assert.equal(started(), startedBefore + 1, 'the start is counted once');
        assert.equal(pairs('selected', text), 3);
        assert.equal(pairs('waiting', text), 3);
        await h.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
        await until(
          () => h.query(evacuationQuery),
          (v) => v.rows.filter((r) => r.ended?.outcome === 'completed').length === 2 && v.rows.some((r) => r.blocked),
          'the others done while c is blocked',
          60_000,
        );
        const at = Date.now();
        text = await until(
          async () => registry.render(at),
          (t) => pairs('blocked', t) === 1 && pairs('done', t) === 2,
          'the metrics to show c blocked and two done',
          10_000,
        );
        assert.equal(pairs('waiting', text), 0);
        const soFar = rto(text)!;
        assert.ok(soFar >= 0);
        assert.equal(rto(registry.render(at + 60_000)), soFar + 60, 'a blocked pair keeps the RTO clock running');
        broken = false;
        await child(c).signal(resolveSignal, { action: 'retry', by: 'bob' });
        const result = await h.result();
        assert.equal(result.outcome, 'completed');
      });
      const now = Date.now();
      const text = registry.render(now);
      assert.equal(pairs('done', text), 3);
      assert.equal(pairs('blocked', text), 0);
      assert.equal(value(text, 'kdr_evacuations_total{event="completed",dry_run="false"}'), 1);
      assert.equal(
        rto(registry.render(now + 3_600_000)),
        rto(text),
        'the RTO stops at the last switch: it does not grow after the evacuation',
      );
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
