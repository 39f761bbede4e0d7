// drEvaluateEvacuation, fast: the real workflow and its real drDrill children on a private Temporal dev server, every
// cluster-touching activity a stub (test/unit/runbooks/stubs). An evacuation that would succeed says so and pages
// nobody; one that would not sends ONE notification naming each failing pair and why, and records the verdict; a
// selection the real run would refuse is a finding too. Nothing is changed and no member failover is started.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { drEvaluateEvacuation } from '../../../workflows/evaluate-evacuation';
import { evacuationActivities } from '../../../activities/evacuate';
import type { ActivityDeps } from '../../../activities/deps';
import { registry } from '../../../src/metrics/kdr';
import type { Stubs } from '../runbooks/stubs/activities';
import { estateStubs, type Estate } from './stubs';
import { changes, env, started, useEvacuationEnv, zoneEstate } from './harness';

useEvacuationEnv();

let runs = 0;
async function evaluate(e: Estate, stubs: Stubs, input: Record<string, unknown>) {
  const workflowId = `dr-evacuate-evaluate-${++runs}`;
  const { recordEvacuationVerdict } = evacuationActivities({ env: {} } as unknown as ActivityDeps);
  const all: Stubs = { ...stubs, listReplicatedTopics: async () => ['orders'], recordEvacuationVerdict };
  const result = await env.withWorker(all, async (taskQueue) => {
    const h = await env.client.workflow.start<typeof drEvaluateEvacuation>('drEvaluateEvacuation', {
      taskQueue,
      workflowId,
      args: [{ requestedBy: 'scheduler', ...input }],
    });
    return h.result();
  });
  return { workflowId, result };
}

const evaluations = (e: Estate) => e.events.filter((x) => x.event.runbook === 'drEvaluateEvacuation');

/** The last verdict the metrics endpoint shows for the selection. */
function gauge(name: string, selection: string): number | undefined {
  const series = `${name}{selection="${selection}"}`;
  const line = registry
    .render()
    .split('\n')
    .find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('drEvaluateEvacuation (stubbed clusters, real drills)', () => {
  test('every pair healthy: the evacuation would succeed, with its size; nobody paged; nothing changed', async () => {
    const e = zoneEstate();
    const [a, b, c, other] = e.pairs.map((p) => p.name);
    const { workflowId, result } = await evaluate(e, estateStubs(e), { select: [{ zone: 'cn-hangzhou-k' }] });
    assert.equal(result.wouldSucceed, true, JSON.stringify(result.pairs));
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.pairs.map((p) => p.pair),
      [b, c, a],
      'run order: tier 1 first',
    );
    assert.deepEqual(result.totals, { pairs: 3, failing: 0, groups: 6, partitions: 12, duplicateBound: 24 });
    for (const p of result.pairs) {
      assert.equal(p.ok, true);
      assert.equal(p.drill, `${workflowId}-${p.pair}`);
      const drill = await env.client.workflow.getHandle(p.drill!).describe();
      assert.equal(drill.type, 'drDrill', `${p.pair}: checked by its own drill`);
    }
    assert.equal(evaluations(e).length, 0, 'a passing evaluation pages nobody');
    assert.equal(gauge('kdr_evacuation_evaluation_would_succeed', 'zone cn-hangzhou-k'), 1);
    assert.equal(gauge('kdr_evacuation_evaluation_failing_pairs', 'zone cn-hangzhou-k'), 0);
    for (const p of [a, b, c]) assert.deepEqual(changes(e, p), [], `${p}: nothing changed`);
    for (const p of [a, b, c, other]) assert.equal(await started(p), false, `${p}: no failover started`);
    assert.equal(e.worlds.get(other)!.calls.length, 0, 'a pair in another zone is not drilled');
  });

  test('would not succeed: ONE notification naming each failing pair and why; the verdict records it', async () => {
    const e = zoneEstate();
    const [a, b, c] = e.pairs.map((p) => p.name);
    // b's CNAME already points at its secondary; c's replication is far behind; a is fine.
    e.blockers.push({ pair: b, failedOver: 'kafka.b -> secondary.kdr.test', running: [] });
    const stubs = estateStubs(e, {
      [c]: {
        async replicationLag() {
          return {
            caughtUp: false,
            totalLag: 5000,
            worst: [{ topic: 'orders', partition: 0, lag: 5000, primaryEnd: 5000, secondaryEnd: 0 }],
          };
        },
      },
    });
    const { result } = await evaluate(e, stubs, { select: [{ zone: 'cn-hangzhou-k' }] });
    assert.equal(result.wouldSucceed, false);
    const byPair = new Map(result.pairs.map((p) => [p.pair, p]));
    assert.equal(byPair.get(a)!.ok, true);
    assert.match(byPair.get(b)!.why.join('; '), /already failed over/);
    assert.match(byPair.get(c)!.why.join('; '), /connector-verify: secondary behind by 5000 records/);
    assert.equal(result.totals.failing, 2);
    assert.ok(
      result.problems.some((p) => p.includes('already failed over') && p.includes(b)),
      'what the real start would refuse, in its words',
    );

    const sent = evaluations(e);
    assert.equal(sent.length, 1, `one notification: ${JSON.stringify(sent)}`);
    const event = sent[0].event;
    assert.equal(event.kind, 'drill-failed');
    if (event.kind !== 'drill-failed') return;
    assert.deepEqual(event.failing, [b, c]);
    assert.ok(event.findings.some((f) => f.startsWith(`pair ${b} `) && /already failed over/.test(f)));
    assert.ok(event.findings.some((f) => f.startsWith(`pair ${c} `) && /behind by 5000/.test(f)));
    assert.ok(!event.findings.some((f) => f.startsWith(`pair ${a} `)), 'a healthy pair is not named');
    assert.ok(
      !e.events.some((x) => x.member === 'member-reported-itself'),
      'the drills do not page on their own: one message in all',
    );
    assert.match(result.notified ?? '', /sent to/);
    assert.equal(gauge('kdr_evacuation_evaluation_would_succeed', 'zone cn-hangzhou-k'), 0, 'the metrics say it too');
    assert.equal(gauge('kdr_evacuation_evaluation_failing_pairs', 'zone cn-hangzhou-k'), 2);
    for (const p of [a, b, c]) assert.deepEqual(changes(e, p), [], `${p}: nothing changed`);
  });

  test('a selection the real run would refuse is a finding: an unknown zone (no drill runs), a looser policy', async () => {
    const e = zoneEstate();
    const unknown = await evaluate(e, estateStubs(e), { select: [{ zone: 'cn-shanghai-z' }] });
    assert.equal(unknown.result.wouldSucceed, false);
    assert.match(
      unknown.result.problems.join('; '),
      /unknown zone cn-shanghai-z.*known zones: cn-hangzhou-j, cn-hangzhou-k/,
    );
    assert.deepEqual(unknown.result.pairs, []);
    assert.equal(evaluations(e).length, 1);

    e.facts[0].approval = { ...e.facts[0].approval, required: 2 };
    e.evacuationPolicy = { ...e.facts[1].approval, required: 1 };
    const looser = await evaluate(e, estateStubs(e), { select: [{ label: 'payments' }, { pairs: [e.pairs[0].name] }] });
    assert.equal(looser.result.wouldSucceed, false);
    assert.match(looser.result.problems.join('; '), /required 1 is below the pair's 2/);
    assert.equal(evaluations(e).length, 2);
  });

  test('bad input ends the run at once, naming the field', async () => {
    const e = zoneEstate();
    await assert.rejects(
      evaluate(e, estateStubs(e), { select: [{ zone: 'Not A Zone' }] }),
      (err: unknown) =>
        err instanceof WorkflowFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === 'InvalidInput' &&
        /select\[0\]\.zone/.test(err.cause.message),
    );
  });
});
