// The real drFailover on the real worker: an input that loosens the pair's approval policy ends the run at the
// resolve step — before assess, before anything is read from or changed on the clusters — with type Refused and
// the refusal in the audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { drFailover } from '../../../workflows';
import type { RunReport } from '../../../workflows/definitions';
import { kafkaPair, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, temporal } from '../../../stack/harness/temporal';

describe('drFailover approval policy', () => {
  before(() => temporal());
  after(closeTemporal);

  test('self-approval or fewer approvals asked for in the input: Refused at resolve, audited, nothing assessed', async () => {
    const name = uniqueName('sec-fo');
    const config = { ...kafkaPair(name, [`${name}-t`]), approval: { required: 2, allowList: ['bob', 'carol'] } };
    await withKdrWorker(async ({ client, taskQueue }) => {
      for (const approval of [{ forbidSelfApproval: false }, { required: 1 }, { allowList: ['alice', 'bob'] }]) {
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', approval }],
        });
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(
          err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure,
          JSON.stringify(approval),
        );
        assert.equal(err.cause.type, 'Refused');
        assert.match(err.cause.message, /the input may only tighten pair .*'s approval policy: approval\.\w+: /);
        const report = err.cause.details?.[0] as RunReport;
        assert.equal(report.steps.find((s) => s.name === 'load-pair')?.state, 'aborted');
        assert.equal(
          report.steps.find((s) => s.name === 'assess')?.state,
          'pending',
          'nothing assessed, nothing changed',
        );
        assert.ok(
          report.audit.some(
            (a) => a.action === 'refuse' && a.accepted === false && /may only tighten/.test(a.reason ?? ''),
          ),
        );
      }
    });
  });
});
