// Issue 29, "Bounded by construction", against the real Temporal dev server: a run receives the signals that
// used to fail its workflow task on every attempt (50,000 levels deep; a gzip bomb) and an input of 200,000
// group names, and stays usable: the signals are refused and audited, status still answers, a good approval
// still completes the run, the bad inputs fail at once as InvalidInput (the workflow id is free again), and the
// history has no failed workflow task and replays.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { approvalActivities } from '../../../activities/approvals';
import { dataConverter, GZIP_ENCODING } from '../../../src/data-converter';
import { local } from '../../../stack/local-stack';
import { drFailover } from '../../../workflows';
import {
  approveSignal,
  planQuery,
  rejectSignal,
  resolveSignal,
  resolveUpdate,
  statusQuery,
} from '../../../workflows/definitions';
import { failoverWorkflowId } from '../../../workflows/contract';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { approvalFixture } from '../../helpers/fixtures/workflows';
import { withKdrWorker } from '../../../stack/harness/kdr';
import {
  closeTemporal,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const DEEP = '__deep__';
const BOMB = '__bomb__';
const LEVELS = 50_000;

/**
 * What an attacker's client sends: the argument "__deep__" becomes 98 KB of JSON nested 50,000 levels (no JSON
 * library can even build it recursively), "__bomb__" a gzip payload of ~30 KB that inflates to 32 MiB.
 */
const hostileCodec: PayloadCodec = {
  async encode(payloads: Payload[]) {
    return payloads.map((p) => {
      const text = p.data ? Buffer.from(p.data).toString() : '';
      if (text === JSON.stringify(DEEP))
        return { ...p, data: Buffer.from(`${'['.repeat(LEVELS)}"x"${']'.repeat(LEVELS)}`) };
      if (text === JSON.stringify(BOMB)) {
        const inner = proto.api.common.v1.Payload.encode({
          metadata: p.metadata,
          data: Buffer.alloc(32 * 1024 * 1024, 0x20),
        }).finish();
        return { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: gzipSync(inner) };
      }
      return p;
    });
  },
  async decode(payloads: Payload[]) {
    return payloads;
  },
};

async function hostileClient(): Promise<Client> {
  const { client } = await temporal();
  return new Client({
    connection: client.connection,
    namespace: local.namespace,
    dataConverter: { payloadCodecs: [hostileCodec, ...(dataConverter.payloadCodecs ?? [])] },
  });
}

describe('bounded by construction, live (issue 29)', () => {
  before(async () => {
    await temporal();
    await workflowBundle(require.resolve('../../helpers/fixtures/workflows'));
  });
  after(closeTemporal);

  test('finding 1 and 3 live: a 50,000-deep signal and a gzip-bomb signal are refused and audited; status answers; the run is still approved and completes', async () => {
    const hostile = await hostileClient();
    await withWorker(
      {
        workflowsPath: require.resolve('../../helpers/fixtures/workflows'),
        activities: { ...createFixtureActivities(createControl()), ...approvalActivities() },
      },
      async ({ client, taskQueue }) => {
        const h = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
          taskQueue,
          workflowId: uniqueName('bounded-live'),
          args: [{ pair: uniqueName('pair'), requestedBy: 'alice' }],
        });
        await eventually(
          () => h.query(statusQuery),
          (s) => s.phase === 'awaiting-approval',
          'the approval wait',
        );
        const bad = hostile.workflow.getHandle(h.workflowId);
        await bad.signal(approveSignal, DEEP as never);
        await bad.signal(rejectSignal, DEEP as never);
        await bad.signal(resolveSignal, DEEP as never);
        await bad.signal(approveSignal, BOMB as never);
        const update = await bad.executeUpdate(resolveUpdate, { args: [DEEP as never] }).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(update instanceof WorkflowUpdateFailedError, 'the deep update is rejected back to its sender');
        assert.match(String((update.cause as Error).message), /nested more than 4 levels deep/);
        const query = await bad.query(planQuery, DEEP as never).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.match(
          String((query as Error)?.message),
          /invalid plan request: request.*nested more than 4 levels deep/,
        );

        const s = await eventually(
          () => h.query(statusQuery),
          (x) => x.audit.filter((a) => !a.accepted).length >= 4,
          'the four refusals audited',
        );
        assert.equal(s.phase, 'awaiting-approval', 'the run still waits for an approval');
        const refusals = s.audit.filter((a) => !a.accepted);
        assert.deepEqual(
          refusals.map((a) => a.action),
          ['approve', 'reject', 'resolve:?', 'approve'],
        );
        for (const r of refusals.slice(0, 3))
          assert.match(r.reason ?? '', /nested more than 4 levels deep/, JSON.stringify(r));
        assert.match(refusals[3].reason ?? '', /decompresses to more than 16 MiB \(KDR_MAX_DECODED_PAYLOAD_BYTES\)/);

        const { planId } = (await h.query(planQuery))!;
        await h.signal(approveSignal, { by: 'bob', planId });
        assert.equal((await h.result()).applied, true, 'approved and applied after the hostile signals');

        // No workflow task ever failed, and the history (hostile payloads included) replays.
        const history = await h.fetchHistory();
        assert.equal(
          history.events!.filter((e) => e.workflowTaskFailedEventAttributes).length,
          0,
          'no failed workflow task',
        );
        await Worker.runReplayHistory(
          { workflowBundle: await workflowBundle(require.resolve('../../helpers/fixtures/workflows')), dataConverter },
          history,
          h.workflowId,
        );
      },
    );
  });

  test('finding 1 live: drFailover with 200,000 group names, or an input 50,000 levels deep, fails at once as InvalidInput and frees dr-failover-<pair>', async () => {
    const hostile = await hostileClient();
    await withKdrWorker(async ({ client, taskQueue }) => {
      const pair = uniqueName('bounded');
      const workflowId = failoverWorkflowId(pair);
      const runs = [
        () =>
          client.workflow.start(drFailover, {
            taskQueue,
            workflowId,
            args: [{ pair, requestedBy: 'alice', groups: Array(200_000).fill('') }] as never,
          }),
        () => hostile.workflow.start(drFailover, { taskQueue, workflowId, args: [DEEP as never] }),
        () => hostile.workflow.start(drFailover, { taskQueue, workflowId, args: [BOMB as never] }),
      ];
      const expected = [
        /groups: is a list of 200000 items; at most 10000/,
        /nested more than 12 levels deep/,
        /decompresses to more than 16 MiB/,
      ];
      for (const [i, start] of runs.entries()) {
        // Each starts under the same id: the previous run did not stay behind holding it.
        const h = await start();
        const e = await h.result().then(
          () => undefined,
          (x: unknown) => x,
        );
        assert.ok(e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure, `run ${i} fails`);
        assert.equal(e.cause.type, 'InvalidInput');
        assert.match(e.cause.message, expected[i]);
        const status = await client.workflow.getHandle(workflowId).query(statusQuery);
        assert.equal(status.phase, 'invalid-input', 'status still answers after the run failed');
      }
    });
  });
});
