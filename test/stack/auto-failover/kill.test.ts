// Issue 26's first "done when": the primary broker is killed under live traffic and nobody is there. The pair's
// watch sees it down for `after`, starts the ordinary drFailover itself, which waits out the veto window and completes
// with the policy as its approval. Counted from the applications' own records: the producer's acknowledged records
// that never left the primary are exactly the tail the watch measured and the run states as at risk; every other
// acknowledged record is processed by each group; what a group reads again stays within the plan's bound. The time
// from the kill until consumers may resume is printed (target after + vetoWindow + 60 s), not asserted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { failoverWorkflowId, watchWorkflowId } from '../../../workflows/contract';
import { planQuery, watchQuery } from '../../../workflows/definitions';
import { drFailover, drSetup, drWatch } from '../../../workflows';
import type { FailoverPlan } from '../../../src/plan/model';
import { readPositions } from '../../../src/kafka/positions';
import { startAutoPair, type AutoPair } from '../../../stack/harness/auto-pair';
import { execute, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { POLICY_APPROVER } from '../../../workflows/failover/auto-approval';
import { createCloudClients } from '../../../src/cloud';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { Consuming, readValues, tally, viaDomain, waitCaughtUp } from '../../../stack/harness/traffic';
import { startReceiver, type Receiver } from '../notify/receiver';
import {
  Apps,
  autoPosts,
  failoverRuns,
  postsFor,
  sleep,
  terminateFailovers,
  untilConsumersMayResume,
} from './scenario';

const AFTER_S = 10;
const VETO_S = 10;

describe('automatic failover: primary killed, nobody there', () => {
  let receiver: Receiver;
  let pair: AutoPair | undefined;
  before(async () => {
    await temporal();
    receiver = await startReceiver('unused-secret');
  });
  after(async () => {
    if (pair) await terminateFailovers((await temporal()).client, pair.name).catch(() => undefined);
    await pair?.remove().catch(() => undefined);
    await receiver?.close();
    await closeTemporal();
  });

  test('fails over after `after` + the veto window; lost = the stated tail, re-reads bounded', async () => {
    pair = await startAutoPair('af-kill', {
      drIp: '127.0.0.40',
      webhookUrl: `${receiver.url}/hook`,
      autoFailover: { enabled: true, after: `${AFTER_S}s`, vetoWindow: `${VETO_S}s`, maxAtRisk: { records: 100_000 } },
    });
    const p = pair;
    const groups = [`${p.name}-billing`, `${p.name}-ledger`];
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ pair: p.name }],
        });
        assert.equal(setup.outcome, 'completed');
        assert.equal(setup.watch?.outcome, 'started');
        const watch = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(p.name));

        const apps = await Apps.start(p, groups, 150, [groups[1]]);
        // Until the watch has stored exact positions of both groups on every partition.
        await eventually(
          () => readPositions(p.secondary, p.name),
          (r) =>
            groups.every(
              (g) => r.byGroup.get(g)?.size === 3 && [...r.byGroup.get(g)!.values()].every((x) => x.matched),
            ),
          'exact snapshots of both groups',
          120_000,
        );
        // The tail: replication stops, the producer writes two seconds more, then stops. Those records never leave
        // the primary, and the watch measures them as lag while the primary still answers.
        await p.pauseReplication();
        await sleep(2_000);
        await apps.producer.stop();
        const onSecondary = await stableValues(p);
        const tail = [...apps.producer.acked].filter((v) => !onSecondary.has(v));
        assert.ok(tail.length > 0, 'a tail stayed on the primary');
        await eventually(
          () => watch.query(watchQuery),
          (s) => s.auto?.measured?.lagRecords === tail.length && (s.last?.at ?? 0) > Date.now() - 5_000,
          `the watch to measure the tail of ${tail.length} record(s)`,
          60_000,
        );

        // The outage: the broker dies, the applications with it. Nobody signals anything from here on.
        await p.primary.kill();
        const killedAt = Date.now();
        await apps.crash();

        const started = await eventually(
          () => failoverRuns(client, p.name),
          (r) => r.length > 0,
          'the watch to start drFailover',
          (AFTER_S + 90) * 1000,
        );
        const startedAfterMs = started[0].startTime.getTime() - killedAt;
        const handle = client.workflow.getHandle<typeof drFailover>(failoverWorkflowId(p.name));
        const view = await eventually(
          () => handle.query(planQuery),
          (v) => v !== null,
          'the plan',
          120_000,
        );
        const plan = view!.plan as FailoverPlan;
        assert.equal(plan.primaryReachable, false);
        // Nobody signals: the veto window passes, the policy approves, the domain moves and the offsets are applied.
        const run = await untilConsumersMayResume(handle);
        const mayResumeAt = Date.now();
        assert.equal(await cname(p), 'secondary.kdr.test', 'the custom domain names the secondary');
        for (const step of ['freeze', 'reset-offsets', 'switch-cname', 'apply-final'])
          assert.ok(
            ['succeeded', 'skipped'].includes(run.steps.find((x) => x.name === step)?.state ?? ''),
            `${step}: ${JSON.stringify(run.steps.find((x) => x.name === step))}`,
          );
        // Approved by the policy, not by a person: no listed approver ever signalled.
        assert.ok(
          run.audit.some((a) => a.by === POLICY_APPROVER && a.accepted !== false),
          `approved by the policy: ${JSON.stringify(run.audit)}`,
        );
        assert.ok(!run.audit.some((a) => ['bob', 'carol'].includes(a.by ?? '')), 'no person took part');
        const auditText = JSON.stringify(run.audit);
        assert.ok(auditText.includes('autoFailover'), `the audit trail names the policy: ${auditText}`);
        // The run states the tail at risk: the watch's measurement, equal to what the producer counts.
        const statedTail = statedRecords(run.audit);
        assert.equal(
          statedTail,
          tail.length,
          `the run states ${statedTail} record(s) at risk, the tail is ${tail.length}`,
        );
        // One notification that the failover started (with the way to stop it), none asking a person to approve.
        const started1 = autoPosts(receiver, p.name).filter((b) => b.event === 'started');
        assert.equal(started1.length, 1, `one "started" notice: ${JSON.stringify(autoPosts(receiver, p.name))}`);
        assert.match(`${started1[0].text}`, /kdr reject/);
        assert.deepEqual(
          postsFor(receiver, p.name).filter((b) => b.kind === 'approval-needed'),
          [],
          'nobody asked to approve',
        );

        // The same groups restart through the same domain, now the secondary.
        const ends = await p.secondary.admin.fetchTopicOffsets(p.topic);
        const secondaryEnd = ends.reduce((n, e) => n + Number(e.high), 0);
        const tailSet = new Set(tail);
        const switched = run.steps.find((x) => x.name === 'switch-cname')?.endedAt;
        for (const [i, group] of groups.entries()) {
          const before = apps.consumers[i];
          const resumed = await Consuming.start(viaDomain(p.domain, `${group}-restarted`).kafka, group, p.topic, {
            fromBeginning: false,
          });
          await waitCaughtUp(p.secondary, group, p.topic);
          await resumed.stop();
          const t = tally(apps.producer.acked, [before, resumed]);
          const lostBeyondTail = t.lost.filter((v) => !tailSet.has(v));
          const redelivered = resumed.seen.filter((v) => before.processed.has(v)).length;
          const bound = plan.groups.find((g) => g.group === group)!.duplicateBound;
          console.log(
            `# ${group}: acknowledged ${apps.producer.acked.size}, tail never replicated ${tail.length} ` +
              `(stated ${statedTail}), processed ${t.processed}, lost beyond the tail ${lostBeyondTail.length}, ` +
              `re-delivered ${redelivered} (bound ${bound}); secondary end ${secondaryEnd}`,
          );
          assert.equal(lostBeyondTail.length, 0, `${group}: lost ${lostBeyondTail.slice(0, 5).join(', ')}`);
          assert.ok(redelivered <= bound, `${group}: ${redelivered} re-delivered > plan bound ${bound}`);
        }
        const s = (ms: number) => (ms / 1000).toFixed(1);
        console.log(
          `# kill → failover started ${s(startedAfterMs)} s, → CNAME on the secondary ` +
            `${switched ? s(Date.parse(switched) - killedAt) : '?'} s, → offsets applied, consumers may resume ` +
            `${s(mayResumeAt - killedAt)} s (target after ${AFTER_S} s + vetoWindow ${VETO_S} s + 60 s = ` +
            `${AFTER_S + VETO_S + 60} s)`,
        );
        await terminateFailovers(client, p.name);
      },
      { env: p.env },
    );
  });
});

/** The custom domain's CNAME target, as the DNS API has it. */
function cname(p: AutoPair): Promise<string | undefined> {
  return createCloudClients(p.env)
    .alidns()
    .listSubDomainRecords({ subDomain: p.domain, domainName: 'kdr.test' })
    .then((r) => r.find((x) => x.Type === 'CNAME')?.Value);
}

/** The secondary's copy once replication has really stopped (two reads a few seconds apart agree). */
async function stableValues(p: AutoPair): Promise<Set<string>> {
  let last = -1;
  for (;;) {
    const values = await readValues(p.secondary, p.topic);
    if (values.size === last) return values;
    last = values.size;
    await sleep(3_000);
  }
}

/** The records the run states at risk: the watch's estimate, in the policy's entry of the audit trail. */
function statedRecords(audit: readonly { action: string; note?: string }[]): number | undefined {
  const m = audit
    .filter((a) => a.action === 'policy')
    .map((a) => /at risk:? (\d+) record/.exec(a.note ?? ''))
    .find((x) => x);
  return m ? Number(m[1]) : undefined;
}
